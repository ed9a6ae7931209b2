"""The GitHub page: sync status in plain words, progress while running, sync now, interval, disconnect."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.github import connections
from integrations.github.connections import repository_schedule
from integrations.models import Repository
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import broker
from teams.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def repository(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), full_name="octo/app")
    repository_schedule(repository=repository)
    return repository


def test_an_empty_page_says_what_to_do(client_in, team):
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert "No repository is connected yet" in page and "Connect a repository" in page


def test_a_running_sync_shows_its_progress_and_polls(client_in, team, repository):
    Repository.objects.filter(pk=repository.pk).update(
        sync_status="running",
        sync_progress={"step": "issues", "pages": 3, "items": 300, "done": ["repository"], "requests": 4},
        rate_limit_remaining=4321,
        rate_limit_reset_at=timezone.now(),
        graphql_rate_limit_remaining=4987,
        graphql_rate_limit_reset_at=timezone.now() + timedelta(minutes=30),
    )
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert "Reading <strong>issues</strong>: 3 pages, 300 items" in page
    assert "4321 requests" in page
    assert "GraphQL limit left</dt><dd>4987 points, resets" in page
    assert 'hx-trigger="every 2s"' in page
    partial = client_in.get(f"/t/{team.slug}/github/status/").content.decode()
    assert partial.lstrip().startswith('<section id="repositories"') and "<html" not in partial


def test_an_idle_page_does_not_poll_and_shows_the_last_success(client_in, team, repository):
    Repository.objects.filter(pk=repository.pk).update(last_success_at=timezone.now())
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert "every 2s" not in page
    assert "Synced" in page and "Last success" in page


def test_sync_now_queues_a_sync_and_answers_htmx_with_the_table(client_in, team, repository, monkeypatch):
    url = f"/t/{team.slug}/github/repositories/{repository.pk}/sync/"
    sent = []
    monkeypatch.setattr(connections, "task_send", lambda name, **options: sent.append((name, options)))
    response = client_in.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Sync queued" in response.content.decode()
    assert sent == [("github.sync_repository", {"args": (repository.pk,), "kwargs": {"full": False}})]
    assert AuditEvent.objects.filter(action="github.sync_requested").exists()


def test_the_interval_and_window_can_be_changed(client_in, team, repository):
    response = client_in.post(
        f"/t/{team.slug}/github/repositories/{repository.pk}/schedule/", {"interval": 60, "window": 180}
    )
    assert response.status_code == 302
    repository.refresh_from_db()
    assert repository.metrics_window_days == 180 and repository.sync_interval_minutes == 60
    next_sync_at = repository.next_sync_at
    assert timedelta(minutes=59) < next_sync_at - timezone.now() <= timedelta(minutes=60)
    assert (
        client_in.post(f"/t/{team.slug}/github/repositories/{repository.pk}/schedule/", {"interval": 7}).status_code
        == 302
    )
    repository.refresh_from_db()
    assert (repository.sync_interval_minutes, repository.next_sync_at) == (60, next_sync_at)


def test_an_owner_disconnects_a_repository_and_its_schedule(client_in, team, repository):
    url = f"/t/{team.slug}/github/repositories/{repository.pk}/remove/"
    asked = client_in.get(url)
    for unconfirmed in (client_in.post(url), client_in.post(url, {"confirm": "1"})):
        assert unconfirmed.status_code == 200 and "Disconnect octo/app?" in unconfirmed.content.decode()
    assert asked.status_code == 200 and "Disconnect octo/app?" in asked.content.decode()
    assert 'name="confirm" value="yes"' in asked.content.decode()
    assert Repository.objects.exists()  # nothing is deleted before the confirming POST

    response = client_in.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not Repository.objects.exists()
    assert not PeriodicTask.objects.exists()


def test_a_member_cannot_disconnect_and_a_viewer_cannot_sync(client, team, repository):
    from teams.tests.factories import MembershipFactory

    member = MembershipFactory(team=team, role="member").user
    client.force_login(member)
    assert client.post(f"/t/{team.slug}/github/repositories/{repository.pk}/remove/").status_code == 403
    viewer = MembershipFactory(team=team, role="viewer").user
    client.force_login(viewer)
    assert client.post(f"/t/{team.slug}/github/repositories/{repository.pk}/sync/").status_code == 403
    assert "Sync now" not in client.get(f"/t/{team.slug}/github/").content.decode()


def test_the_admin_never_shows_a_secret(client, team, repository):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "password")
    client.force_login(admin)
    page = client.get(f"/admin/integrations/connection/{repository.connection.pk}/change/").content.decode()
    assert page and "ghp_test_token" not in page and "whsec_test" not in page
    assert client.get("/admin/integrations/repository/").status_code == 200


def test_with_the_broker_down_sync_now_says_so_instead_of_failing(client_in, api_client, team, repository):
    url = f"/t/{team.slug}/github/repositories/{repository.pk}/sync/"
    with broker("redis://127.0.0.1:1/0"):
        htmx = client_in.post(url, HTTP_HX_REQUEST="true")
        plain = client_in.post(url, follow=True)
        api = api_client.post(f"/api/v1/teams/{team.slug}/github/repositories/{repository.pk}/sync/")

    assert htmx.status_code == 200 and "task queue (Redis) is not answering" in htmx.content.decode()
    assert plain.status_code == 200 and "task queue (Redis) is not answering" in plain.content.decode()
    assert api.status_code == 503 and "task queue (Redis) is not answering" in api.json()["detail"]
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.IDLE
