"""Processing stored deliveries: once, in any order, with bounded retries; sweep, replay and prune."""

from datetime import timedelta

import pytest
from celery.signals import worker_ready
from django.db import OperationalError
from django.utils import timezone

from integrations.models import Issue, PullRequest, Push, Release, Review, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import handlers
from integrations.webhooks import services as webhook_services
from integrations.webhooks.tasks import process_delivery

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def connection(team):
    return ConnectionFactory(team=team)


@pytest.fixture
def deliver(client, connection):
    """Post a delivery and return its stored row (not processed yet)."""

    def deliver(event, payload, **kwargs):
        connect_repositories(connection, [payload])
        response = post_delivery(client, connection, event, payload, **kwargs)
        assert response.status_code in (200, 202), response.content
        return WebhookDelivery.objects.get(guid=response.json()["guid"])

    return deliver


def _issue(number=7, *, title="A bug", updated="2026-01-02T00:00:00Z", state="open", labels=()):
    payload = examples("issues")[15]  # an "opened" example
    payload["issue"].update(
        id=9000 + number,
        number=number,
        title=title,
        state=state,
        updated_at=updated,
        labels=[{"name": name} for name in labels],
    )
    payload.pop("label", None)
    return payload


def test_a_delivery_is_processed_once_however_many_times_its_task_runs(deliver):
    delivery = deliver("issues", _issue())

    outcomes = [webhook_services.delivery_process(delivery_id=delivery.pk).outcome for _ in range(3)]

    assert outcomes == ["processed", "skipped", "skipped"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("processed", 1)
    assert delivery.processed_at is not None
    assert Issue.objects.get().title == "A bug"


def test_processing_a_pull_request_event_takes_the_same_few_queries_each_time(deliver, django_assert_num_queries):
    payload = examples("pull_request")[0]
    first = deliver("pull_request", payload, hook_id="42")
    assert webhook_services.delivery_process(delivery_id=first.pk).outcome == "processed"
    payload["pull_request"]["title"] = "Renamed"
    payload["pull_request"]["updated_at"] = "2030-01-01T00:00:00Z"
    second = deliver("pull_request", payload, hook_id="42")

    # Claim, read the delivery (with its connection), lock it, the repository, the locked pull request
    # (no re-read after the update, no savepoint of its own), the update, the issues its body closes
    # (one DELETE; an INSERT only when it names some), the check state of its head commit, the status;
    # the hook id is known already. Plus the transaction: BEGIN and COMMIT in production, SAVEPOINT
    # and RELEASE inside the test's transaction.
    with django_assert_num_queries(11):
        assert webhook_services.delivery_process(delivery_id=second.pk).outcome == "processed"
    assert PullRequest.objects.get().title == "Renamed"


def test_an_older_event_arriving_after_a_newer_one_does_not_overwrite_it(deliver):
    newer = deliver("issues", _issue(title="Renamed", updated="2026-01-03T00:00:00Z"))
    older = deliver("issues", _issue(title="Original", updated="2026-01-01T00:00:00Z"))

    webhook_services.delivery_process(delivery_id=newer.pk)
    webhook_services.delivery_process(delivery_id=older.pk)

    issue = Issue.objects.get()
    assert issue.title == "Renamed"
    assert issue.updated_at.isoformat().startswith("2026-01-03")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}


def test_a_late_event_of_a_deleted_release_does_not_bring_it_back(deliver):
    published, deleted, edited = (examples("release")[i] for i in (0, 4, 6))
    deliveries = [deliver("release", payload) for payload in (published, deleted, edited)]

    # GitHub sent the edit before the deletion, but it reached us (or a worker) last.
    for delivery in deliveries:
        assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"

    assert not Release.objects.filter(github_id=deleted["release"]["id"], deleted_at__isnull=True).exists()
    assert "was deleted" in WebhookDelivery.objects.get(pk=deliveries[2].pk).error


def test_with_every_body_pruned_a_late_event_of_a_deleted_release_still_does_not_bring_it_back(deliver):
    published, deleted, edited = (examples("release")[i] for i in (0, 4, 6))
    for payload in (published, deleted):
        webhook_services.delivery_process(delivery_id=deliver("release", payload).pk)
    assert webhook_services.deliveries_prune(days=0) == 2

    late = deliver("release", edited)
    assert webhook_services.delivery_process(delivery_id=late.pk).outcome == "processed"

    release = Release.objects.get(github_id=deleted["release"]["id"])
    assert release.deleted_at is not None
    assert "was deleted" in WebhookDelivery.objects.get(pk=late.pk).error


def test_a_deletion_that_arrives_before_the_release_leaves_a_tombstone(deliver):
    published, deleted = (examples("release")[i] for i in (0, 4))
    webhook_services.delivery_process(delivery_id=deliver("release", deleted).pk)
    webhook_services.delivery_process(delivery_id=deliver("release", published).pk)

    assert Release.objects.get(github_id=deleted["release"]["id"]).deleted_at is not None


def test_a_late_submitted_event_does_not_undo_a_review_dismissal(deliver):
    pull = examples("pull_request")[0]
    submitted, dismissed = examples("pull_request_review")[0], examples("pull_request_review")[1]
    for payload in (submitted, dismissed):
        payload["pull_request"]["id"] = pull["pull_request"]["id"]
        payload["review"]["state"] = "approved" if payload is submitted else "dismissed"
    webhook_services.delivery_process(delivery_id=deliver("pull_request", pull).pk)
    first, second = deliver("pull_request_review", dismissed), deliver("pull_request_review", submitted)

    webhook_services.delivery_process(delivery_id=first.pk)
    webhook_services.delivery_process(delivery_id=second.pk)

    review = Review.objects.get(github_id=submitted["review"]["id"])
    assert review.state == "DISMISSED"
    assert PullRequest.objects.get(github_id=pull["pull_request"]["id"]).review_state == "commented"


def test_a_transient_fault_is_retried_with_backoff_and_then_marked_failed_with_its_error(deliver, monkeypatch):
    delivery = deliver("issues", _issue())

    def database_restarting(**kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(handlers, "handle", database_restarting)
    first = webhook_services.delivery_process(delivery_id=delivery.pk)

    assert first.outcome == "retry"
    assert first.retry_in >= webhook_services.BACKOFF_BASE_SECONDS
    delivery.refresh_from_db()
    assert delivery.status == "received"
    assert "OperationalError" in delivery.error
    assert delivery.next_attempt_at > timezone.now()
    # Not due yet: a duplicate message does nothing.
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "skipped"

    delays = [first.retry_in]
    for _ in range(webhook_services.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        attempt = webhook_services.delivery_process(delivery_id=delivery.pk)
        delays.append(attempt.retry_in)

    assert attempt.outcome == "failed"
    assert delays[1] > delays[0]  # backoff grows
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", webhook_services.MAX_ATTEMPTS)
    assert not Issue.objects.exists()


def _without_created_at():
    payload = _issue()
    del payload["issue"]["created_at"]
    return payload


def _without_issue():
    payload = _issue()
    del payload["issue"]
    return payload


def _with_nul_in_title():
    return _issue(title="A \x00 bug")


@pytest.mark.parametrize(
    "broken",
    # SQLite stores NUL in text; PostgreSQL refuses it (DataError)
    [_without_created_at, _without_issue, pytest.param(_with_nul_in_title, marks=pytest.mark.postgres)],
)
def test_a_delivery_that_can_never_succeed_fails_at_once_with_its_error(deliver, broken):
    delivery = deliver("issues", broken())

    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "failed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.error.split(":")[0] in ("KeyError", "DataError")
    assert not Issue.objects.exists()


def test_a_failed_delivery_replayed_after_a_fix_is_processed(deliver):
    delivery = deliver("issues", _issue())
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=5, error="KeyError: boom")

    webhook_services.delivery_replay(delivery=delivery)
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("processed", 1, "")


def test_a_delivery_whose_worker_died_is_taken_over_within_a_minute_and_processed_once(deliver):
    assert timedelta(minutes=1) >= webhook_services.LEASE
    delivery = deliver("issues", _issue())
    # A worker claimed it and died before committing: its transaction (and row lock) went with it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(processing_started_at=timezone.now(), attempts=1)
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "skipped"

    stale = timezone.now() - webhook_services.LEASE - timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(processing_started_at=stale)

    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "skipped"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("processed", 2)
    assert Issue.objects.count() == 1


def test_a_worker_whose_claim_was_taken_over_commits_nothing(deliver, monkeypatch):
    delivery = deliver("issues", _issue())
    handle = handlers.handle

    def overtaken(**kwargs):
        result = handle(**kwargs)
        # Its lease ran out meanwhile and another worker claimed the delivery (SQLite has no row lock to wait on).
        WebhookDelivery.objects.filter(pk=delivery.pk).update(processing_started_at=timezone.now() + timedelta(1))
        return result

    monkeypatch.setattr(handlers, "handle", overtaken)

    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "skipped"
    assert not Issue.objects.exists()
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "received"


def test_the_sweep_enqueues_waiting_deliveries_but_not_fresh_or_backing_off_ones(deliver, settings):
    waiting = deliver("issues", _issue(1))
    fresh = deliver("issues", _issue(2))
    backing_off = deliver("issues", _issue(3))
    done = deliver("issues", _issue(4))
    old = timezone.now() - timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk__in=[waiting.pk, backing_off.pk, done.pk]).update(received_at=old)
    WebhookDelivery.objects.filter(pk=backing_off.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    webhook_services.delivery_process(delivery_id=done.pk)

    # Tests run tasks eagerly (no broker), so an enqueued delivery is processed right away.
    assert webhook_services.deliveries_sweep() == 1

    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "processed", fresh.pk: "received", backing_off.pk: "received", done.pk: "processed"}


def test_a_starting_worker_sweeps_every_waiting_delivery(deliver, django_capture_on_commit_callbacks):
    from celery import current_app as app  # the project's Celery app, without importing the project

    deliveries = [deliver("issues", _issue(n)) for n in range(1, 4)]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):  # a worker runs outside any transaction
            worker_ready.send(sender=None)
    finally:
        app.conf.task_always_eager = eager

    assert {d.pk for d in deliveries} == set(
        WebhookDelivery.objects.filter(status="processed").values_list("pk", flat=True)
    )
    assert Issue.objects.count() == 3


def test_the_task_returns_the_outcome_and_leaves_retries_to_the_row_when_run_eagerly(deliver):
    delivery = deliver("issues", _issue())
    assert process_delivery.apply(args=(delivery.pk,)).get() == "processed"
    assert process_delivery.apply(args=(delivery.pk,)).get() == "skipped"
    assert process_delivery.apply(args=(999999,)).get() == "skipped"


def test_pruning_drops_old_raw_bodies_and_keeps_rows_recent_bodies_and_unprocessed_ones(deliver, settings):
    settings.WEBHOOK_RETENTION_DAYS = 14
    old = deliver("issues", _issue(1))
    unprocessed_old = deliver("issues", _issue(2))
    recent = deliver("issues", _issue(3))
    for delivery in (old, recent):
        webhook_services.delivery_process(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk__in=[old.pk, unprocessed_old.pk]).update(
        received_at=timezone.now() - timedelta(days=15)
    )

    assert webhook_services.deliveries_prune() == 1

    old.refresh_from_db()
    assert old.body is None and old.pruned_at is not None and old.status == "processed"
    assert WebhookDelivery.objects.get(pk=recent.pk).body is not None
    assert WebhookDelivery.objects.get(pk=unprocessed_old.pk).body is not None
    assert Issue.objects.filter(number=1).exists()
    with pytest.raises(webhook_services.ReplayError, match="pruned after 14 days"):
        webhook_services.delivery_replay(delivery=old)


def test_a_check_suite_that_arrives_before_its_pull_request_still_sets_the_ci_state(deliver):
    suite = examples("check_suite")[0]
    pull = examples("pull_request")[0]
    pull["pull_request"]["head"]["sha"] = suite["check_suite"]["head_sha"]
    first, second = deliver("check_suite", suite), deliver("pull_request", pull)

    webhook_services.delivery_process(delivery_id=first.pk)
    webhook_services.delivery_process(delivery_id=second.pk)

    assert PullRequest.objects.get().ci_state == "success"


def test_with_every_body_pruned_a_pull_request_after_its_check_suite_still_gets_its_ci_state(deliver):
    suite = examples("check_suite")[0]
    suite["check_suite"]["conclusion"] = "failure"
    webhook_services.delivery_process(delivery_id=deliver("check_suite", suite).pk)
    assert webhook_services.deliveries_prune(days=0) == 1
    pull = examples("pull_request")[0]
    pull["pull_request"]["head"]["sha"] = suite["check_suite"]["head_sha"]

    webhook_services.delivery_process(delivery_id=deliver("pull_request", pull).pk)

    assert PullRequest.objects.get().ci_state == "failure"


def test_a_late_requested_check_suite_does_not_undo_a_completed_one(deliver):
    completed = examples("check_suite")[0]
    completed["check_suite"]["conclusion"] = "failure"
    requested = examples("check_suite")[0]
    requested["check_suite"].update(status="queued", conclusion=None)
    pull = examples("pull_request")[0]
    pull["pull_request"]["head"]["sha"] = completed["check_suite"]["head_sha"]
    for event, payload in (("pull_request", pull), ("check_suite", completed), ("check_suite", requested)):
        webhook_services.delivery_process(delivery_id=deliver(event, payload).pk)

    assert PullRequest.objects.get().ci_state == "failure"


def test_a_completed_check_suite_sets_the_ci_state_of_open_pull_requests_on_that_commit(deliver):
    pull = examples("pull_request")[0]
    suite = examples("check_suite")[0]
    suite["check_suite"].update(head_sha=pull["pull_request"]["head"]["sha"], conclusion="failure")
    webhook_services.delivery_process(delivery_id=deliver("pull_request", pull).pk)
    webhook_services.delivery_process(delivery_id=deliver("check_suite", suite).pk)

    assert PullRequest.objects.get().ci_state == "failure"


def test_reviews_give_the_pull_request_its_review_state(deliver):
    payload = examples("pull_request_review")[0]
    payload["review"]["state"] = "approved"
    webhook_services.delivery_process(delivery_id=deliver("pull_request_review", payload).pk)

    assert PullRequest.objects.get().review_state == "approved"


def test_a_push_becomes_one_row_with_its_ref_commits_and_time(deliver):
    payload = examples("push")[0]
    delivery = deliver("push", payload)
    webhook_services.delivery_process(delivery_id=delivery.pk)
    webhook_services.delivery_replay(delivery=delivery)
    webhook_services.delivery_process(delivery_id=delivery.pk)

    push = Push.objects.get()
    assert (push.ref, push.after, push.commit_count) == (payload["ref"], payload["after"], len(payload["commits"]))
    assert push.pushed_at.timestamp() == payload["repository"]["pushed_at"]


def test_the_replay_command_processes_failed_deliveries_in_the_foreground(deliver):
    from io import StringIO

    from django.core.management import call_command

    failed = deliver("issues", _issue(1))
    fine = deliver("issues", _issue(2))
    webhook_services.delivery_process(delivery_id=fine.pk)
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed", attempts=5, error="boom")
    out = StringIO()

    call_command("webhook_replay", "--status", "failed", stdout=out)

    assert f"{failed.guid} issues.opened: processed" in out.getvalue()
    assert "Replayed 1 deliveries: 1 processed." in out.getvalue()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("processed", 1)
    assert Issue.objects.filter(number=1).exists()


def test_the_replay_command_names_guids_it_does_not_know_and_refuses_to_replay_everything_by_accident():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No stored delivery with GUID nope"):
        call_command("webhook_replay", "nope")
    with pytest.raises(CommandError, match="--all"):
        call_command("webhook_replay")
