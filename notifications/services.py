"""Channels (owners), the fan-out of an event to the channels that asked for it, and sending one delivery."""

import socket
from collections.abc import Iterable
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from core.events import Event
from core.outbound import OutboundPolicy, OutboundRefused
from core.tasks import task_enqueue
from notifications import client
from notifications.messages import TEST_MESSAGE, message_render
from notifications.models import Channel, Delivery
from teams.audit import audit_record
from teams.models import Team

logger = structlog.get_logger(__name__)


class ChannelError(DomainError):
    """A channel that cannot be saved as asked; the message never repeats the URL."""


class ChannelConflict(ConflictError):
    """Another channel of the team has that name."""


class TransientFailure(Exception):
    """A send that may work later (connection refused, a timeout, HTTP 5xx): the task retries it."""


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen, known = list(dict.fromkeys(events)), set(Event.values)
    unknown = [event for event in chosen if event not in known]
    if unknown:
        raise ChannelError(f"Unknown event {unknown[0]!r}; use one of: {', '.join(Event.values)}.")
    return chosen


def _checked_url(url: str) -> tuple[str, str]:
    """The service's name and the masked URL, or a ChannelError saying what is wrong with the URL."""
    try:
        plugin = client.channel_plugin(url)
        client.policy_check(plugin, OutboundPolicy.from_settings())
    except client.ChannelURLError as error:
        raise ChannelError(str(error)) from None
    except OutboundRefused as error:
        raise ChannelError(error.message) from None
    except socket.gaierror:
        pass  # a name that does not resolve today may tomorrow: the delivery log will say so
    return client.service_name(url), client.masked(url)


def channel_create(*, team: Team, by: Any, name: str, url: str, events: Iterable[str] | None = None) -> Channel:
    """Add a channel to the team; its URL must be a service the app offers, reachable under the outbound policy."""
    service, masked = _checked_url(url)
    chosen = _checked_events(events) if events is not None else None
    try:
        with transaction.atomic():
            channel = Channel(team=team, name=name.strip(), url=url.strip(), service=service, masked_url=masked)
            if chosen is not None:
                channel.events = chosen
            channel.save()
    except IntegrityError:
        raise ChannelConflict(f"The team already has a channel named “{name.strip()}”.") from None
    audit_record(action="channel.created", actor=by, team=team, obj=channel, data={"service": service})
    return channel


def channel_update(
    *, channel: Channel, by: Any, name: str | None = None, url: str | None = None, events: Iterable[str] | None = None
) -> Channel:
    """Change a channel's name, URL (when a new one is given) or events."""
    if url:
        channel.service, channel.masked_url = _checked_url(url)
        channel.url = url.strip()
    if events is not None:
        channel.events = _checked_events(events)
    if name is not None:
        channel.name = name.strip()
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise ChannelConflict(f"The team already has a channel named “{channel.name}”.") from None
    audit_record(action="channel.updated", actor=by, team=channel.team, obj=channel, data={"url_changed": bool(url)})
    return channel


def channel_delete(*, channel: Channel, by: Any) -> None:
    audit_record(action="channel.deleted", actor=by, team=channel.team, obj=channel)
    channel.delete()


def _deliveries_send(deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        task_enqueue("notifications.deliver", args=(delivery.pk,))


def channel_test(*, channel: Channel, by: Any) -> Delivery:
    """Queue the test message for the channel; the delivery log shows how it went."""
    delivery = Delivery.objects.create(
        channel=channel,
        event=Delivery.TEST,
        title=TEST_MESSAGE.title,
        body=TEST_MESSAGE.body.format(name=channel.name, team=channel.team.name),
    )
    _deliveries_send([delivery])
    return delivery


def event_notify(*, team: Team, event: str, **context: Any) -> list[Delivery]:
    """Queue `event`'s message for every channel of the team that asked for it (core.events subscriber)."""
    channels = [channel for channel in Channel.objects.for_team(team) if event in channel.events]
    if not channels:
        return []
    message = message_render(event=event, team_name=team.name, context=context)
    deliveries = Delivery.objects.bulk_create(
        [Delivery(channel=channel, event=event, title=message.title, body=message.body) for channel in channels]
    )
    _deliveries_send(deliveries)
    return deliveries


def delivery_send(*, delivery: Delivery, last_attempt: bool) -> Delivery:
    """Send one delivery now; record the outcome. Raises TransientFailure when a retry may succeed."""
    if delivery.status == Delivery.Status.SENT:
        return delivery  # a task run twice sends once
    delivery.attempts += 1
    try:
        client.send(url=delivery.channel.url, title=delivery.title, body=delivery.body)
    except client.SendFailed as failure:
        retry = failure.transient and not last_attempt
        _record(delivery, Delivery.Status.RETRYING if retry else Delivery.Status.FAILED, failure.reason)
        logger.info("notifications.delivery_failed", delivery=delivery.pk, retry=retry, reason=failure.reason)
        if retry:
            raise TransientFailure(failure.reason) from None
        return delivery
    except OutboundRefused as refusal:
        _record(delivery, Delivery.Status.FAILED, refusal.message)
        return delivery
    except client.ChannelURLError as error:
        _record(delivery, Delivery.Status.FAILED, str(error))
        return delivery
    _record(delivery, Delivery.Status.SENT, "")
    return delivery


def _record(delivery: Delivery, status: str, error: str) -> None:
    delivery.status, delivery.error = status, error
    if status in (Delivery.Status.SENT, Delivery.Status.FAILED):
        delivery.finished_at = timezone.now()
    delivery.save(update_fields=["status", "error", "attempts", "finished_at"])
