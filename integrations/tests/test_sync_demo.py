"""The GitHub demo data: shaped like synced data, written without any network, once."""

import io

import pytest

from integrations import demo
from integrations.models import (
    Connection,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    WorkflowRun,
)
from integrations.tests.webhook_support import sign

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_demo_data_covers_every_resource_and_seeding_twice_changes_nothing(team, user, client_in):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    counts = [m.objects.count() for m in (Issue, PullRequest, DependabotAlert, WorkflowRun, Deployment, Release)]
    demo.seed(team=team, user=user, stdout=io.StringIO())

    assert counts == [
        m.objects.count() for m in (Issue, PullRequest, DependabotAlert, WorkflowRun, Deployment, Release)
    ]
    assert all(counts)
    assert Repository.objects.filter(team=team).count() == 1
    assert set(DependabotAlert.objects.values_list("state", flat=True)) >= {
        "open",
        "fixed",
        "dismissed",
        "auto_dismissed",
    }
    assert PullRequest.objects.filter(merged_at__isnull=False, first_commit_at__isnull=False).exists()
    assert Deployment.objects.filter(status="failure").exists()
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert demo.FULL_NAME in page


def test_sync_now_on_the_demo_repository_says_it_is_demo_data(team, user, client_in, api_client):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    repository = Repository.objects.get(team=team)
    url = f"/t/{team.slug}/github/repositories/{repository.pk}/sync/"

    htmx = client_in.post(url, HTTP_HX_REQUEST="true")
    plain = client_in.post(url, follow=True)
    api = api_client.post(f"/api/v1/teams/{team.slug}/github/repositories/{repository.pk}/sync/")

    assert htmx.status_code == 200 and "is demo data" in htmx.content.decode()
    assert plain.status_code == 200 and "is demo data" in plain.content.decode()
    assert api.status_code == 409 and "is demo data" in api.json()["detail"]
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.IDLE and repository.last_error == ""
    assert repository.next_sync_at is None  # never synced by the schedule either


def _signed_post(client, connection, secret):
    body = b'{"zen": "forged"}'
    return client.post(
        connection.webhook_path(),
        data=body,
        content_type="application/json",
        headers={"X-GitHub-Event": "ping", "X-GitHub-Delivery": "forged-1", "X-Hub-Signature-256": sign(body, secret)},
    )


def test_the_demo_webhook_secret_is_generated_so_a_delivery_signed_with_the_old_fixed_one_is_refused(
    team, user, client
):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    connection = Connection.objects.get(team=team, demo=True)
    assert connection.webhook_secret != demo.FIXED_SECRET_OF_OLD_SEEDS and len(connection.webhook_secret) >= 32

    assert _signed_post(client, connection, demo.FIXED_SECRET_OF_OLD_SEEDS).status_code == 401
    assert _signed_post(client, connection, connection.webhook_secret).status_code == 200


def test_seeding_again_keeps_the_generated_secret_and_replaces_the_old_fixed_one(team, user):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    connection = Connection.objects.get(team=team, demo=True)
    generated = connection.webhook_secret
    demo.seed(team=team, user=user, stdout=io.StringIO())
    connection.refresh_from_db()
    assert connection.webhook_secret == generated

    connection.webhook_secret = demo.FIXED_SECRET_OF_OLD_SEEDS
    connection.save(update_fields=["webhook_secret"])
    demo.seed(team=team, user=user, stdout=io.StringIO())
    connection.refresh_from_db()
    assert connection.webhook_secret not in (demo.FIXED_SECRET_OF_OLD_SEEDS, generated)
