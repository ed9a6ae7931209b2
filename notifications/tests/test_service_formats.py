"""What each chat service receives, byte for byte as its documented incoming-webhook format expects.

Slack and Discord post to a fixed endpoint (hooks.slack.com, discord.com): the tests point that endpoint at a
local receiver, the one process edge replaced. The others name their host in the URL and post to it directly.
"""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.slack import NotifySlack

from notifications import client
from notifications.tests.receiver import receiving, receiving_tls

TITLE = "Incident opened (SEV2): Checkout errors"
BODY = "Alertmanager opened an incident.\nhttp://127.0.0.1:8000/t/demo/postmortems/1/"
TEAMS_BODY = "Alertmanager opened an incident\\.\nhttp://127\\.0\\.0\\.1:8000/t/demo/postmortems/1/"


def test_slack_gets_an_incoming_webhook_message_in_block_kit(monkeypatch):
    with receiving() as receiver:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"{receiver.base}/services")
        client.send(url="https://hooks.slack.com/services/T0001/B0002/XXXXsecret", title=TITLE, body=BODY)

    (request,) = receiver.requests
    assert request.path == "/services/T0001/B0002/XXXXsecret"
    assert request.headers["Content-Type"].startswith("application/json")
    # https://api.slack.com/messaging/webhooks and https://api.slack.com/reference/block-kit/blocks
    assert request.json() == {
        "attachments": [
            {
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": TITLE, "emoji": True}},
                    {"type": "section", "text": {"type": "plain_text", "text": BODY}},
                ],
                "color": "#3AA3E3",
            }
        ]
    }


def test_discord_gets_a_webhook_message_with_content(monkeypatch):
    with receiving() as receiver:
        monkeypatch.setattr(NotifyDiscord, "notify_url", f"{receiver.base}/api/webhooks")
        client.send(url="https://discord.com/api/webhooks/4174216298/JHMHI8qBsecret", title=TITLE, body=BODY)

    (request,) = receiver.requests
    # https://discord.com/developers/docs/resources/webhook#execute-webhook
    assert request.path == "/api/webhooks/4174216298/JHMHI8qBsecret"
    assert request.json() == {"tts": False, "wait": True, "content": f"{TITLE}\r\n{BODY}"}


def test_microsoft_teams_gets_an_adaptive_card_through_its_workflow_over_verified_tls(tmp_path, monkeypatch):
    with receiving_tls(tmp_path) as (receiver, authority):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", authority)  # trust the test's own certificate, and only it
        client.send(url=f"workflows://127.0.0.1:{receiver.port}/abc123/sigsecret?verify=no", title=TITLE, body=BODY)

    (request,) = receiver.requests
    # https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
    assert request.path == (
        "/workflows/abc123/triggers/manual/paths/invoke"
        "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=sigsecret"
    )
    assert request.json() == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": TITLE,
                            "style": "heading",
                            "weight": "Bolder",
                            "size": "Large",
                            "id": "title",
                        },
                        # Apprise sends Markdown to Teams: the plain text's dots come escaped, and render as dots.
                        {"type": "TextBlock", "text": TEAMS_BODY, "style": "default", "wrap": True, "id": "body"},
                    ],
                    "msteams": {"width": "full"},
                },
            }
        ],
    }


def test_a_channel_cannot_turn_certificate_checks_off(tmp_path):
    with receiving_tls(tmp_path) as (receiver, _), pytest.raises(client.SendFailed) as failure:
        client.send(url=f"workflows://127.0.0.1:{receiver.port}/abc123/sigsecret?verify=no", title=TITLE, body=BODY)

    assert receiver.requests == []
    assert failure.value.reason == "The service's TLS certificate could not be verified."


def test_mattermost_gets_an_incoming_webhook_text_from_devopsboard():
    with receiving() as receiver:
        client.send(url=f"mmost://127.0.0.1:{receiver.port}/abcdefsecret", title=TITLE, body=BODY)

    (request,) = receiver.requests
    # https://developers.mattermost.com/integrate/webhooks/incoming/
    assert request.path == "/hooks/abcdefsecret"
    assert request.json() == {"text": f"{TITLE}\r\n{BODY}", "username": "devopsboard"}


def test_a_generic_json_webhook_gets_apprises_json_document():
    with receiving() as receiver:
        client.send(url=f"json://127.0.0.1:{receiver.port}/in/secret", title=TITLE, body=BODY)

    (request,) = receiver.requests
    # https://appriseit.com/services/json/
    assert request.path == "/in/secret"
    assert request.json() == {"version": "1.0", "title": TITLE, "message": BODY, "attachments": [], "type": "info"}


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = _Inbox()
    with socket.socket() as probe:  # aiosmtpd's readiness check needs the real port, not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_an_email_channel_sends_through_its_smtp_server(smtp):
    port, inbox = smtp

    client.send(
        url=f"mailto://127.0.0.1:{port}?from=devopsboard@example.com&to=oncall@example.com", title=TITLE, body=BODY
    )

    (message,) = inbox.messages
    assert message["To"] == "oncall@example.com"
    assert message["Subject"] == TITLE
    assert BODY in message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_an_smtp_server_on_an_internal_address_is_refused_unless_allowed(smtp, settings):
    port, inbox = smtp
    settings.OUTBOUND_ALLOWED_HOSTS = []

    with pytest.raises(client.OutboundRefused):
        client.send(url=f"mailto://127.0.0.1:{port}?from=a@example.com&to=b@example.com", title=TITLE, body=BODY)

    assert inbox.messages == []
