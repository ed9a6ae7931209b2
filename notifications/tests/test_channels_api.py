"""The channels API: owners write, members read; the URL goes in and never comes out."""

import pytest
from django.db import connection

from notifications.models import Channel, Delivery
from notifications.tests.receiver import Receiver, receiving
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TOKEN = "T0KEN-do-not-show"


def _url(receiver: Receiver) -> str:
    return f"json://127.0.0.1:{receiver.port}/hooks/{TOKEN}"


def test_an_owner_adds_a_channel_and_gets_its_url_back_masked(api_client, team):
    with receiving() as receiver:
        response = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/",
            {"name": "ops", "url": _url(receiver), "events": ["incident.opened", "postmortem.published"]},
            format="json",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == "json://127.0.0.1/••••••"
    assert body["service"] == "JSON webhook"
    assert body["events"] == ["incident.opened", "postmortem.published"]
    assert TOKEN not in response.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT url FROM notifications_channel")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:") and TOKEN not in stored


def test_a_channel_without_events_gets_the_defaults(api_client, team):
    with receiving() as receiver:
        response = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/", {"name": "ops", "url": _url(receiver)}, format="json"
        )

    assert response.status_code == 201
    assert "incident.opened" in response.json()["events"]
    assert "action_item.overdue" not in response.json()["events"]  # goes to the item's owner, not the team


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not a channel URL Apprise understands"),
        ("syslog://", "Syslog is not offered"),
        ("slack://xoxb-1234-1234-abc4", "incoming webhook URL"),
        ("json://10.1.2.3/hook", "private address"),
    ],
)
def test_a_url_the_app_cannot_send_to_is_a_clear_400(api_client, team, url, words):
    response = api_client.post(f"/api/v1/teams/{team.slug}/channels/", {"name": "x", "url": url}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not Channel.objects.exists()


def test_plain_http_is_refused_unless_the_operator_allows_it(api_client, team, settings):
    settings.OUTBOUND_ALLOW_HTTP = False

    response = api_client.post(
        f"/api/v1/teams/{team.slug}/channels/", {"name": "x", "url": "json://127.0.0.1:9/hook"}, format="json"
    )

    assert response.status_code == 400
    assert "https://" in response.json()["detail"]


def test_an_unknown_event_is_named_in_the_error(api_client, team):
    with receiving() as receiver:
        response = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/",
            {"name": "x", "url": _url(receiver), "events": ["card.eaten"]},
            format="json",
        )

    assert response.status_code == 400
    assert "card.eaten" in str(response.json()["events"])


def test_the_test_message_reaches_the_channel_and_shows_in_its_log(
    api_client, team, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        channel = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/", {"name": "ops", "url": _url(receiver)}, format="json"
        ).json()
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(f"/api/v1/teams/{team.slug}/channels/{channel['id']}/test/")
        log = api_client.get(f"/api/v1/teams/{team.slug}/channels/{channel['id']}/deliveries/")

    assert response.status_code == 202
    (received,) = receiver.requests
    assert received.path == f"/hooks/{TOKEN}"
    # Apprise's json:// format: https://appriseit.com/services/json/
    assert received.json() == {
        "version": "1.0",
        "title": "Test message from devopsboard",
        "message": f"If you can read this, the channel “ops” of {team.name} works.",
        "attachments": [],
        "type": "info",
    }
    assert log.status_code == 200
    assert [(row["event"], row["status"], row["attempts"]) for row in log.json()["results"]] == [("test", "sent", 1)]


def test_a_member_reads_channels_but_cannot_change_them(client, team):
    member = MembershipFactory(team=team, role="member").user
    with receiving() as receiver:
        channel = Channel.objects.create(team=team, name="ops", url=_url(receiver), service="JSON webhook")
    client.force_login(member)

    listed = client.get(f"/api/v1/teams/{team.slug}/channels/")
    refused = client.post(f"/api/v1/teams/{team.slug}/channels/{channel.pk}/test/")

    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert refused.status_code == 403
    assert not Delivery.objects.exists()


def test_an_owner_changes_the_events_without_sending_the_url_again(api_client, team):
    with receiving() as receiver:
        created = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/", {"name": "ops", "url": _url(receiver)}, format="json"
        ).json()

    response = api_client.patch(
        f"/api/v1/teams/{team.slug}/channels/{created['id']}/", {"events": ["retro.started"]}, format="json"
    )

    assert response.status_code == 200, response.content
    channel = Channel.objects.get()
    assert channel.events == ["retro.started"]
    assert TOKEN in channel.url
