"""Live version counters in the cache: an unchanged poll costs one cache read and touches no table.

A counter only grows. It starts from the clock in milliseconds, also after the cache lost it, so a
screen can drop a poll answer older than what it shows, and a screen holding a version from before a
loss is behind the new count. A change moves the counter on once its transaction commits and may
stamp parts (a board's columns) with the new value; a part without a stamp counts as changed when the
counter started, so after a lost cache every part refreshes once. A cache outage never breaks a page:
reads answer None (no live updates) and a lost bump only makes other viewers' refresh late.
"""

import hashlib
import time
from collections.abc import Callable, Hashable, Iterable, Mapping

import structlog
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from core.sessions import cached_copy_key

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


def _pass_key(scope: str, session_key: str) -> str:
    # Named after a digest of the session key (the cookie), so the poll finds it without reading the session
    # first, and Redis holds no second copy of the session key.
    return f"live:pass:{scope}:{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"


def _login(session: Mapping) -> tuple[object, object] | None:
    """The session's user id and auth hash (no user row); None for a visitor not logged in."""
    user_id = session.get(SESSION_KEY)
    return None if user_id is None else (user_id, session.get(HASH_SESSION_KEY))


def live_poll(view: Callable) -> Callable:
    """Mark a poll view: the middlewares leave its session unread, `live_unchanged` reads it with the rest."""
    view.live_poll = True  # type: ignore[attr-defined]
    return view


def live_pass_grant(request: HttpRequest, *, scope: str) -> None:
    """After a full render passed the access check: let this session's polls of `scope` skip it for a while.

    The pass names the session and holds its login (user id and auth hash), so neither another session nor
    this one after a logout or a new login inherits it.
    """
    session = getattr(request, "session", None)
    if session is None or not session.session_key or (login := _login(session)) is None:
        return
    try:
        cache.set(_pass_key(scope, session.session_key), login, PASS_SECONDS)
    except Exception:  # no pass: the polls take the full path
        logger.warning("live.pass_lost", scope=scope)


def live_unchanged(request: HttpRequest, *, scope: str, key: str, since: str | None) -> bool:
    """True when this session holds a pass for `scope` and `since` is still the value of counter `key`.

    One cache read (`get_many`): the pass, the counter and the session's cached copy, all named from the
    cookie and the URL. The session store is asked only where it keeps no copy in this cache (sessions in the
    database, or a copy the cache dropped). No user row, no membership, no table of the page.
    """
    session = getattr(request, "session", None)
    if request.method != "GET" or not since or session is None or not session.session_key:
        return False
    pass_key, copy_key = _pass_key(scope, session.session_key), cached_copy_key(session)
    try:
        found = cache.get_many([pass_key, key, *([copy_key] if copy_key else [])])
        held, value = found.get(pass_key), found.get(key)
        if held is None or value is None or str(value) != since:
            return False
        # Still the login that earned the pass: not logged out, not logged in again, password unchanged.
        return tuple(held) == _login(found.get(copy_key, session))
    except Exception:  # the full path answers (and copes with the outage)
        return False
