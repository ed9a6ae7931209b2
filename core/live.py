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
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

logger = structlog.get_logger(__name__)

# Versions outlive any open page by far; the cache may still evict them (see above).
TIMEOUT = 7 * 24 * 3600
# How long a full render's access check lets the same session's polls answer "unchanged" by themselves:
# a person removed from the team, or a session ended by a password change elsewhere, learns at most for
# this long that nothing changed (never what). Pages re-render well within it (a live board every 30 s).
PASS_SECONDS = 60


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


def _pass_key(scope: str, user_id: object) -> str:
    return f"live:pass:{scope}:{user_id}"


def _session_login(request: HttpRequest) -> tuple[object, object] | None:
    """The session's user id and auth hash, read from the session alone (no user row)."""
    session = getattr(request, "session", None)
    user_id = session.get(SESSION_KEY) if session is not None else None
    return (user_id, session.get(HASH_SESSION_KEY)) if user_id is not None and session is not None else None


def live_pass_grant(request: HttpRequest, *, scope: str, key: str) -> None:
    """After a full render passed the access check: let this session's polls of `scope` skip it for a while.

    `key` is the counter the polls compare with. The pass holds the session's auth hash, so a new login
    (another session) does not inherit it.
    """
    login = _session_login(request)
    if login is None:
        return
    try:
        cache.set(_pass_key(scope, login[0]), (login[1], key), PASS_SECONDS)
    except Exception:  # no pass: the polls take the full path
        logger.warning("live.pass_lost", scope=scope)


def live_unchanged(request: HttpRequest, *, scope: str, since: str | None) -> bool:
    """True when this session holds a pass for `scope` and `since` is still its counter's value.

    Reads the session and the cache only: no user row, no membership, no table of the page.
    """
    login = _session_login(request) if request.method == "GET" and since else None
    if login is None:
        return False
    try:
        held = cache.get(_pass_key(scope, login[0]))
        if not held or held[0] != login[1]:
            return False
        value = cache.get(held[1])
    except Exception:  # the full path answers (and copes with the outage)
        return False
    return value is not None and str(value) == since
