"""The reconciler asks GitHub for deliveries that never reached us and requests them again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_github import FakeHookGitHub, hook_delivery
from integrations.tests.webhook_support import webhook_encryption_key  # noqa: F401
from integrations.webhooks.reconcile import connection_reconcile
from integrations.webhooks.tasks import reconcile_all

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

HOOK = 77


@pytest.fixture(autouse=True)
def _fast_client(settings):
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = None
    settings.GITHUB_RETRIES = 0


@pytest.fixture
def github():
    with FakeHookGitHub(page_size=2) as fake:
        yield fake


@pytest.fixture
def connection(team, github):
    connection = ConnectionFactory(team=team, api_url=github.url, token="ghp_reconcile")
    RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app")
    # A delivery we did receive tells us the hook id (GitHub sends X-GitHub-Hook-ID with every delivery).
    WebhookDelivery.objects.create(
        team=team,
        connection=connection,
        guid="received-1",
        event="issues",
        repository_full_name="octo/app",
        headers={"X-GitHub-Hook-ID": str(HOOK), "X-GitHub-Hook-Installation-Target-Type": "repository"},
        body=b"{}",
        status="processed",
    )
    return connection


def _at(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _github_history(github):
    github.deliveries[HOOK] = [
        hook_delivery(6, "lost-3", delivered_at=_at(minutes=5), status_code=200),  # redelivered fine since
        hook_delivery(5, "lost-2", delivered_at=_at(minutes=20), status_code=0),  # timed out
        hook_delivery(4, "received-1", delivered_at=_at(minutes=30), status_code=503),  # we have it anyway
        hook_delivery(3, "lost-3", delivered_at=_at(hours=1), status_code=503),
        hook_delivery(2, "lost-1", delivered_at=_at(hours=2), status_code=503),  # the database was down
        hook_delivery(1, "too-old", delivered_at=_at(days=4), status_code=503),  # past GitHub's 3 days
    ]


def test_failed_deliveries_we_never_stored_are_redelivered_once_each(connection, github):
    _github_history(github)

    result = connection_reconcile(connection=connection)

    assert sorted(github.redelivered) == [(HOOK, 2), (HOOK, 5)]
    assert (result.hooks, result.failed, result.redelivered, result.errors) == (1, 2, 2, [])
    # Pages are followed until the 3-day window ends, not further.
    assert github.requests.count(f"GET /repos/octo/app/hooks/{HOOK}/deliveries") == 3
    connection.refresh_from_db()
    assert connection.webhook_reconciled_at is not None


def test_a_later_run_looks_back_only_to_the_previous_run(connection, github):
    _github_history(github)
    connection.webhook_reconciled_at = timezone.now() - timedelta(minutes=10)
    connection.save()

    connection_reconcile(connection=connection)

    # lost-1 (2 h ago) is older than the previous run minus the overlap.
    assert github.redelivered == [(HOOK, 5)]


def test_a_github_failure_is_reported_not_raised(connection, github):
    github.fail_with = 500
    result = connection_reconcile(connection=connection)
    assert result.redelivered == 0
    assert "500" in result.errors[0]


def test_the_command_reports_what_it_asked_for(connection, github):
    _github_history(github)
    out = StringIO()

    call_command("webhook_reconcile", "--team", connection.team.slug, stdout=out)

    assert "2 redelivery requested" in out.getvalue()
    assert len(github.redelivered) == 2


def test_the_command_can_set_the_hook_id_of_a_connection_that_has_received_nothing(team, github):
    connection = ConnectionFactory(team=team, api_url=github.url)
    RepositoryFactory(connection=connection, owner="octo", name="quiet", full_name="octo/quiet")
    github.deliveries[5] = [hook_delivery(9, "lost", delivered_at=_at(minutes=1), status_code=502)]

    call_command("webhook_reconcile", "--connection", str(connection.pk), "--hook-id", "5", stdout=StringIO())

    connection.refresh_from_db()
    assert connection.webhook_hook_id == 5
    assert github.redelivered == [(5, 9)]


def test_the_command_fails_clearly_when_github_fails(connection, github):
    github.fail_with = 500
    with pytest.raises(CommandError, match="could not be reconciled"):
        call_command("webhook_reconcile", stdout=StringIO(), stderr=StringIO())


def test_the_periodic_task_fans_out_to_connections_that_know_their_hook(
    connection, github, django_capture_on_commit_callbacks
):
    _github_history(github)
    connection.webhook_hook_id = HOOK
    connection.save()
    ConnectionFactory(team=connection.team)  # no hook known: skipped

    with django_capture_on_commit_callbacks(execute=True):  # a worker runs outside any transaction
        assert reconcile_all.apply().get() == 1
    assert len(github.redelivered) == 2
