"""The shape of Alertmanager's webhook notification (version 4), checked before anything is stored. No ORM.

https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
{"version": "4", "groupKey": str, "truncatedAlerts": int, "status": "firing"|"resolved", "receiver": str,
 "groupLabels": {str: str}, "commonLabels": {str: str}, "commonAnnotations": {str: str}, "externalURL": str,
 "alerts": [{"status", "labels": {str: str}, "annotations": {str: str}, "startsAt": RFC 3339,
             "endsAt": RFC 3339, "generatorURL": str, "fingerprint": str}]}
Keys Alertmanager may add later are let through (their values pass the body checks of `core.intake`).
"""

from typing import cast

from core.intake import BodyRefused, json_parse

MAX_BODY_BYTES = 1024 * 1024
# Alertmanager's payload nests four levels (notification, alerts, alert, labels); a little room beyond.
MAX_DEPTH = 8
STATUSES = ("firing", "resolved")


class NotAnAlertmanagerPayload(ValueError):
    """The body is not an Alertmanager webhook notification; the message names what is wrong."""


def payload_parse(body: bytes) -> dict:
    """The notification a raw body carries, or NotAnAlertmanagerPayload saying what is wrong with it."""
    try:
        payload = json_parse(body, max_depth=MAX_DEPTH, nul_allowed=False)
    except BodyRefused as error:
        raise NotAnAlertmanagerPayload(str(error)) from None
    payload_check(payload)
    return cast(dict, payload)  # payload_check refuses anything but a dict


def payload_check(payload: object) -> None:
    """Refuse anything that is not a webhook_config notification of version 4, naming the first problem."""
    if not isinstance(payload, dict):
        raise NotAnAlertmanagerPayload("the body is not a JSON object")
    if "version" in payload and payload["version"] != "4":
        raise NotAnAlertmanagerPayload('version must be "4" (Alertmanager\'s webhook format)')
    if not isinstance(payload.get("groupKey"), str) or not payload["groupKey"]:
        raise NotAnAlertmanagerPayload("groupKey is missing")
    if payload.get("status") not in STATUSES:
        raise NotAnAlertmanagerPayload("status must be firing or resolved")
    for name in ("receiver", "externalURL"):
        _optional(payload, name, str, "a string")
    truncated = payload.get("truncatedAlerts", 0)
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        raise NotAnAlertmanagerPayload("truncatedAlerts must be a whole number")
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        _labels(payload, name, name)
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise NotAnAlertmanagerPayload("alerts must be a list of objects")
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            raise NotAnAlertmanagerPayload(f"{where} must be an object")
        if alert.get("status") not in STATUSES:
            raise NotAnAlertmanagerPayload(f"{where}.status must be firing or resolved")
        for name in ("labels", "annotations"):
            _labels(alert, name, f"{where}.{name}")
        for name in ("startsAt", "endsAt", "generatorURL", "fingerprint"):
            _optional(alert, name, str, "a string", where=f"{where}.{name}")


def _optional(container: dict, name: str, kind: type, described: str, *, where: str = "") -> None:
    if name in container and container[name] is not None and not isinstance(container[name], kind):
        raise NotAnAlertmanagerPayload(f"{where or name} must be {described}")


def _labels(container: dict, name: str, where: str) -> None:
    """Labels and annotations: an object of strings (absent or null is an empty one)."""
    value = container.get(name)
    if value is None:
        return
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise NotAnAlertmanagerPayload(f"{where} must be an object of strings")
