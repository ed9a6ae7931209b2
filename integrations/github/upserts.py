"""Writing GitHub's rows: set-based upserts keyed on GitHub's ids, shared by the sync and the webhooks.

Safe to replay: an older `updated_at` never overwrites a newer row, and concurrent writers of
the same row (a webhook and a sync) are serialised by row locks.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.github import payloads
from integrations.github.references import pull_references_write
from integrations.models import (
    CommitCheck,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    Review,
    WorkflowRun,
)


def rows_upsert(
    model,
    *,
    repository: Repository,
    rows: list[dict],
    key: str = "github_id",
    version: str | None,
    into: dict | None = None,
):
    """Insert or update `rows` (values dicts) of one repository in one transaction; count what happened.

    Existing rows are locked while compared, so a webhook writing the same row waits for
    us (or we for it) and the newer `version` wins whatever the order. `into`, when given,
    receives each row as stored, by its key. Inside a caller's transaction (a webhook's)
    no savepoint is taken: an error here fails the caller's transaction anyway.
    """
    counts: Counter = Counter()
    latest = _newest_by_key(rows, key=key, version=version)
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        existing = {
            getattr(row, key): row
            for row in model.objects.select_for_update().filter(repository=repository, **{f"{key}__in": list(latest)})
        }
        if into is not None:
            into.update(existing)  # as compared below: unchanged, newer (stale input) or updated in place
        to_create, to_update, changed_fields = [], [], set()
        for value_key, values in latest.items():
            row = existing.get(value_key)
            if row is None:
                to_create.append(model(team_id=repository.team_id, repository=repository, synced_at=now, **values))
                continue
            if version and getattr(row, version) and values[version] and getattr(row, version) > values[version]:
                counts["stale"] += 1
                continue
            changed = [field for field, value in values.items() if getattr(row, field) != value]
            if not changed:
                counts["unchanged"] += 1
                continue
            for field in changed:
                setattr(row, field, values[field])
            row.synced_at = now
            changed_fields.update(changed)
            to_update.append(row)
        lost = []
        if to_create:
            model.objects.bulk_create(to_create, ignore_conflicts=True)
            keys = [getattr(row, key) for row in to_create]
            stored = model.objects.filter(repository=repository, **{f"{key}__in": keys})
            # Rows that differ from ours were inserted first by a concurrent writer (a webhook, another
            # sync) and our insert was skipped: run them through the version comparison again.
            lost = []
            for row in stored:
                values = latest[getattr(row, key)]
                if any(getattr(row, field) != value for field, value in values.items()):
                    lost.append(values)
                elif into is not None:
                    into[getattr(row, key)] = row
            counts["created"] += len(keys) - len(lost)
        if to_update:
            model.objects.bulk_update(to_update, [*sorted(changed_fields), "synced_at"])
    counts["updated"] += len(to_update)
    if lost:
        counts.update(rows_upsert(model, repository=repository, rows=lost, key=key, version=version, into=into))
    return counts


def _newest_by_key(rows: list[dict], *, key: str, version: str | None) -> dict:
    """One values dict per key, the newest: a page may hold the same row twice when the list shifted under us."""
    latest: dict = {}
    for values in rows:
        previous = latest.get(values[key])
        if previous is None or not version or values[version] >= previous[version]:
            latest[values[key]] = values
    return latest


def row_upsert(model, *, repository: Repository, values: dict, key: str = "github_id", version: str | None):
    stored: dict = {}
    rows_upsert(model, repository=repository, rows=[values], key=key, version=version, into=stored)
    row = stored.get(values[key])
    return row if row is not None else model.objects.get(repository=repository, **{key: values[key]})


def issue_upsert(*, repository: Repository, data: dict) -> Issue | None:
    """Write one issue from GitHub's issue JSON (a pull request in the issues list is skipped: None)."""
    if data.get("pull_request"):
        return None
    return row_upsert(Issue, repository=repository, values=payloads.issue_fields(data), version="updated_at")


def pull_request_upsert(*, repository: Repository, data: dict) -> PullRequest:
    """Write one pull request from GitHub's pull request JSON (and the issues its body closes)."""
    pull = row_upsert(
        PullRequest, repository=repository, values=payloads.pull_request_fields(data), version="updated_at"
    )
    pull_references_write(repository=repository, items=[data], stored={pull.github_id: pull})
    return pull


def alert_upsert(*, repository: Repository, data: dict) -> DependabotAlert:
    """Write one Dependabot alert from GitHub's alert JSON (keyed on its number)."""
    return row_upsert(
        DependabotAlert, repository=repository, values=payloads.alert_fields(data), key="number", version="updated_at"
    )


def workflow_run_upsert(*, repository: Repository, data: dict) -> WorkflowRun:
    """Write one GitHub Actions workflow run from GitHub's workflow run JSON."""
    return row_upsert(
        WorkflowRun, repository=repository, values=payloads.workflow_run_fields(data), version="updated_at"
    )


def deployment_upsert(*, repository: Repository, data: dict, status: dict | None = None) -> Deployment:
    """Write one deployment from GitHub's deployment JSON, with its latest deployment status JSON if given."""
    deployment = row_upsert(
        Deployment, repository=repository, values=payloads.deployment_fields(data), version="updated_at"
    )
    if status:
        deployment_status_apply(deployment=deployment, data=status)
    return deployment


def deployment_status_apply(*, deployment: Deployment, data: dict) -> Deployment:
    """Record a deployment status JSON on its deployment unless a newer status is already there."""
    status_at = payloads.parse_time(data.get("updated_at") or data.get("created_at"))
    updated = (
        Deployment.objects.filter(pk=deployment.pk)
        .exclude(status_updated_at__gt=status_at)
        .update(status=data.get("state") or "", status_updated_at=status_at, synced_at=timezone.now())
    )
    succeeded = False
    if data.get("state") == "success" and status_at is not None:
        # The first success is the deployment's time; a later `inactive` (superseded) leaves it.
        succeeded = bool(
            Deployment.objects.filter(pk=deployment.pk)
            .filter(Q(succeeded_at=None) | Q(succeeded_at__gt=status_at))
            .update(succeeded_at=status_at)
        )
    if updated or succeeded:
        deployment.refresh_from_db(fields=["status", "status_updated_at", "succeeded_at", "synced_at"])
    return deployment


def deployment_statuses_apply(*, deployment: Deployment, statuses: list[dict]) -> Deployment:
    """Record a deployment's status history (GitHub's list, newest first): its latest status and its success."""
    if statuses:
        deployment_status_apply(deployment=deployment, data=statuses[0])
    success = next((status for status in reversed(statuses) if status.get("state") == "success"), None)
    if success is not None and success is not statuses[0]:
        deployment_status_apply(deployment=deployment, data=success)
    return deployment


def commit_check_record(*, repository: Repository, head_sha: str, suite: dict) -> CommitCheck:
    """Record a check suite JSON's state on its commit; a completion wins over "pending", a newer one over older.

    Without a time, "pending" never overwrites a result: a late "requested" must not undo a
    "completed" that overtook it.
    """
    state, state_at = payloads.check_suite_state(suite), payloads.parse_time(suite.get("updated_at"))
    with transaction.atomic():
        check, created = CommitCheck.objects.select_for_update().get_or_create(
            repository=repository,
            head_sha=head_sha,
            defaults={"team_id": repository.team_id, "state": state, "state_at": state_at},
        )
        if created or state == "pending":
            return check
        newer = check.state == "pending" or check.state_at is None or (state_at and state_at >= check.state_at)
        if newer and (check.state, check.state_at) != (state, state_at):
            check.state, check.state_at = state, state_at
            check.save(update_fields=["state", "state_at", "synced_at"])
    return check


def release_upsert(*, repository: Repository, data: dict, deleted_at=None) -> Release:
    """Write one release from GitHub's release JSON; `deleted_at` makes it a tombstone (never undone)."""
    release = row_upsert(Release, repository=repository, values=payloads.release_fields(data), version=None)
    if deleted_at is not None and release.deleted_at is None:
        Release.objects.filter(pk=release.pk, deleted_at__isnull=True).update(deleted_at=deleted_at)
        release.refresh_from_db(fields=["deleted_at"])
    return release


def review_upsert(*, repository: Repository, data: dict, pull_request: PullRequest | None = None) -> Review | None:
    """Write one pull request review from GitHub's review JSON (None when its pull request is unknown)."""
    if pull_request is None:
        number = str(data.get("pull_request_url") or "").rstrip("/").rsplit("/", 1)[-1]
        pull_request = (
            PullRequest.objects.filter(repository=repository, number=number).first() if number.isdigit() else None
        )
        if pull_request is None:
            return None
    values = {**payloads.review_fields(data), "pull_request_id": pull_request.pk}
    with transaction.atomic():
        # Review events carry no updated_at. A review only moves forward (pending, then submitted,
        # then perhaps dismissed), so a late event of an earlier stage leaves the row alone.
        # Locking the pull request serialises its review writes, so two events cannot race past this check.
        PullRequest.objects.select_for_update().filter(pk=pull_request.pk).values_list("pk").first()
        current = Review.objects.filter(repository=repository, github_id=values["github_id"]).first()
        if current is not None and _review_stage(current.state, current.submitted_at) > _review_stage(
            values["state"], values["submitted_at"]
        ):
            return current
        return row_upsert(Review, repository=repository, values=values, version=None)


REVIEW_STAGES = {"PENDING": 0, "COMMENTED": 1, "APPROVED": 1, "CHANGES_REQUESTED": 1, "DISMISSED": 2}


def _review_stage(state: str, submitted_at) -> tuple:
    """How far a review has come; a review never goes back (GitHub cannot undo a dismissal)."""
    return (REVIEW_STAGES.get(state, 1), submitted_at.timestamp() if submitted_at else 0.0)


def issues_write(repository: Repository, items: list) -> Counter:
    rows = [payloads.issue_fields(item) for item in items if not item.get("pull_request")]
    return rows_upsert(Issue, repository=repository, rows=rows, version="updated_at")


def pulls_write(repository: Repository, items: list) -> Counter:
    stored: dict = {}
    rows = [payloads.pull_request_fields(i) for i in items]
    counts = rows_upsert(PullRequest, repository=repository, rows=rows, version="updated_at", into=stored)
    pull_references_write(repository=repository, items=items, stored=stored)
    return counts


def alerts_write(repository: Repository, items: list) -> Counter:
    return rows_upsert(
        DependabotAlert,
        repository=repository,
        rows=[payloads.alert_fields(i) for i in items],
        key="number",
        version="updated_at",
    )


def runs_write(repository: Repository, items: list) -> Counter:
    return rows_upsert(
        WorkflowRun, repository=repository, rows=[payloads.workflow_run_fields(i) for i in items], version="updated_at"
    )


def deployments_write(repository: Repository, items: list) -> Counter:
    return rows_upsert(
        Deployment, repository=repository, rows=[payloads.deployment_fields(i) for i in items], version="updated_at"
    )


def releases_write(repository: Repository, items: list) -> Counter:
    return rows_upsert(Release, repository=repository, rows=[payloads.release_fields(i) for i in items], version=None)
