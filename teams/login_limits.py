"""Failed sign-ins counted per account and address, and per address: passwords and second-factor codes alike.

The counters live in the shared cache, or in this process while Redis is unreachable (`counting`).
"""

import hashlib
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

from teams.audit import client_ip

T = TypeVar("T")
logger = structlog.get_logger(__name__)
_process_cache = LocMemCache("login-rate-limit", {})


def normalise_login(value: str) -> str:
    """The one spelling of a username or address for counting: NFKC then case-fold ('ｖiewer_A' is 'viewer_a')."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def password_keys(request) -> list[str]:
    """The user's counter from this address, then the address's own counter (see `_limits`).

    The user's counter is per address, so failures from one place never lock the real owner out
    from another; the address's counter, higher, bounds guessing across usernames.
    """
    address = client_ip(request)
    digest = hashlib.sha256(normalise_login(request.POST.get("username", "")).encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}:ip:{address}", f"login-fail:ip:{address}"]


def _limits() -> list[int]:
    return [settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_LIMIT_PER_ADDRESS]


def counting(operation: Callable[[BaseCache], T]) -> T:
    """Run `operation` on the shared cache, or on this process's own while the shared one is unreachable.

    Logging in must not depend on Redis: while it is down, failures are counted per process, a
    weaker limit than the shared one but still a limit.
    """
    try:
        return operation(cache)
    except (RedisError, OSError) as error:
        logger.warning("login.rate_limit_degraded", error=error.__class__.__name__)
        return operation(_process_cache)


def throttled(keys: list[str]) -> bool:
    counts = counting(lambda store: [store.get(key, 0) for key in keys])
    return any(count >= limit for count, limit in zip(counts, _limits(), strict=True))


def _note_failure_in(store: BaseCache, keys: list[str]) -> None:
    for key in keys:
        # add() starts the window; incr() keeps its expiry, so the window does not slide.
        if not store.add(key, 1, timeout=settings.LOGIN_RATE_WINDOW):
            try:
                store.incr(key)
            except ValueError:
                store.set(key, 1, timeout=settings.LOGIN_RATE_WINDOW)


def note_failure(keys: list[str]) -> None:
    counting(lambda store: _note_failure_in(store, keys))


def second_factor_keys(request, user) -> list[str]:
    """The account's counter of wrong second-factor codes from this address, then the address's own counter.

    The address's counter is the one wrong passwords count on: guesses of either kind add up.
    """
    address = client_ip(request)
    return [f"login-fail:mfa:{user.pk}:ip:{address}", f"login-fail:ip:{address}"]


def forget_failures(key: str) -> None:
    """Start one counter again (after a success: the address's own counter is never reset this way)."""
    counting(lambda store: store.delete(key))
