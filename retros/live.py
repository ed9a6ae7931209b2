"""A version number per retro, kept in the cache, so an unchanged poll costs one cache read.

Versions only grow: they start from the clock in milliseconds (also after the cache lost them),
so a screen can drop a poll answer older than what it shows (retro-live.js), e.g. a poll that
was in flight while the person's own change came back.
"""

import time

from django.core.cache import cache
from django.db import transaction

TIMEOUT = 60 * 60 * 24


def version_key(retro_id: int) -> str:
    return f"retro:v:{retro_id}"


def member_key(team_slug: str, retro_id: int, user_id: int) -> str:
    """Set after a full render passed the access check: this user may poll this retro of this team."""
    return f"retro:member:{team_slug}:{retro_id}:{user_id}"


def _seed() -> int:
    return int(time.time() * 1000)


def current_version(retro_id: int) -> int:
    """The retro's version; a fresh one (and stored) when the cache has none, e.g. after a restart."""
    value = cache.get(version_key(retro_id))
    if value is None:
        cache.add(version_key(retro_id), _seed(), TIMEOUT)
        value = cache.get(version_key(retro_id), _seed())
    return int(value)


def _bump(retro_id: int) -> None:
    try:
        cache.incr(version_key(retro_id))
    except ValueError:
        cache.add(version_key(retro_id), _seed(), TIMEOUT)


def retro_changed(retro_id: int) -> None:
    """Tell every screen of the retro to refresh, once the change is committed."""
    transaction.on_commit(lambda: _bump(retro_id))
