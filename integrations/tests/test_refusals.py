"""Every refusal an integrations page can meet shows its message: never a 500.

Connecting a repository re-renders the form with the refusal; "Sync now" answers htmx with the
repositories table and its notice, a plain post with a message; a replay answers htmx with the
delivery's row, a plain post with a message.
"""

import pytest
from django.urls import reverse

from core.tests.refusals import assert_refused, domain_errors_of, post
from fakes.github_server import TOKEN
from integrations.github.connections import ConnectError, DemoRepository, SyncUnavailable
from integrations.models import Repository, WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import broker
from integrations.webhooks.services import ReplayError

pytestmark = pytest.mark.django_db

htmx = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])


def connect_form(api_url: str, token: str = TOKEN) -> dict:
    return {"repository": "octo/app", "auth_kind": "token", "token": token, "api_url": api_url, "interval": 15}


@htmx
def test_a_token_github_rejects_is_a_connect_error_on_the_form(github, team, client_in, htmx):
    github.add_repo("octo/app")
    response = post(client_in, f"/t/{team.slug}/github/", connect_form(github.url, "ghp_wrong"), htmx=htmx)
    status = 200 if htmx else ConnectError.status_code
    assert_refused(client_in, response, "GitHub rejected the token (bad credentials)", status=status)
    assert not Repository.objects.exists()


@pytest.mark.parametrize("api_url", ["ftp://github.example.com/api/v3", "ftps://github.example.com/"])
def test_an_api_url_that_is_not_http_is_a_form_error(team, client_in, settings, api_url):
    settings.OUTBOUND_ALLOW_HTTP = False  # as in production (the suite lets the fake GitHub speak http)
    response = client_in.post(f"/t/{team.slug}/github/", connect_form(api_url))
    assert_refused(client_in, response, "The URL must start with https://.", status=400)
    assert not Repository.objects.exists()


@pytest.fixture
def repository(team):
    return RepositoryFactory(connection=ConnectionFactory(team=team), full_name="octo/app")


def sync_url(repository) -> str:
    return f"/t/{repository.team.slug}/github/repositories/{repository.pk}/sync/"


@htmx
def test_syncing_demo_data_is_refused(client_in, repository, htmx):
    repository.connection.demo = True
    repository.connection.save(update_fields=["demo"])
    response = post(client_in, sync_url(repository), {}, htmx=htmx)
    assert_refused(client_in, response, "is demo data, seeded without GitHub", status=200 if htmx else 302)


@htmx
def test_a_sync_the_task_queue_does_not_take_is_refused(client_in, repository, htmx):
    with broker("redis://127.0.0.1:1/0"):
        response = post(client_in, sync_url(repository), {}, htmx=htmx)
    assert_refused(client_in, response, "task queue (Redis) is not answering", status=200 if htmx else 302)
    assert SyncUnavailable.status_code == 503  # what the API answers; the page shows it as a notice


@htmx
def test_a_pruned_delivery_cannot_be_replayed(client_in, repository, htmx):
    delivery = WebhookDelivery.objects.create(
        team=repository.team,
        connection=repository.connection,
        guid="pruned-1",
        event="issues",
        action="opened",
        repository_full_name="octo/app",
        headers={},
        body=None,
        status="processed",
    )
    url = reverse("github-webhooks:delivery-replay", kwargs={"team": repository.team.slug, "delivery_id": delivery.pk})
    response = post(client_in, url, {}, htmx=htmx)
    assert_refused(client_in, response, "it cannot be replayed", status=200 if htmx else 302)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "processed"


def test_every_refusal_an_integrations_page_can_meet_has_a_case_here():
    assert domain_errors_of("integrations") == {ConnectError, DemoRepository, SyncUnavailable, ReplayError}
