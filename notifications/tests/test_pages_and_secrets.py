"""Owner pages for channels, and the secret scan: a channel URL never shows in pages, API answers or logs."""

import logging

import pytest
from apprise.plugins.slack import NotifySlack

from notifications.models import Channel, Delivery
from notifications.tests.receiver import receiving

pytestmark = pytest.mark.django_db

TOKEN = "XXXXsecretXXXXtoken"
SLACK = f"https://hooks.slack.com/services/T0001/B0002/{TOKEN}"


def test_an_owner_adds_a_channel_on_the_page_and_sees_it_masked(client_in, team):
    response = client_in.post(
        f"/t/{team.slug}/notifications/channels/new/",
        {"name": "incidents", "url": SLACK, "events": ["incident.opened"]},
    )

    assert response.status_code == 302
    page = client_in.get(f"/t/{team.slug}/notifications/").content.decode()
    assert "incidents" in page and "slack://••••••" in page
    assert Channel.objects.get().events == ["incident.opened"]


def test_a_bad_url_re_renders_the_form_with_the_reason(client_in, team):
    response = client_in.post(f"/t/{team.slug}/notifications/channels/new/", {"name": "x", "url": "syslog://"})

    assert response.status_code == 400
    assert "Syslog is not offered" in response.content.decode()
    assert not Channel.objects.exists()


def test_editing_without_a_new_url_keeps_the_old_one(client_in, team):
    client_in.post(f"/t/{team.slug}/notifications/channels/new/", {"name": "a", "url": SLACK, "events": []})
    channel = Channel.objects.get()

    response = client_in.post(
        f"/t/{team.slug}/notifications/channels/{channel.pk}/", {"name": "b", "url": "", "events": ["retro.started"]}
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url, channel.events) == ("b", SLACK, ["retro.started"])


def test_the_delivery_log_shows_the_failure_in_plain_words(client_in, team, settings, monkeypatch):
    settings.NOTIFICATIONS_RETRY_SECONDS = 0
    with receiving(status=503) as receiver:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"{receiver.base}/services")
        client_in.post(f"/t/{team.slug}/notifications/channels/new/", {"name": "a", "url": SLACK, "events": []})
        channel = Channel.objects.get()
        with _on_commit():
            client_in.post(f"/t/{team.slug}/notifications/channels/{channel.pk}/test/")

    page = client_in.get(f"/t/{team.slug}/notifications/channels/{channel.pk}/deliveries/").content.decode()
    assert "The service answered HTTP 503 (a problem on its side)." in page
    assert "4 attempts" in page
    assert Delivery.objects.get().status == "failed"


def test_no_channel_url_appears_in_pages_api_answers_or_logs(
    client_in, api_client, team, settings, monkeypatch, caplog, capfd
):
    """Secret scan: make every kind of request that touches a channel, then look for its token everywhere."""
    settings.NOTIFICATIONS_RETRY_SECONDS = 0
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with receiving(status=500) as receiver:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"{receiver.base}/services")
        created = api_client.post(f"/api/v1/teams/{team.slug}/channels/", {"name": "api", "url": SLACK}, format="json")
        seen.append(created.content.decode())
        channel_id = created.json()["id"]
        client_in.post(f"/t/{team.slug}/notifications/channels/new/", {"name": "page", "url": SLACK + "2"})
        with _on_commit():
            seen.append(api_client.post(f"/api/v1/teams/{team.slug}/channels/{channel_id}/test/").content.decode())
        refused = api_client.post(
            f"/api/v1/teams/{team.slug}/channels/", {"name": "bad", "url": f"syslog://{TOKEN}"}, format="json"
        )
        seen.append(refused.content.decode())
        for path in ("", f"channels/{channel_id}/", f"channels/{channel_id}/deliveries/", "channels/new/"):
            seen.append(client_in.get(f"/t/{team.slug}/notifications/{path}").content.decode())
        for path in ("", f"{channel_id}/", f"{channel_id}/deliveries/"):
            seen.append(api_client.get(f"/api/v1/teams/{team.slug}/channels/{path}").content.decode())

    assert len(receiver.requests) == 4  # the token did go out, to the service only
    out, err = capfd.readouterr()
    # Apprise's own lines quote URLs: the logging configuration sends them nowhere (pytest still shows them).
    apprise_logger = logging.getLogger("apprise")
    assert not apprise_logger.propagate
    assert settings.LOGGING["loggers"]["apprise"]["handlers"] == ["discard"]
    logged = [record for record in caplog.records if not record.name.startswith("apprise")]
    assert any("delivery_failed" in str(record.msg) for record in logged)  # the scan saw our own lines
    logs = "\n".join(str(record.msg) + record.getMessage() for record in logged) + out + err
    for where, text in [("pages and API", "\n".join(seen)), ("logs", logs)]:
        assert TOKEN not in text, f"the channel token shows in the {where}"
        assert "T0001/B0002" not in text, f"the channel URL shows in the {where}"


class _on_commit:
    """Run on-commit callbacks (the task sends) at the end of the block, as a real commit would."""

    def __enter__(self):
        from django.test import TestCase

        self._context = TestCase.captureOnCommitCallbacks(execute=True)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)
