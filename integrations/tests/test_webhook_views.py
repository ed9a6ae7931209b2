"""The webhooks page and the deliveries API."""

import re

import pytest
from django.urls import reverse

from core.tests.queries import SESSION_QUERIES
from integrations.models import WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import SECRET, webhook_encryption_key  # noqa: F401
from teams.models import AuditEvent
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<tr id="delivery-\d+"')


@pytest.fixture
def connection(team):
    connection = ConnectionFactory(team=team, webhook_hook_id=77)
    RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app")
    return connection


def _deliveries(connection, count, **fields):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            team=connection.team,
            connection=connection,
            guid=f"{fields.get('status', 'processed')}-{fields.get('event', 'issues')}-{n}",
            event=fields.get("event", "issues"),
            action="opened",
            repository_full_name="octo/app",
            headers={},
            body=b'{"action": "opened"}',
            status=fields.get("status", "processed"),
            error=fields.get("error", ""),
        )
        for n in range(count)
    )


def _page(team):
    return reverse("github-webhooks:index", kwargs={"team": team.slug})


def test_the_page_shows_the_exact_github_settings_without_the_secret(client_in, team, connection):
    response = client_in.get(_page(team))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"http://testserver/integrations/github/webhook/{connection.pk}/" in html
    assert "application/json" in html
    for event in ("issues", "pull_request", "pull_request_review", "workflow_run", "dependabot_alert", "push"):
        assert f"<code>{event}</code>" in html
    assert SECRET not in html
    assert "Reveal secret" in html
    assert "hook id 77" in html


@pytest.mark.parametrize("page", ["github:index", "github-webhooks:index"])
def test_the_github_area_is_current_in_the_top_bar_and_its_tabs_reach_both_pages(client_in, team, connection, page):
    html = client_in.get(reverse(page, kwargs={"team": team.slug})).content.decode()

    github = reverse("github:index", kwargs={"team": team.slug})
    webhooks = _page(team)
    assert f'<a href="{github}" aria-current="page">GitHub</a>' in html
    tabs = html.split('<nav class="tabs" aria-label="GitHub">', 1)[1].split("</nav>", 1)[0]
    current = github if page == "github:index" else webhooks
    assert f'href="{current}" aria-current="page"' in tabs
    assert f'href="{github}"' in tabs and f'href="{webhooks}"' in tabs


def test_an_owner_reveals_the_secret_and_the_reveal_is_audited(client_in, team, connection):
    url = reverse("github-webhooks:secret-reveal", kwargs={"team": team.slug, "connection_id": connection.pk})

    response = client_in.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert AuditEvent.objects.filter(action="webhook.secret_revealed", team=team).exists()


def test_a_member_who_is_not_owner_cannot_reveal_the_secret(client, team, connection):
    member = MembershipFactory(team=team, role="member").user
    client.force_login(member)

    page = client.get(_page(team)).content.decode()
    response = client.post(
        reverse("github-webhooks:secret-reveal", kwargs={"team": team.slug, "connection_id": connection.pk})
    )

    assert "Reveal secret" not in page
    assert response.status_code == 403
    assert SECRET not in response.content.decode()


def test_recent_deliveries_are_listed_with_their_outcome_and_filterable(client_in, team, connection):
    _deliveries(connection, 2, status="processed")
    _deliveries(connection, 1, status="failed", error="KeyError: created_at")

    html = client_in.get(_page(team)).content.decode()
    failed_only = client_in.get(_page(team), {"status": "failed"}).content.decode()

    assert len(ROW.findall(html)) == 3
    assert "KeyError: created_at" in html
    assert "Replay" in html
    assert len(ROW.findall(failed_only)) == 1


@pytest.mark.parametrize("count", [1, 40])
def test_the_page_runs_the_same_number_of_queries_whatever_the_number_of_deliveries(
    client_in, team, connection, count, django_assert_num_queries
):
    _deliveries(connection, count)
    client_in.get(_page(team))  # warm the session and caches
    with django_assert_num_queries(7 + SESSION_QUERIES):
        client_in.get(_page(team))


def test_replay_from_the_page_requeues_the_delivery_and_returns_its_row(client_in, team, connection):
    _deliveries(connection, 1, status="failed", error="boom")
    delivery = WebhookDelivery.objects.get()
    url = reverse("github-webhooks:delivery-replay", kwargs={"team": team.slug, "delivery_id": delivery.pk})

    response = client_in.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert f'id="delivery-{delivery.pk}"' in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("received", 0, "")
    assert AuditEvent.objects.filter(action="webhook.replayed", team=team).exists()


def test_a_pruned_delivery_cannot_be_replayed_and_the_page_says_why(client_in, team, connection):
    _deliveries(connection, 1, status="processed")
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(body=None)
    url = reverse("github-webhooks:delivery-replay", kwargs={"team": team.slug, "delivery_id": delivery.pk})

    response = client_in.post(url, follow=True)

    assert "pruned" in response.content.decode()
    assert WebhookDelivery.objects.get().status == "processed"


def test_a_delivery_of_another_team_cannot_be_replayed(client_in, team, other_team):
    foreign = ConnectionFactory(team=other_team)
    _deliveries(foreign, 1, status="failed")
    delivery = WebhookDelivery.objects.get()
    url = reverse("github-webhooks:delivery-replay", kwargs={"team": team.slug, "delivery_id": delivery.pk})

    assert client_in.post(url).status_code == 404
    assert WebhookDelivery.objects.get().status == "failed"


# --- API ----------------------------------------------------------------------------------


def _api(team):
    return f"/api/v1/teams/{team.slug}/github/deliveries/"


def test_the_api_lists_deliveries_with_the_documented_fields(api_client, team, connection):
    _deliveries(connection, 3)

    data = api_client.get(_api(team)).json()

    assert data["count"] == 3
    first = data["results"][0]
    for field in ("guid", "event", "action", "repository", "status", "received_at", "processed_at", "error"):
        assert field in first
    assert first["repository"] == "octo/app"
    assert first["html_url"].endswith(f"#delivery-{first['id']}")


def test_the_api_filters_by_status_and_event_and_refuses_an_unknown_status(api_client, team, connection):
    _deliveries(connection, 2, status="processed", event="push")
    _deliveries(connection, 1, status="ignored", event="star")
    _deliveries(connection, 1, status="failed", event="issues")

    assert api_client.get(_api(team), {"status": "failed"}).json()["count"] == 1
    assert api_client.get(_api(team), {"event": "push"}).json()["count"] == 2
    assert api_client.get(_api(team), {"event": "push", "status": "ignored"}).json()["count"] == 0
    bad = api_client.get(_api(team), {"status": "lost"})
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_the_api_shows_only_the_teams_deliveries(api_client, team, other_team, connection):
    _deliveries(connection, 1)
    _deliveries(ConnectionFactory(team=other_team), 2)

    assert api_client.get(_api(team)).json()["count"] == 1
    assert api_client.get(_api(other_team)).status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_the_api_list_runs_a_constant_number_of_queries(api_client, team, connection, count, django_assert_num_queries):
    _deliveries(connection, count)
    with django_assert_num_queries(3):
        api_client.get(_api(team))


def test_a_member_replays_a_delivery_through_the_api_and_a_viewer_cannot(api_client, team, connection):
    _deliveries(connection, 1, status="failed")
    delivery = WebhookDelivery.objects.get()

    response = api_client.post(f"{_api(team)}{delivery.pk}/replay/")

    assert response.status_code == 202
    assert response.json()["status"] in ("received", "processed")
    viewer = MembershipFactory(team=team, role="viewer").user
    api_client.force_authenticate(viewer)
    assert api_client.post(f"{_api(team)}{delivery.pk}/replay/").status_code == 403
