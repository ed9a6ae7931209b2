"""Operational endpoints (liveness, readiness) and the error pages."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness: the process serves requests."""
    return JsonResponse({"status": "ok"})


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
    if _wants_json(request):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(
        request, "403.html", {"reason": "Your session form expired. Reload the page and try again."}, status=403
    )
