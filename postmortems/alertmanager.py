"""Alertmanager intake: a per-team bearer token, notifications stored inbox-first, then turned into incidents.

Payload: Alertmanager's webhook_config (version 4),
https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
A firing group opens a draft postmortem (severity from the team's label mapping); every notification of
the same `groupKey` updates that incident: firing and resolved alerts become timeline entries, and the
group's start and resolution fill started/resolved.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from django.conf import settings
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.events import Event, emit, person
from postmortems.alertmanager_payload import NotAnAlertmanagerPayload, payload_check
from postmortems.models import AlertNotification, Postmortem, PostmortemSettings, Status, TimelineKind
from postmortems.services import NewEntry, postmortem_create, timeline_entries_add
from teams.audit import audit_record
from teams.models import Team

logger = structlog.get_logger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alertmanager_token_create(*, team: Team, by: User | None = None) -> str:
    """Give the team a new bearer token (the old one stops working) and return it."""
    token = "am_" + secrets.token_urlsafe(32)
    found = PostmortemSettings.of(team, stored=True)
    found.alertmanager_token_hash = _digest(token)
    found.alertmanager_token = token
    found.save(update_fields=["alertmanager_token_hash", "alertmanager_token"])
    audit_record(action="postmortem.alertmanager_token_created", actor=by, team=team)
    return token


def alertmanager_token_get_or_create(*, team: Team) -> str:
    """The team's bearer token, created on first use."""
    found = PostmortemSettings.of(team)
    if found.alertmanager_token:
        return str(found.alertmanager_token)
    return alertmanager_token_create(team=team)


def alertmanager_team(*, team_slug: str, authorization: str) -> Team | None:
    """The team whose token the `Authorization: Bearer` header carries, or None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = _digest(token.strip())
    found = PostmortemSettings.objects.select_related("team").filter(team__slug=team_slug).first()
    if found is None or not found.alertmanager_token_hash:
        return None
    if not hmac.compare_digest(found.alertmanager_token_hash, digest):
        return None
    return found.team


def payload_digest(payload: dict[str, Any]) -> str:
    """SHA-256 of the notification's content (keys sorted): Alertmanager's repeats of a group digest the same."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def notification_store(*, team: Team, payload: dict[str, Any]) -> tuple[AlertNotification, bool]:
    """Keep the notification as received, once per content; returns (notification, stored now).

    `notification_process` turns it into an incident later. A repeat of the same content (Alertmanager
    repeats a group every repeat_interval) is the row already stored: no second copy of the body.
    """
    digest = payload_digest(payload)
    try:
        with transaction.atomic():
            notification = AlertNotification.objects.create(
                team=team, group_key=payload["groupKey"][:500], status=payload["status"], payload=payload, digest=digest
            )
    except IntegrityError:
        return AlertNotification.objects.for_team(team).get(digest=digest), False
    return notification, True


def notification_bodies_prune(*, days: int | None = None) -> int:
    """Empty the bodies of processed notifications received more than INTAKE_RETENTION_DAYS ago.

    The row stays with its digest, so a repeat of the same content is still recognised, and its incident stays.
    """
    days = settings.INTAKE_RETENTION_DAYS if days is None else days
    return (
        AlertNotification.objects.filter(
            processed_at__isnull=False, received_at__lt=timezone.now() - timedelta(days=days)
        )
        .exclude(payload={})
        .update(payload={})
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible (month 13)
        return None
    # Alertmanager sends endsAt 0001-01-01T00:00:00Z for an alert still firing.
    if parsed is None or parsed.year < 1970:
        return None
    return parsed


def _title(payload: dict) -> str:
    annotations = payload.get("commonAnnotations") or {}
    labels = payload.get("commonLabels") or payload.get("groupLabels") or {}
    title = annotations.get("summary") or labels.get("alertname") or "Alert"
    return f"{title}"[:200]


def _alert_entry(alert: dict, received: datetime) -> NewEntry:
    status = alert.get("status")
    labels = alert.get("labels") or {}
    annotations = alert.get("annotations") or {}
    name = labels.get("alertname", "alert")
    what = annotations.get("summary") or annotations.get("description") or ""
    if status == "resolved":
        at, kind = _time(alert.get("endsAt")) or received, TimelineKind.RESOLUTION
    else:
        at, kind = _time(alert.get("startsAt")) or received, TimelineKind.DETECTION
    text = f"Alert {name} {status}" + (f": {what}" if what else "")
    source = f"alert:{alert.get('fingerprint', '')}:{status}:{alert.get('startsAt', '')}"[:200]
    return NewEntry(at=at, kind=kind, text=text[:2000], source=source)


# What a stored row that cannot become an incident raises (a shape stored before the intake checked
# it, a value the database refuses); anything else (the database gone) is left to the task's retry.
UNPROCESSABLE = (NotAnAlertmanagerPayload, KeyError, TypeError, ValueError, AttributeError, DataError, IntegrityError)


def notification_process(*, notification_id: int) -> Postmortem | None:
    """Open or update the incident of the notification's group; a processed notification is left alone.

    A notification that cannot be processed is marked failed (`processed_at` and `error` set, nothing
    else kept) instead of raising, so that it never stops the notifications queued after it.
    """
    with transaction.atomic():
        notification = (
            AlertNotification.objects.select_for_update()
            .filter(pk=notification_id, processed_at__isnull=True)
            .select_related("team")
            .first()
        )
        if notification is None:
            return None
        # One notification of a team at a time: two firing notifications of a new group open one incident.
        team_settings = PostmortemSettings.objects.select_for_update().for_team(notification.team).get()
        try:
            with transaction.atomic():
                payload_check(notification.payload)
                postmortem = _apply(notification, team_settings)
        except UNPROCESSABLE as error:
            reason = f"{error.__class__.__name__}: {error}"[:500]
            logger.warning("alertmanager.notification_failed", notification_id=notification.pk, reason=reason)
            AlertNotification.objects.filter(pk=notification.pk).update(processed_at=timezone.now(), error=reason)
            return None
        AlertNotification.objects.filter(pk=notification.pk).update(postmortem=postmortem, processed_at=timezone.now())
    return postmortem


def _apply(notification: AlertNotification, team_settings: PostmortemSettings) -> Postmortem | None:
    payload, team = notification.payload, notification.team
    postmortem = (
        Postmortem.objects.for_team(team)
        .filter(alert_group_key=notification.group_key)
        .exclude(status=Status.PUBLISHED)
        .order_by("-id")
        .first()
    )
    alerts = payload.get("alerts", [])
    starts = [t for t in (_time(a.get("startsAt")) for a in alerts) if t]
    if postmortem is None:
        if notification.status != "firing":
            return None  # a resolution of a group we never saw firing: nothing to close
        start = min(starts) if starts else notification.received_at
        postmortem = postmortem_create(
            team=team,
            title=_title(payload),
            severity=team_settings.severity_for_labels(payload.get("commonLabels") or {}),
            by=None,
            owner=None,
            started_at=start,
            detected_at=max(start, notification.received_at),
            summary=(payload.get("commonAnnotations") or {}).get("description", ""),
        )
        Postmortem.objects.filter(pk=postmortem.pk).update(alert_group_key=notification.group_key)
        emit(
            team=team,
            event=Event.INCIDENT_OPENED,
            postmortem_id=postmortem.pk,
            title=postmortem.title,
            severity=postmortem.severity,
            people=person(postmortem.owner),
            path=postmortem.get_absolute_url(),
        )
    timeline_entries_add(
        postmortem=postmortem, entries=[_alert_entry(alert, notification.received_at) for alert in alerts], by=None
    )
    changes: dict[str, datetime | None] = {}
    if notification.status == "resolved" and postmortem.resolved_at is None:
        ends = [t for t in (_time(a.get("endsAt")) for a in alerts) if t]
        changes["resolved_at"] = max(ends) if ends else notification.received_at
    elif notification.status == "firing" and postmortem.resolved_at is not None:
        changes["resolved_at"] = None  # the group fires again: the incident is not over
    if changes:
        Postmortem.objects.filter(pk=postmortem.pk).update(**changes, updated_at=timezone.now())
    return postmortem
