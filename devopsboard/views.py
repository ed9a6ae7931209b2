"""Operational endpoints (liveness, readiness, metrics) and the error pages."""

import hmac
import sys
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.outages import outage_answer
from devopsboard.metrics import metrics_registry


@never_cache
def healthz(request):
    """Liveness: the process serves requests (and which release it runs)."""
    return JsonResponse({"status": "ok", "release": settings.APP_RELEASE})


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means "not ready"; the reason is reported
        return {"ok": False, "error": error.__class__.__name__, "detail": str(error)[:200]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _check_broker() -> dict:
    import redis

    started = time.monotonic()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError as error:
        return {"ok": False, "error": error.__class__.__name__, "detail": str(error)[:200]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


@never_cache
def readyz(request):
    """Readiness: 200 when the database (and the broker, when configured) answer, else 503."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["broker"] = _check_broker()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _metrics_refusal(request) -> HttpResponse | None:
    """Why this request may not read the metrics, as a response; None when it may.

    With METRICS_TOKEN set, only `Authorization: Bearer <token>` reads them. Without one they are
    open in development and closed with DEBUG off: they name teams, repositories and views.
    """
    token = settings.METRICS_TOKEN
    if not token:
        if settings.DEBUG:
            return None
        return JsonResponse(
            {"detail": "Metrics are closed: set METRICS_TOKEN and send it as a bearer token."}, status=403
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = JsonResponse({"detail": "Send Authorization: Bearer <METRICS_TOKEN>."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JsonResponse({"detail": "That metrics token is not the right one."}, status=403)
    return None


@never_cache
def metrics(request):
    """Prometheus text format: HTTP, database, Celery and domain metrics of every serving process."""
    refusal = _metrics_refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/integrations/")) or "application/json" in request.headers.get(
        "Accept", ""
    )


def error_404(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": str(exception) or "You do not have permission for this."}, status=403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_500(request):
    # An outage met outside a view (a middleware saving the session) still answers 503, not 500.
    outage = outage_answer(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    if _wants_json(request):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(
        request, "403.html", {"reason": "Your session form expired. Reload the page and try again."}, status=403
    )
