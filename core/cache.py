"""Django's Redis cache, with sign-in's own entries kept in this process while Redis is down.

django-allauth keeps its rate limits and the marks of spent one-time codes (a TOTP code works once)
in the default cache, and raises when Redis does not answer: with Redis down nobody could finish
signing in with a second factor. Entries whose key starts with one of `LOCAL_FALLBACK_PREFIXES`
move to this process's memory instead, a weaker guarantee than the shared one (a limit counted per
process, a code spent in one process only) but still one, as the login limiter does
(teams/login_limits.py). Every other entry (sessions, live counters, ballot boxes) still raises: their
callers answer an outage themselves (core/sessions.py, core/outages.py).

After a failure the fallback entries skip Redis for `SKIP_SECONDS`: an unreachable host costs a
connect timeout per call, and one rate-limit check makes four calls.
"""

import threading
import time

import structlog
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

logger = structlog.get_logger(__name__)

# allauth's rate limits ("allauth:rl:…") and spent TOTP codes ("allauth.mfa.totp.used?…").
LOCAL_FALLBACK_PREFIXES = ("allauth:", "allauth.")
SKIP_SECONDS = 5.0

_local = LocMemCache("sign-in-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_lock = threading.Lock()
_skip_until = 0.0


def _redis_skipped() -> bool:
    return time.monotonic() < _skip_until


def _redis_failed(error: Exception) -> None:
    global _skip_until
    with _lock:
        first = not _redis_skipped()
        _skip_until = time.monotonic() + SKIP_SECONDS
    if first:
        logger.warning("cache.sign_in_entries_local", error=error.__class__.__name__)


def local_fallback_clear() -> None:
    """Forget the entries kept in this process and try Redis again at once (tests)."""
    global _skip_until
    _local.clear()
    _skip_until = 0.0


class RedisCache(DjangoRedisCache):
    """Django's RedisCache; sign-in's entries (LOCAL_FALLBACK_PREFIXES) live in this process while Redis is down."""

    def _run(self, name: str, key, *args, **kwargs):
        shared = getattr(super(), name)
        if not str(key).startswith(LOCAL_FALLBACK_PREFIXES):
            return shared(key, *args, **kwargs)
        if not _redis_skipped():
            try:
                return shared(key, *args, **kwargs)
            except (RedisError, OSError) as error:
                _redis_failed(error)
        return getattr(_local, name)(key, *args, **kwargs)

    # The calls allauth makes (core/ratelimit.py, mfa/totp/internal/auth.py in django-allauth 65).
    def add(self, key, *args, **kwargs):
        return self._run("add", key, *args, **kwargs)

    def get(self, key, *args, **kwargs):
        return self._run("get", key, *args, **kwargs)

    def set(self, key, *args, **kwargs):
        return self._run("set", key, *args, **kwargs)

    def delete(self, key, *args, **kwargs):
        return self._run("delete", key, *args, **kwargs)
