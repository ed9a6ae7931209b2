"""The audit trail: every state change, login and permission denial is recorded here.

Services call `audit_record` explicitly; the request's address and user agent come from
`AuditContextMiddleware`, so services need no request argument.
"""

import contextvars
import ipaddress

import structlog
from django.conf import settings
from django.db import transaction

from teams.models import AuditEvent

_request_origin: contextvars.ContextVar[tuple[str | None, str]] = contextvars.ContextVar(
    "audit_request_origin", default=(None, "")
)
logger = structlog.get_logger(__name__)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client address, as far as our own proxies vouch for it.

    Each of the TRUSTED_PROXY_HOPS proxies in front of us appends the address it was reached from
    to X-Forwarded-For, so the client is the entry that many places from the right; anything to its
    left was written by the client and may be forged. With no trusted proxy, or a header shorter
    than the chain, REMOTE_ADDR is the only address nobody could forge.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops > 0 and len(forwarded) >= hops:
        return _valid_ip(forwarded[-hops])
    return _valid_ip(request.META.get("REMOTE_ADDR"))


class AuditContextMiddleware:
    """Remember where the current request comes from, for audit events written during it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_origin.set((client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:300]))
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)


def audit_record(*, action: str, actor=None, team=None, obj=None, data: dict | None = None) -> AuditEvent:
    """Record that `actor` did `action` to `obj` in `team`."""
    ip, agent = _request_origin.get()
    event = AuditEvent.objects.create(
        team=team,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip_address=ip,
        user_agent=agent,
    )
    line = {"action": action, "team": team.slug if team else None}
    line |= {"object_type": event.object_type, "object_id": event.object_id}
    # Logged once the event commits: a rolled-back change leaves no audit line behind.
    transaction.on_commit(lambda: logger.info("audit", **line))
    return event
