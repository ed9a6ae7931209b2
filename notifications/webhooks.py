"""Outbound webhooks for integrators: the mirror image of our GitHub intake.

Each event a webhook subscribed to is POSTed as JSON with
- `X-Devopsboard-Event`: the event name (`card.created`, `incident.opened`, ...);
- `X-Devopsboard-Delivery`: a UUID, the same on every retry and redelivery (dedupe on it);
- `X-Devopsboard-Signature-256`: `sha256=` + the hex HMAC-SHA256 of the raw body under the webhook's secret,
  as GitHub's `X-Hub-Signature-256` (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries):
  compute it over the bytes received and compare in constant time.
The request goes through core.outbound's policy (https only, no internal address unless allowed). A 2xx answer
is success; a refused connection, a timeout, 429 or 5xx are retried with backoff; any other answer is final.
"""

import hashlib
import hmac
import json
import secrets
import socket
import urllib.parse
from collections.abc import Iterable
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from core.outbound import OutboundPolicy, OutboundRefused, OutboundTooLarge, OutboundTooSlow, outbound_request
from core.tasks import task_enqueue
from notifications.models import WEBHOOK_EVENTS, Delivery, HookDelivery, Webhook
from notifications.services import ChannelError, TransientFailure
from teams.audit import audit_record
from teams.models import Team

SIGNATURE_HEADER = "X-Devopsboard-Signature-256"


def signature(secret: str, body: bytes) -> str:
    """The value of X-Devopsboard-Signature-256 for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _masked(url: str) -> str:
    policy = OutboundPolicy.from_settings()
    try:
        parts = policy.url_check(url)
        policy.addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    except OutboundRefused as refusal:
        raise ChannelError(refusal.message) from None
    except socket.gaierror:
        parts = urllib.parse.urlsplit(url)  # a name that does not resolve today may tomorrow: the log will say so
    return f"{parts.scheme}://{parts.hostname}/••••••"


def webhook_create(*, team: Team, by: Any, url: str, events: Iterable[str]) -> Webhook:
    """Subscribe `url` to `events`; a secret is generated (shown once to the owner who created it)."""
    chosen = list(dict.fromkeys(events))
    unknown = [event for event in chosen if event not in WEBHOOK_EVENTS]
    if unknown or not chosen:
        raise ChannelError(f"Pick one or more of: {', '.join(WEBHOOK_EVENTS)}.")
    webhook = Webhook.objects.create(
        team=team, url=url.strip(), masked_url=_masked(url.strip()), secret=secrets.token_hex(32), events=chosen
    )
    audit_record(action="webhook.created", actor=by, team=team, obj=webhook, data={"events": chosen})
    return webhook


def webhook_delete(*, webhook: Webhook, by: Any) -> None:
    audit_record(action="webhook.deleted", actor=by, team=webhook.team, obj=webhook)
    webhook.delete()


def event_dispatch(*, team: Team, event: str, **context: Any) -> list[HookDelivery]:
    """Queue `event` for every webhook of the team subscribed to it (core.events subscriber)."""
    if event not in WEBHOOK_EVENTS:
        return []
    hooks = [hook for hook in Webhook.objects.for_team(team) if event in hook.events]
    if not hooks:
        return []
    data = {key: value for key, value in context.items() if key != "path"}
    if context.get("path"):
        data["html_url"] = f"{settings.SITE_URL}{context['path']}"
    payload = {"event": event, "team": team.slug, "data": data}
    deliveries = HookDelivery.objects.bulk_create(
        [HookDelivery(webhook=hook, event=event, payload=payload) for hook in hooks]
    )
    for delivery in deliveries:
        task_enqueue("notifications.deliver_webhook", args=(delivery.pk,))
    return deliveries


def hook_redeliver(*, delivery: HookDelivery, by: Any) -> HookDelivery:
    """Send a delivery again, with the same delivery id and body."""
    HookDelivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING, error="", finished_at=None)
    audit_record(action="webhook.redelivered", actor=by, team=delivery.webhook.team, obj=delivery.webhook)
    task_enqueue("notifications.deliver_webhook", args=(delivery.pk,))
    delivery.refresh_from_db()
    return delivery


def hook_send(*, delivery: HookDelivery, last_attempt: bool) -> HookDelivery:
    """POST one delivery now; record the outcome. Raises TransientFailure when a retry may succeed."""
    if delivery.status == Delivery.Status.SENT:
        return delivery
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "devopsboard-hookshot",
        "X-Devopsboard-Event": delivery.event,
        "X-Devopsboard-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: signature(delivery.webhook.secret, body),
    }
    delivery.attempts += 1
    transient, error, status = False, "", None
    try:
        response, _ = outbound_request("POST", delivery.webhook.url, data=body, headers=headers)
        status = response.status_code
        if status >= 300:
            transient = status >= 500 or status == 429
            error = f"The receiver answered HTTP {status}."
    except OutboundRefused as refusal:
        error = refusal.message
    except (requests.Timeout, OutboundTooSlow):
        transient, error = True, "The receiver did not answer in time."
    except requests.ConnectionError:
        transient, error = True, "The receiver refused the connection (nothing listens there)."
    except OutboundTooLarge:
        error = "The receiver's answer was too large."
    retry = transient and not last_attempt
    delivery.response_status, delivery.error = status, error
    delivery.status = (
        Delivery.Status.SENT if not error else Delivery.Status.RETRYING if retry else Delivery.Status.FAILED
    )
    if delivery.status != Delivery.Status.RETRYING:
        delivery.finished_at = timezone.now()
    delivery.save(update_fields=["attempts", "response_status", "error", "status", "finished_at"])
    if retry:
        raise TransientFailure(error)
    return delivery
