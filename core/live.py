"""Live version counters in the cache: an unchanged poll costs one cache read and touches no table.

A counter only grows. It starts from the clock in milliseconds, also after the cache lost it, so a
screen can drop a poll answer older than what it shows, and a screen holding a version from before a
loss is behind the new count. A change moves the counter on once its transaction commits and may
stamp parts (a board's columns) with the new value; a part without a stamp counts as changed when the
counter started, so after a lost cache every part refreshes once. A cache outage never breaks a page:
reads answer None (no live updates) and a lost bump only makes other viewers' refresh late.
"""

import time
from collections.abc import Hashable, Iterable

import structlog
from django.core.cache import cache
from django.db import transaction

logger = structlog.get_logger(__name__)

# Versions outlive any open page by far; the cache may still evict them (see above).
TIMEOUT = 7 * 24 * 3600


def _started_key(key: str) -> str:
    return f"{key}:started"


def _start(key: str) -> None:
    seed = int(time.time() * 1000)
    cache.add(_started_key(key), seed, timeout=TIMEOUT)
    cache.add(key, seed, timeout=TIMEOUT)


def live_version(key: str, *, start: bool = True) -> int | None:
    """The counter's value (started now when the cache has none, unless not `start`); None on a cache outage."""
    try:
        value = cache.get(key)
        if value is None and start:
            _start(key)
            value = cache.get(key)
    except Exception:  # a cache outage must not break the page: it works without live updates
        logger.warning("live.version_unavailable", key=key)
        return None
    return None if value is None else int(value)


def live_bump(key: str, *, stamps: Iterable[str] = ()) -> None:
    """Move the counter on once the change is committed, stamping each of `stamps` (cache keys) with it."""
    stamps = sorted(set(stamps))

    def bump() -> None:
        try:
            _start(key)
            version = cache.incr(key)
            cache.set_many(dict.fromkeys(stamps, version), timeout=TIMEOUT)
        except Exception:  # the change is committed already; only other viewers' refresh is late
            logger.warning("live.bump_lost", key=key)

    transaction.on_commit(bump)


def live_changed_since(key: str, *, since: int, stamps: dict[Hashable, str]) -> tuple[int, list]:
    """The counter's value and the parts (of `stamps`: part → stamp key) stamped after `since`, sorted.

    Every part when `since` is ahead of the counter (not a version it gave) or the cache does not answer.
    """
    version = live_version(key) or 0
    if version == since:
        return version, []
    try:
        found = cache.get_many([_started_key(key), *stamps.values()])
    except Exception:  # refresh everything rather than miss a change
        return version, sorted(stamps)
    started = found.get(_started_key(key))
    if since > version or started is None:
        return version, sorted(stamps)
    return version, sorted(part for part, stamp in stamps.items() if found.get(stamp, started) > since)
