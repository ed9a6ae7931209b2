"""The sync task: re-scheduled at the rate-limit reset, stops on a revoked token, runs on a real worker."""

import time
from datetime import UTC, datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from core import tasks as core_tasks
from fakes import github_server
from fakes.github_server import TOKEN
from integrations.github import tasks
from integrations.github.connections import repository_connect, repository_schedule
from integrations.models import Issue, Repository
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.sqlite


@pytest.fixture
def repository(db, github):
    repo = github.add_repo("octo/app")
    github.seed(repo, issues=30, pulls=5, alerts=5, runs=5)
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    repository = RepositoryFactory(
        connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None
    )
    repository_schedule(repository=repository)
    return repository


@pytest.fixture
def scheduled(monkeypatch):
    """What the task hands to the broker when it re-schedules itself (or Celery retries it)."""
    calls = []
    monkeypatch.setattr(core_tasks, "task_send", lambda name, **kw: calls.append(kw))
    monkeypatch.setattr(tasks.sync_repository, "apply_async", lambda *a, **kw: calls.append(kw))
    return calls


def run_sync(repository_id: int) -> str:
    """Run the task as a worker does, outside a transaction: what it enqueues is sent as it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return tasks.sync_repository(repository_id)


def test_a_rate_limited_sync_is_rescheduled_at_the_reset_instead_of_sleeping(github, repository, scheduled):
    github.rate_remaining = 0
    github.rate_reset = int(time.time()) + 1800

    outcome = run_sync(repository.pk)

    assert outcome == "rescheduled"
    assert scheduled == [
        {
            "args": (repository.pk,),
            "kwargs": {"full": False},
            "countdown": None,
            "eta": datetime.fromtimestamp(github.rate_reset, UTC),
        }
    ]
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.RATE_LIMITED
    assert repository.rate_limit_reset_at.timestamp() == github.rate_reset


@pytest.mark.slow
def test_a_rate_limited_sync_returns_at_once_instead_of_sleeping(github, repository, scheduled):
    github.rate_remaining = 0
    github.rate_reset = int(time.time()) + 1800

    started = time.monotonic()
    assert run_sync(repository.pk) == "rescheduled"
    assert time.monotonic() - started < 5


def test_a_secondary_limit_is_rescheduled_after_retry_after(github, repository, scheduled):
    github.faults.append(github_server.Fault(match="/issues", status=429, retry_after=90))
    assert run_sync(repository.pk) == "rescheduled"
    delay = (scheduled[0]["eta"] - datetime.now(UTC)).total_seconds()
    assert 80 < delay <= 90


def test_a_revoked_token_stops_the_task_and_says_so_on_the_page(github, repository, scheduled, client_in, user):
    repository.team.memberships.create(user=user, role="member")
    github.tokens.clear()  # the token was revoked on GitHub

    outcome = run_sync(repository.pk)

    assert outcome == "failed"
    assert scheduled == []
    assert github.count() == 1  # one 401, no retries
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.FAILED
    assert repository.next_sync_at is None  # paused: github.sync_due skips it
    page = client_in.get(f"/t/{repository.team.slug}/github/").content.decode()
    assert "The last sync failed" in page
    assert "GitHub rejected the token (bad credentials)" in page
    assert "Scheduled syncs are paused" in page

    github.tokens.add(TOKEN)  # access restored: one successful sync resumes the schedule
    assert run_sync(repository.pk) == "done"
    repository.refresh_from_db()
    assert repository.next_sync_at > timezone.now()


def test_a_task_for_a_removed_repository_returns_quietly(db):
    assert tasks.sync_repository(999999) == "gone"


@pytest.mark.worker
def test_a_real_worker_syncs_a_newly_connected_repository(celery_worker, github, team):
    repo = github.add_repo("octo/worker")
    github.seed(repo, issues=120, pulls=4)

    repository, _ = repository_connect(team=team, full_name="octo/worker", token=TOKEN, api_url=github.url)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        repository.refresh_from_db()
        if repository.last_success_at or repository.sync_status == Repository.SyncStatus.FAILED:
            break
        time.sleep(0.2)
    assert repository.last_error == ""
    assert repository.last_success_at is not None
    assert Issue.objects.filter(repository=repository).count() == 120


def test_a_scheduled_tick_during_a_rate_limit_wait_sends_no_request(github, repository, scheduled):
    github.rate_remaining = 0
    github.rate_reset = int(time.time()) + 1800
    run_sync(repository.pk)
    github.log.clear()

    assert run_sync(repository.pk) == "waiting for the rate limit"
    assert github.log == [] and len(scheduled) == 1


def test_a_5xx_that_outlives_the_client_retries_is_retried_by_celery_with_backoff(
    github, repository, settings, scheduled
):
    from celery.exceptions import Retry

    settings.GITHUB_RETRIES = 0
    github.faults.append(github_server.Fault(match="/issues", status=502, times=100))
    task = tasks.sync_repository
    # Run as a worker would (not eagerly, first attempt), so autoretry_for turns the error into a retry.
    task.push_request(id="attempt-1", retries=0, is_eager=False, called_directly=False, args=[repository.pk], kwargs={})
    try:
        with pytest.raises(Retry):
            task.run(repository.pk)
    finally:
        task.pop_request()

    assert len(scheduled) == 1 and 0 <= scheduled[0]["countdown"] <= 30  # backoff with jitter
    assert task.max_retries == 4  # bounded
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.FAILED
    assert "GitHub answered 502" in repository.last_error
