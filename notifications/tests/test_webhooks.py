"""Outbound webhooks: signed like GitHub's, retried, and redelivered under the same delivery id."""

import hashlib
import hmac
import uuid

import pytest

from kanban.services import card_create
from kanban.tests.factories import make_board
from notifications.models import HookDelivery, Webhook
from notifications.tests.receiver import receiving
from notifications.webhooks import webhook_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.NOTIFICATIONS_RETRY_SECONDS = 0
    settings.SITE_URL = "http://127.0.0.1:8000"


def _verify(secret: str, body: bytes, header: str) -> bool:
    """The documented check: HMAC-SHA256 of the raw body under the secret, hex, after `sha256=`."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_a_card_event_arrives_signed_with_a_delivery_id(team, user):
    board = make_board(team, by=user)
    with receiving() as receiver, receiving() as other:
        hook = webhook_create(team=team, by=user, url=f"{receiver.base}/in", events=["card.created"])
        # A webhook for incidents only hears nothing of cards.
        webhook_create(team=team, by=user, url=f"{other.base}/in", events=["incident.opened"])
        card = card_create(board=board, title="Ship it", by=user)

    (request,) = receiver.requests
    assert other.requests == []
    assert _verify(hook.secret, request.body, request.headers["X-Devopsboard-Signature-256"])
    assert not _verify("another secret", request.body, request.headers["X-Devopsboard-Signature-256"])
    assert request.headers["X-Devopsboard-Event"] == "card.created"
    delivery = HookDelivery.objects.get()
    assert request.headers["X-Devopsboard-Delivery"] == str(delivery.delivery_id)
    uuid.UUID(request.headers["X-Devopsboard-Delivery"])
    assert request.json() == {
        "event": "card.created",
        "team": team.slug,
        "data": {
            "card_id": card.pk,
            "card": "Ship it",
            "board": board.name,
            "column": "To do",
            "by": user.get_username(),
            "html_url": f"http://127.0.0.1:8000/t/{team.slug}/board/cards/{card.pk}/",
        },
    }
    assert delivery.status == "sent"


def test_a_failing_receiver_is_retried_then_redelivered_with_the_same_id_and_body(client_in, team, user):
    board = make_board(team, by=user)
    with receiving(status=503) as receiver:
        webhook_create(team=team, by=user, url=f"{receiver.base}/in", events=["card.created"])
        card_create(board=board, title="Ship it", by=user)
        delivery = HookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.error) == (
            "failed",
            4,
            "The receiver answered HTTP 503.",
        )
        receiver.status = 200
        response = client_in.post(f"/t/{team.slug}/notifications/webhooks/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 302
    assert len(receiver.requests) == 5
    ids = {request.headers["X-Devopsboard-Delivery"] for request in receiver.requests}
    assert ids == {str(delivery.delivery_id)}
    assert len({request.body for request in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_an_owner_adds_a_webhook_and_sees_its_secret_once(client_in, team):
    response = client_in.post(
        f"/t/{team.slug}/notifications/webhooks/",
        {"url": "https://hooks.example.com/in?token=abc", "events": ["incident.opened"]},
    )

    webhook = Webhook.objects.get()
    assert response.status_code == 200
    assert webhook.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client_in.get(f"/t/{team.slug}/notifications/webhooks/").content.decode()
    assert webhook.secret not in again and "token=abc" not in again
    assert "https://hooks.example.com/••••••" in again


def test_a_webhook_to_an_internal_address_is_refused(client_in, team, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []

    response = client_in.post(
        f"/t/{team.slug}/notifications/webhooks/", {"url": "http://127.0.0.1:9/in", "events": ["incident.opened"]}
    )

    assert response.status_code == 400
    assert not Webhook.objects.exists()
