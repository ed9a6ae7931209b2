"""One handler per GitHub webhook event: payload in, rows out.

Webhook payload objects have the REST API's shapes, so rows are written with the same
upserts as the sync (`integrations.github.upserts`): keyed on GitHub's ids, and an older
`updated_at` never overwrites a newer row, which makes handlers safe to run twice and
in any order. Events reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.alert_cards import alert_cards_apply
from integrations.github import payloads, upserts
from integrations.models import (
    CommitCheck,
    Connection,
    Issue,
    PullRequest,
    Push,
    Repository,
    Review,
    WebhookDelivery,
)
from integrations.webhooks import automation
from integrations.webhooks.received import Received

Status = WebhookDelivery.Status
DOCS = "https://docs.github.com/en/webhooks/webhook-events-and-payloads"


@dataclass
class Outcome:
    status: str = Status.PROCESSED
    note: str = ""


HANDLERS: dict[str, Callable[[Received], None]] = {}


def handles(event: str):
    def register(function):
        HANDLERS[event] = function
        return function

    return register


def is_handled(event: str) -> bool:
    return event == "ping" or event in HANDLERS


def handle(*, delivery: WebhookDelivery, payload: dict) -> Outcome:
    """Dispatch a delivery to its event's handler; events we do not use and unknown repositories are ignored."""
    _remember_hook(delivery, payload)
    if delivery.event == "ping":
        return ping(delivery, payload)
    handler = HANDLERS.get(delivery.event)
    if handler is None:
        return Outcome(Status.IGNORED, f"We do not use {delivery.event} events.")
    full_name = (payload.get("repository") or {}).get("full_name") or ""
    repository = (
        Repository.objects.filter(connection_id=delivery.connection_id, full_name__iexact=full_name)
        .select_related("team")
        .first()
        if full_name
        else None
    )
    if repository is None:
        where = full_name or "no repository"
        return Outcome(Status.IGNORED, f"The event is about {where}, which this connection does not cover.")
    received = Received(delivery=delivery, payload=payload, repository=repository)
    handler(received)
    return Outcome(Status.PROCESSED, " ".join(received.notes))


def _remember_hook(delivery: WebhookDelivery, payload: dict) -> None:
    """Keep the hook's id on the connection: the reconciler asks GitHub for that hook's failed deliveries."""
    hook_id = delivery.headers.get("X-GitHub-Hook-ID") or payload.get("hook_id")
    if not hook_id or not str(hook_id).isdigit():
        return
    known = delivery.connection.webhook_hook_id if WebhookDelivery.connection.is_cached(delivery) else None
    if known != int(hook_id):  # usually known already: no query
        Connection.objects.filter(pk=delivery.connection_id).exclude(webhook_hook_id=int(hook_id)).update(
            webhook_hook_id=int(hook_id)
        )


# --- handlers ------------------------------------------------------------------------


# ping: GitHub checks the hook right after it is created.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
def ping(delivery: WebhookDelivery, payload: dict) -> Outcome:
    hook = payload.get("hook") or {}
    events = ", ".join(hook.get("events") or []) or "none"
    return Outcome(Status.PROCESSED, f"Hook {payload.get('hook_id', '?')} is set up for events: {events}.")


# issues: opened, edited, closed, labeled, deleted, transferred...
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
@handles("issues")
def issues(event: Received) -> None:
    data = event.payload["issue"]
    issue = upserts.issue_upsert(repository=event.repository, data=data)
    if issue is None:
        event.notes.append("This issue is a pull request; its pull_request events keep that row.")
        return
    if event.action in ("deleted", "transferred"):
        # Gone from this repository (a transfer creates a new issue elsewhere).
        Issue.objects.filter(pk=issue.pk, deleted_at__isnull=True).update(deleted_at=event.delivery.received_at)
        return
    if event.action in ("opened", "reopened", "labeled", "edited"):
        automation.issue_card_create(event, issue)
    if issue.state == "closed":
        automation.cards_move(event, kind="github_issue", numbers=[issue.number], step="issue_closed")


# pull_request: opened, ready_for_review, review_requested, closed (merged or not), synchronize...
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
@handles("pull_request")
def pull_request(event: Received) -> None:
    data = event.payload["pull_request"]
    pull = upserts.pull_request_upsert(repository=event.repository, data=data)
    pull_request_ci_state_catch_up(event, pull)
    step = None
    if event.action in ("opened", "reopened", "ready_for_review") and not data.get("draft"):
        step = "pr_opened"
    elif event.action == "review_requested" and not data.get("draft"):
        step = "pr_review"
    elif event.action == "closed" and data.get("merged_at"):
        step = "pr_merged"
    if step:
        issues_closed = payloads.closing_references(data.get("body") or "", event.repository.full_name)
        automation.cards_move(event, kind="github_pull", numbers=[pull.number], step=step)
        automation.cards_move(event, kind="github_issue", numbers=issues_closed, step=step)


# pull_request_review: submitted, edited, dismissed.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request_review
@handles("pull_request_review")
def pull_request_review(event: Received) -> None:
    data = event.payload["pull_request"]
    # The pull request in a review payload lacks fields (draft, merged): it only creates a missing row.
    pull = PullRequest.objects.filter(repository=event.repository, github_id=data["id"]).first()
    if pull is None:
        pull = upserts.pull_request_upsert(repository=event.repository, data=data)
        pull_request_ci_state_catch_up(event, pull)
    upserts.review_upsert(repository=event.repository, data=event.payload["review"], pull_request=pull)
    review_state = pull_request_review_state(pull)
    if pull.review_state != review_state:
        PullRequest.objects.filter(pk=pull.pk).update(review_state=review_state)
    if event.action == "submitted":
        automation.cards_move(event, kind="github_pull", numbers=[pull.number], step="pr_review")


def pull_request_review_state(pull: PullRequest) -> str:
    """The pull request's review state from each reviewer's latest decisive review, like GitHub's badge."""
    latest: dict[str, str] = {}
    states = Review.objects.filter(pull_request=pull).order_by("submitted_at", "github_id")
    for author, state in states.values_list("author", "state"):
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED") or author not in latest:
            latest[author] = state
    decisions = set(latest.values())
    if "CHANGES_REQUESTED" in decisions:
        return "changes_requested"
    if "APPROVED" in decisions:
        return "approved"
    return "commented" if decisions else ""


# dependabot_alert: created, dismissed, fixed, reintroduced, reopened, auto_dismissed...
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#dependabot_alert
@handles("dependabot_alert")
def dependabot_alert(event: Received) -> None:
    alert = upserts.alert_upsert(repository=event.repository, data=event.payload["alert"])
    event.notes.extend(alert_cards_apply(repository=event.repository, numbers=[alert.number]))


# workflow_run: requested, in_progress, completed (GitHub Actions).
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run
@handles("workflow_run")
def workflow_run(event: Received) -> None:
    upserts.workflow_run_upsert(repository=event.repository, data=event.payload["workflow_run"])


# check_suite: requested, rerequested, completed (any CI app, not only Actions): the CI state of a commit.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_suite
@handles("check_suite")
def check_suite(event: Received) -> None:
    suite = event.payload["check_suite"]
    head_sha = str(suite.get("head_sha") or "")
    if not head_sha:
        return
    check = upserts.commit_check_record(repository=event.repository, head_sha=head_sha, suite=suite)
    pulls = PullRequest.objects.filter(repository=event.repository, head_sha=head_sha)
    if check.state != "pending":
        pulls.exclude(ci_state=check.state).update(ci_state=check.state)
    else:
        pulls.filter(ci_state="").update(ci_state="pending")


def pull_request_ci_state_catch_up(event: Received, pull: PullRequest) -> None:
    """Give a pull request the CI state its head commit's check suites recorded, which may have come first."""
    if not pull.head_sha:
        return
    check = CommitCheck.objects.filter(repository=event.repository, head_sha=pull.head_sha).first()
    if check is None or check.state == pull.ci_state or (check.state == "pending" and pull.ci_state):
        return
    PullRequest.objects.filter(pk=pull.pk).update(ci_state=check.state)
    pull.ci_state = check.state


# deployment: created.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment
@handles("deployment")
def deployment(event: Received) -> None:
    upserts.deployment_upsert(repository=event.repository, data=event.payload["deployment"])


# deployment_status: created (success, failure, error, in_progress...); newer statuses win.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_status
@handles("deployment_status")
def deployment_status(event: Received) -> None:
    upserts.deployment_upsert(
        repository=event.repository, data=event.payload["deployment"], status=event.payload["deployment_status"]
    )


# release: published, created, edited, prereleased, released, deleted...
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#release
@handles("release")
def release(event: Received) -> None:
    data = event.payload["release"]
    deleted_at = event.delivery.received_at if event.action == "deleted" else None
    release = upserts.release_upsert(repository=event.repository, data=data, deleted_at=deleted_at)
    if release.deleted_at and deleted_at is None:
        event.notes.append(f"Release {data['id']} was deleted; this earlier event does not bring it back.")


# push: commits (or tags) pushed to a ref; one row per delivery.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
@handles("push")
def push(event: Received) -> None:
    data = event.payload
    head = data.get("head_commit") or {}
    head_at = payloads.push_time(head.get("timestamp"))
    pushed_at = (
        payloads.push_time((data.get("repository") or {}).get("pushed_at")) or head_at or event.delivery.received_at
    )
    Push.objects.get_or_create(
        delivery_guid=event.delivery.guid,
        defaults={
            "team_id": event.repository.team_id,
            "repository": event.repository,
            "ref": (data.get("ref") or "")[:255],
            "before": (data.get("before") or "")[:40],
            "after": (data.get("after") or "")[:40],
            "pusher": ((data.get("pusher") or {}).get("name") or "")[:100],
            "commit_count": len(data.get("commits") or []),
            "head_commit_at": head_at,
            "pushed_at": pushed_at,
        },
    )
