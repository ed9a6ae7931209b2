"""allauth's login with our failure rate limit, and its password reset off when no mail can go out."""

import hashlib
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import structlog
from allauth.account import views as allauth_views
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render
from redis.exceptions import RedisError

from teams.audit import audit_record, client_ip

T = TypeVar("T")
logger = structlog.get_logger(__name__)
_process_cache = LocMemCache("login-rate-limit", {})


def normalise_login(value: str) -> str:
    """The one spelling of a username or address for counting: NFKC then case-fold ('ｖiewer_A' is 'viewer_a')."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def _keys(request) -> list[str]:
    """The user's counter from this address, then the address's own counter (see `_limits`).

    The user's counter is per address, so failures from one place never lock the real owner out
    from another; the address's counter, higher, bounds guessing across usernames.
    """
    address = client_ip(request)
    digest = hashlib.sha256(normalise_login(request.POST.get("username", "")).encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}:ip:{address}", f"login-fail:ip:{address}"]


def _limits() -> list[int]:
    return [settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_LIMIT_PER_ADDRESS]


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


def _throttled(keys: list[str]) -> bool:
    counts = _counting(lambda store: [store.get(key, 0) for key in keys])
    return any(count >= limit for count, limit in zip(counts, _limits(), strict=True))


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


class LoginView(allauth_views.LoginView):
    """allauth's login, refusing with 429 after LOGIN_RATE_LIMIT failures per user and address or per address."""

    def post(self, request, *args, **kwargs):
        keys = _keys(request)
        if _throttled(keys):
            audit_record(action="login.throttled", data={"username": request.POST.get("username", "")[:150]})
            context = self.get_context_data(throttled=True, retry_after=settings.LOGIN_RATE_WINDOW)
            response = render(request, "account/login.html", context, status=429)
            response["Retry-After"] = str(settings.LOGIN_RATE_WINDOW)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The password was right: this user's counter from this address starts again (the
        # address's own counter stays, so a known account cannot be used to reset it).
        _counting(lambda store: store.delete(_keys(self.request)[0]))
        return super().form_valid(form)

    def form_invalid(self, form):
        _note_failure(_keys(self.request))
        audit_record(action="login.failed", data={"username": self.request.POST.get("username", "")[:150]})
        return super().form_invalid(form)


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def password_reset_available() -> bool:
    """Reset links go out by mail; in production without mail they would only reach the logs."""
    return settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND


def mail_configured() -> bool:
    """Whether mail reaches people (EMAIL_URL set, or another real backend in tests)."""
    return settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND


class PasswordResetView(allauth_views.PasswordResetView):
    """allauth's password reset, off (and saying so) when the server cannot send mail."""

    def dispatch(self, request, *args, **kwargs):
        if not password_reset_available():
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render(request, "account/password_reset_off.html", status=status)
        return super().dispatch(request, *args, **kwargs)
