"""One sync schedule: the periodic `github.sync_due` task starts the syncs whose time has come, once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core import tasks as core_tasks
from integrations.github import tasks
from integrations.tests.factories import RepositoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(monkeypatch):
    """Ids of the repositories whose sync task was sent."""
    ids = []
    monkeypatch.setattr(core_tasks, "task_send", lambda name, *, args, **kwargs: ids.append(args[0]))
    return ids


def _due(**fields):
    return RepositoryFactory(next_sync_at=timezone.now() - timedelta(minutes=1), **fields)


def test_the_beat_schedule_has_one_sync_task_for_every_repository():
    syncs = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].startswith("github.")]
    assert syncs == [{"task": "github.sync_due", "schedule": 60}]


def test_due_repositories_are_synced_once_and_their_next_time_moves_one_interval_on(
    started, django_capture_on_commit_callbacks
):
    due, also_due = _due(sync_interval_minutes=15), _due(sync_interval_minutes=60)
    later = RepositoryFactory(next_sync_at=timezone.now() + timedelta(minutes=5))
    paused = RepositoryFactory(next_sync_at=None)
    disabled = _due(sync_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_due() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_due() == 0  # a second tick (or an overlapping beat) finds nothing due

    assert sorted(started) == sorted([due.pk, also_due.pk])
    assert {later.pk, paused.pk, disabled.pk}.isdisjoint(started)
    due.refresh_from_db()
    assert timedelta(minutes=14) < due.next_sync_at - timezone.now() <= timedelta(minutes=15)


@pytest.mark.parametrize("what", ["repository", "connection", "team"])
def test_deleting_a_team_connection_or_repository_leaves_nothing_running(
    what, started, django_capture_on_commit_callbacks
):
    repository = _due()
    {"repository": repository, "connection": repository.connection, "team": repository.team}[what].delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_due() == 0
    assert started == []
    assert not PeriodicTask.objects.exists()
    assert tasks.sync_repository(repository.pk) == "gone"  # a sync queued before the deletion ends at once
