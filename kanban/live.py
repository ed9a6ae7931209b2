"""The live board's change counter, kept in the cache so an unchanged poll touches no table.

Every change to a board's cards bumps the board's version and stamps the columns it changed
with it. A poll sends the version it has; the answer is either "nothing new" or the columns
stamped after it. A lost cache (restart, eviction) starts the count again: a board that
sends a version from before gets every column refreshed once.
"""

import structlog
from django.core.cache import cache
from django.db import transaction

logger = structlog.get_logger(__name__)

# Versions outlive any open page by far; the cache may still evict them (handled above).
TIMEOUT = 7 * 24 * 3600


# Keys name the team too: a version is only ever found through the team that owns the board.
def _version_key(team_id: int, board_id: int) -> str:
    return f"kanban:team:{team_id}:board:{board_id}:version"


def _column_key(team_id: int, board_id: int, column_id: int) -> str:
    return f"kanban:team:{team_id}:board:{board_id}:column:{column_id}"


def board_version(team_id: int, board_id: int, *, start: bool = False) -> int | None:
    """The board's version; None when the cache has none (`start`: begin counting at 0 then)."""
    key = _version_key(team_id, board_id)
    try:
        if start:
            cache.add(key, 0, timeout=TIMEOUT)
        version = cache.get(key)
    except Exception:  # a cache outage must not break the board: the page still works without live updates
        logger.warning("board_version_unavailable", board=board_id)
        return None
    return None if version is None else int(version)


def _bump(team_id: int, board_id: int, column_ids) -> None:
    key = _version_key(team_id, board_id)
    try:
        cache.add(key, 0, timeout=TIMEOUT)
        version = cache.incr(key)
        cache.set_many({_column_key(team_id, board_id, c): version for c in column_ids}, timeout=TIMEOUT)
    except Exception:  # the change is committed already; only other viewers' refresh is late
        logger.warning("board_version_not_bumped", board=board_id)


def board_touch(*, team_id: int, board_id: int, column_ids) -> None:
    """Tell live boards that these columns changed, once the change is committed."""
    ids = sorted(set(column_ids))
    transaction.on_commit(lambda: _bump(team_id, board_id, ids))


def changed_columns(*, team_id: int, board_id: int, since: int, column_ids) -> tuple[int, list[int]]:
    """The board's version and the columns changed after `since` (all of them when `since` is unknown)."""
    version = board_version(team_id, board_id, start=True) or 0
    if version == since:
        return version, []
    if since > version:
        return version, sorted(column_ids)
    try:
        stamps = cache.get_many([_column_key(team_id, board_id, c) for c in column_ids])
    except Exception:  # refresh everything rather than miss a change
        return version, sorted(column_ids)
    return version, sorted(c for c in column_ids if (stamps.get(_column_key(team_id, board_id, c)) or 0) > since)
