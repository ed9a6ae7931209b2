"""GitHub's own example payloads (@octokit/webhooks-examples) through the endpoint and the processing."""

import pytest
from django.utils.dateparse import parse_datetime

from integrations.github.payloads import check_suite_state
from integrations.models import (
    CommitCheck,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Push,
    Release,
    Review,
    WebhookDelivery,
    WorkflowRun,
)
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    example_events,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import handlers as events
from integrations.webhooks import services as webhook_services

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

HANDLED = sorted([*events.HANDLERS, "ping"])


@pytest.fixture
def connection(team):
    return ConnectionFactory(team=team)


def _newer_or_same(row_time, payload_time: str) -> bool:
    return row_time >= parse_datetime(payload_time)


def _expect_issues(payload, delivery):
    data = payload["issue"]
    if data.get("pull_request"):
        assert not Issue.objects.filter(github_id=data["id"]).exists()
        assert "pull request" in delivery.error
        return
    issue = Issue.objects.get(repository__full_name=payload["repository"]["full_name"], github_id=data["id"])
    assert _newer_or_same(issue.updated_at, data["updated_at"])
    if payload["action"] in ("deleted", "transferred"):
        assert issue.deleted_at is not None
    elif issue.updated_at == parse_datetime(data["updated_at"]):
        assert (issue.number, issue.title, issue.state) == (data["number"], data["title"], data["state"])
        assert issue.labels == sorted(label["name"] for label in data["labels"])


def _expect_pull_request(payload, delivery):
    data = payload["pull_request"]
    pull = PullRequest.objects.get(github_id=data["id"])
    assert _newer_or_same(pull.updated_at, data["updated_at"])
    if pull.updated_at == parse_datetime(data["updated_at"]):
        assert (pull.number, pull.state, pull.draft) == (data["number"], data["state"], bool(data["draft"]))
        assert pull.head_sha == data["head"]["sha"]


def _expect_pull_request_review(payload, delivery):
    review = Review.objects.get(github_id=payload["review"]["id"])
    # The examples are all about one review: once its dismissal is processed, later events cannot undo it.
    dismissed = WebhookDelivery.objects.filter(
        event="pull_request_review", action="dismissed", status="processed", pk__lte=delivery.pk
    )
    if payload["action"] != "dismissed" and dismissed.exists():
        assert review.state == "DISMISSED"
        return
    assert review.pull_request.github_id == payload["pull_request"]["id"]
    assert review.state == payload["review"]["state"].upper()
    assert review.pull_request.review_state in ("approved", "changes_requested", "commented")


def _expect_dependabot_alert(payload, delivery):
    data = payload["alert"]
    alert = DependabotAlert.objects.get(repository__full_name=payload["repository"]["full_name"], number=data["number"])
    assert _newer_or_same(alert.updated_at, data["updated_at"])
    if alert.updated_at == parse_datetime(data["updated_at"]):
        assert alert.state == data["state"]
        assert alert.package == data["dependency"]["package"]["name"]


def _expect_workflow_run(payload, delivery):
    data = payload["workflow_run"]
    run = WorkflowRun.objects.get(repository__full_name=payload["repository"]["full_name"], github_id=data["id"])
    assert _newer_or_same(run.updated_at, data["updated_at"])
    assert run.workflow_name == data["name"]


def _expect_check_suite(payload, delivery):
    suite = payload["check_suite"]
    check = CommitCheck.objects.get(
        repository__full_name=payload["repository"]["full_name"], head_sha=suite["head_sha"]
    )
    state = check_suite_state(suite)
    if state == "pending":
        assert check.state in ("pending", "success", "failure")  # a completion that came first stays
    else:
        assert check.state == state or check.state_at > parse_datetime(suite["updated_at"])


def _expect_deployment(payload, delivery):
    data = payload["deployment"]
    deployment = Deployment.objects.get(github_id=data["id"])
    assert _newer_or_same(deployment.updated_at, data["updated_at"])
    if deployment.updated_at == parse_datetime(data["updated_at"]):
        assert deployment.environment == data["environment"]


def _expect_deployment_status(payload, delivery):
    deployment = Deployment.objects.get(github_id=payload["deployment"]["id"])
    status = payload["deployment_status"]
    assert deployment.status_updated_at >= parse_datetime(status["updated_at"])
    if deployment.status_updated_at == parse_datetime(status["updated_at"]):
        assert deployment.status == status["state"]


def _expect_release(payload, delivery):
    rows = Release.objects.filter(github_id=payload["release"]["id"], deleted_at__isnull=True)
    # The examples are all about one release: once its deletion is processed, later events keep it deleted.
    deleted = WebhookDelivery.objects.filter(event="release", action="deleted", status="processed", pk__lte=delivery.pk)
    if payload["action"] == "deleted" or deleted.exists():
        assert not rows.exists()
    else:
        assert rows.get().tag_name == payload["release"]["tag_name"]


def _expect_push(payload, delivery):
    push = Push.objects.get(delivery_guid=delivery.guid)
    assert (push.ref, push.after, push.commit_count) == (payload["ref"], payload["after"], len(payload["commits"]))
    assert push.pusher == payload["pusher"]["name"]


def _expect_ping(payload, delivery):
    assert "is set up" in delivery.error


EXPECTATIONS = {
    name[len("_expect_") :]: function for name, function in globals().items() if name.startswith("_expect_")
}


def test_every_handled_event_has_examples_and_an_expectation():
    assert set(HANDLED) <= set(example_events())
    assert set(HANDLED) == set(EXPECTATIONS)


@pytest.mark.parametrize("event", HANDLED)
def test_every_example_payload_is_accepted_and_produces_its_rows(client, connection, event):
    payloads = examples(event)
    connect_repositories(connection, payloads)
    for index, payload in enumerate(payloads):
        guid = f"{event}-{index}"
        response = post_delivery(client, connection, event, payload, guid=guid, form=index % 2 == 1)
        assert response.status_code in (200, 202), response.content
        delivery = WebhookDelivery.objects.get(guid=guid)

        attempt = webhook_services.delivery_process(delivery_id=delivery.pk)

        delivery.refresh_from_db()
        assert (attempt.outcome, delivery.status) == ("processed", "processed"), delivery.error
        EXPECTATIONS[event](payload, delivery)


def _state() -> dict:
    """Every row the deliveries write, by natural key, without write times or surrogate ids."""
    skip = {"id", "synced_at", "repository", "team", "pull_request"}
    state = {}
    for model in (Issue, PullRequest, Review, DependabotAlert, WorkflowRun, Deployment, Release, Push, CommitCheck):
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        rows = model.objects.values_list("repository__full_name", *fields)
        state[model.__name__] = sorted(rows, key=repr)
    state["review_pulls"] = sorted(Review.objects.values_list("github_id", "pull_request__github_id"))
    return state


def test_replaying_the_whole_corpus_twice_leaves_the_same_database_state(client, connection):
    corpus = [(event, payload) for event in HANDLED for payload in examples(event)]
    connect_repositories(connection, [payload for _, payload in corpus])
    for index, (event, payload) in enumerate(corpus):
        post_delivery(client, connection, event, payload, guid=f"corpus-{index}")
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    for delivery in deliveries:
        webhook_services.delivery_process(delivery_id=delivery.pk)
    first = _state()
    assert all(first[model] for model in ("Issue", "PullRequest", "Review", "DependabotAlert", "WorkflowRun"))
    assert all(first[model] for model in ("Deployment", "Push"))
    assert first["Release"] and not Release.objects.filter(deleted_at__isnull=True).exists()  # its deletion wins
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}

    for _ in range(2):
        for delivery in deliveries:
            webhook_services.delivery_replay(delivery=delivery)
            assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"
        assert _state() == first
    assert Push.objects.count() == len(examples("push"))
