"""Login with a failure rate limit, and audit events for logins and failed logins."""

import hashlib
from collections.abc import Callable
from typing import TypeVar

import structlog
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render
from redis.exceptions import RedisError

from teams.audit import audit_record, client_ip

T = TypeVar("T")
logger = structlog.get_logger(__name__)
_process_cache = LocMemCache("login-rate-limit", {})


def _keys(request) -> list[str]:
    username = request.POST.get("username", "").strip().lower()
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:ip:{client_ip(request)}"]


def _counting(operation: Callable[[BaseCache], T]) -> T:
    """Run `operation` on the shared cache, or on this process's own while the shared one is unreachable.

    Logging in must not depend on Redis: while it is down, failures are counted per process, a
    weaker limit than the shared one but still a limit.
    """
    try:
        return operation(cache)
    except (RedisError, OSError) as error:
        logger.warning("login.rate_limit_degraded", error=error.__class__.__name__)
        return operation(_process_cache)


def _failures(keys: list[str]) -> int:
    return _counting(lambda store: max((store.get(k, 0) for k in keys), default=0))


def _note_failure_in(store: BaseCache, keys: list[str]) -> None:
    for key in keys:
        # add() starts the window; incr() keeps its expiry, so the window does not slide.
        if not store.add(key, 1, timeout=settings.LOGIN_RATE_WINDOW):
            try:
                store.incr(key)
            except ValueError:
                store.set(key, 1, timeout=settings.LOGIN_RATE_WINDOW)


def _note_failure(keys: list[str]) -> None:
    _counting(lambda store: _note_failure_in(store, keys))


class LoginView(auth_views.LoginView):
    """Django's login, refusing with 429 after LOGIN_RATE_LIMIT failures per user or address."""

    def post(self, request, *args, **kwargs):
        keys = _keys(request)
        if _failures(keys) >= settings.LOGIN_RATE_LIMIT:
            audit_record(action="login.throttled", data={"username": request.POST.get("username", "")[:150]})
            response = render(
                request,
                "registration/login.html",
                {"form": self.get_form(), "throttled": True, "retry_after": settings.LOGIN_RATE_WINDOW},
                status=429,
            )
            response["Retry-After"] = str(settings.LOGIN_RATE_WINDOW)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        _counting(lambda store: store.delete(_keys(self.request)[0]))
        audit_record(action="login.succeeded", actor=form.get_user())
        return response

    def form_invalid(self, form):
        _note_failure(_keys(self.request))
        audit_record(action="login.failed", data={"username": self.request.POST.get("username", "")[:150]})
        return super().form_invalid(form)


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def password_reset_available() -> bool:
    """Reset links go out by mail; in production without mail they would only reach the logs."""
    return settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, off (and saying so) when the server cannot send mail."""

    def dispatch(self, request, *args, **kwargs):
        if not password_reset_available():
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render(request, "registration/password_reset_off.html", status=status)
        return super().dispatch(request, *args, **kwargs)
