"""A backing service that does not answer: 503 with `Retry-After`, logged once per kind, never a 500.

When PostgreSQL, Redis or the broker is down every request that needs it fails the same way; a
traceback per request says nothing new and buries the first one. `outage_kind` names the service an
error comes from, `outage_response` is what the person or client gets (a short plain page, or the
API's JSON `detail`), and `outage_report` logs a kind once a minute per process with how many
requests it refused since. The middleware (devopsboard.middleware), the API's exception handler and
the 500 handler all answer through here.
"""

import threading
import time

import redis
import structlog
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from kombu.exceptions import OperationalError as BrokerError

logger = structlog.get_logger(__name__)

# Seconds a client is asked to wait: a restart of any of the three takes about this long.
RETRY_AFTER_SECONDS = 5
# One log line per kind per process at most this often, while the outage lasts.
REPORT_EVERY_SECONDS = 60

MESSAGES = {
    "database": "The database is unavailable right now; please try again in a few seconds.",
    "redis": "The cache is unavailable right now; please try again in a few seconds.",
    "broker": "The task queue is unavailable right now; please try again in a few seconds.",
}

_lock = threading.Lock()
_last_report: dict[str, float] = {}
_refused: dict[str, int] = {}


def outage_kind(error: BaseException | None) -> str | None:
    """The service `error` says is unavailable (`database`, `redis`, `broker`), None for any other error."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return "database"
    if isinstance(error, (redis.ConnectionError, redis.TimeoutError)):
        return "redis"
    if isinstance(error, BrokerError):
        return "broker"
    return None


def outage_report(kind: str, error: BaseException) -> None:
    """Log that `kind` is unavailable: the first time, then at most once a minute with the refusals since."""
    now = time.monotonic()
    with _lock:
        _refused[kind] = _refused.get(kind, 0) + 1
        last = _last_report.get(kind)
        if last is not None and now - last < REPORT_EVERY_SECONDS:
            return
        _last_report[kind] = now
        refused, _refused[kind] = _refused[kind], 0
    # The message, not the traceback: the error's class and text say which service and why.
    logger.error(
        "service.unavailable", kind=kind, error=error.__class__.__name__, detail=str(error)[:200], refused=refused
    )


def outage_reports_clear() -> None:
    """Forget what was reported: the next outage of each kind is logged at once."""
    with _lock:
        _last_report.clear()
        _refused.clear()


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/integrations/")) or "application/json" in request.headers.get(
        "Accept", ""
    )


def outage_response(request, kind: str) -> HttpResponse:
    """503 with `Retry-After`: JSON `detail` for the API and webhooks, a short plain page otherwise.

    Plain text, not a template: the base template reads the user and the team, from the database.
    """
    detail = MESSAGES[kind]
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        response = HttpResponse(detail + "\n", content_type="text/plain; charset=utf-8", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def outage_answer(request, error: BaseException | None) -> HttpResponse | None:
    """The 503 for an outage error (reported), None for any other error."""
    kind = outage_kind(error)
    if kind is None or error is None:
        return None
    outage_report(kind, error)
    return outage_response(request, kind)
