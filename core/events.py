"""Domain events: an app says what happened to its team; whoever subscribed (notifications) hears it after commit.

The apps that own the data (kanban, postmortems, retros, integrations) call `emit(team=..., event=..., **context)`
in their services, at the line where the thing happens, so a reader follows the side effect from the call site.
They never import the subscriber: notifications sits above them in the layers and subscribes from its
AppConfig.ready(). `context` holds ids and short text (JSON-able), never model instances: a subscriber may hand it
to a task.

Subscribers run after the current transaction commits (at once in autocommit), so a rolled-back change announces
nothing; a subscriber that fails is logged and never breaks the change that caused the event.
"""

from collections.abc import Callable
from typing import Any

import structlog
from django.db import models, transaction

logger = structlog.get_logger(__name__)


class Event(models.TextChoices):
    """Every event a team can be told about: a stable, documented vocabulary (the channels API's `events`)."""

    INCIDENT_OPENED = "incident.opened", "An incident is opened from Alertmanager"
    POSTMORTEM_REVIEW_REQUESTED = "postmortem.review_requested", "A postmortem is sent for review"
    POSTMORTEM_PUBLISHED = "postmortem.published", "A postmortem is published"
    ACTION_ITEM_DUE_SOON = "action_item.due_soon", "An action item is due in 3 days"
    ACTION_ITEM_OVERDUE = "action_item.overdue", "An action item is overdue"
    RETRO_STARTED = "retro.started", "A retro starts"
    RETRO_CLOSED = "retro.closed", "A retro's summary, after it closes"
    SYNC_FAILING = "sync.failing", "A GitHub sync has been failing for more than an hour"
    WIP_LIMIT_HIT = "wip.limit_hit", "A hard WIP limit refused a card"
    DIGEST_WEEKLY = "digest.weekly", "The weekly digest"
    CARD_CREATED = "card.created", "A card is created"
    MENTIONED = "person.mentioned", "Someone is @mentioned in a card comment or a postmortem"


Subscriber = Callable[..., Any]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call `subscriber(team=..., event=..., **context)` for every event from now on (once per subscriber)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def emit(*, team: models.Model, event: str, **context: Any) -> None:
    """Announce `event` of `team` to every subscriber once the current transaction commits."""
    Event(event)  # an unknown name is a programming error, caught by the emitter's tests

    def announce() -> None:
        for subscriber in list(_subscribers):
            try:
                subscriber(team=team, event=event, **context)
            except Exception:  # a notification must never undo or fail the change it reports
                logger.exception("events.subscriber_failed", event=event, team=getattr(team, "slug", None))

    transaction.on_commit(announce)


def person(user: Any) -> str:
    """How a message names someone: their full name, else their username; "nobody" for none."""
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
