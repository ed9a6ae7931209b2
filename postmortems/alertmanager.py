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
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from postmortems.models import AlertNotification, Postmortem, PostmortemSettings, Status, TimelineKind
from postmortems.services import postmortem_create, settings_for, settings_stored, timeline_entry_add
from teams.audit import audit_record
from teams.models import Team

MAX_BODY_BYTES = 1024 * 1024


class NotAnAlertmanagerPayload(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alertmanager_token_create(*, team: Team, by: User | None = None) -> str:
    """Give the team a new bearer token (the old one stops working) and return it."""
    token = "am_" + secrets.token_urlsafe(32)
    found = settings_stored(team=team)
    found.alertmanager_token_hash = _digest(token)
    found.alertmanager_token = token
    found.save(update_fields=["alertmanager_token_hash", "alertmanager_token"])
    audit_record(action="postmortem.alertmanager_token_created", actor=by, team=team)
    return token


def alertmanager_token_get_or_create(*, team: Team) -> str:
    """The team's bearer token, created on first use."""
    found = settings_for(team=team)
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


def payload_check(payload: object) -> None:
    """Refuse anything that is not a webhook_config notification."""
    if not isinstance(payload, dict):
        raise NotAnAlertmanagerPayload("the body is not a JSON object")
    if not isinstance(payload.get("groupKey"), str) or not payload["groupKey"]:
        raise NotAnAlertmanagerPayload("groupKey is missing")
    if payload.get("status") not in ("firing", "resolved"):
        raise NotAnAlertmanagerPayload("status must be firing or resolved")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list) or not all(isinstance(a, dict) for a in alerts):
        raise NotAnAlertmanagerPayload("alerts must be a list of objects")


def notification_store(*, team: Team, payload: dict[str, Any]) -> AlertNotification:
    """Keep the notification as received; `notification_process` turns it into an incident later."""
    return AlertNotification.objects.create(
        team=team, group_key=payload["groupKey"][:500], status=payload["status"], payload=payload
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    # Alertmanager sends endsAt 0001-01-01T00:00:00Z for an alert still firing.
    if parsed is None or parsed.year < 1970:
        return None
    return parsed


def _title(payload: dict) -> str:
    annotations = payload.get("commonAnnotations") or {}
    labels = payload.get("commonLabels") or payload.get("groupLabels") or {}
    title = annotations.get("summary") or labels.get("alertname") or "Alert"
    return f"{title}"[:200]


def _alert_entry(postmortem: Postmortem, alert: dict, received: datetime) -> None:
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
    timeline_entry_add(postmortem=postmortem, at=at, kind=kind, text=text[:2000], source=source, by=None)


def notification_process(*, notification_id: int) -> Postmortem | None:
    """Open or update the incident of the notification's group; a processed notification is left alone."""
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
        postmortem = _apply(notification, team_settings)
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
    for alert in alerts:
        _alert_entry(postmortem, alert, notification.received_at)
    changes: dict[str, datetime | None] = {}
    if notification.status == "resolved" and postmortem.resolved_at is None:
        ends = [t for t in (_time(a.get("endsAt")) for a in alerts) if t]
        changes["resolved_at"] = max(ends) if ends else notification.received_at
    elif notification.status == "firing" and postmortem.resolved_at is not None:
        changes["resolved_at"] = None  # the group fires again: the incident is not over
    if changes:
        Postmortem.objects.filter(pk=postmortem.pk).update(**changes, updated_at=timezone.now())
    return postmortem
