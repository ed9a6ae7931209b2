"""The live board: one counter per board (core.live), stamping the columns each change touched.

A poll sends the version it has; the answer is either "nothing new" or the columns stamped after it.
"""

from core.live import live_bump, live_changed_since, live_pass_grant, live_version


# Keys name the board alone, so a poll computes them from its URL. Only a session holding the board's pass
# (granted by a full render that passed the team's access check) or the scoped lookup in the view reads them.
def version_key(board_id: int) -> str:
    return f"kanban:board:{board_id}:version"


def _column_key(board_id: int, column_id: int) -> str:
    return f"kanban:board:{board_id}:column:{column_id}"


def poll_scope(team_slug: str, board_id: int) -> str:
    """What a full render's pass covers (core.live.live_pass_grant): this board of this team."""
    return f"kanban:{team_slug}:board:{board_id}"


def board_pass_grant(request, *, team, board_id: int) -> None:
    """Let this session's polls of the board answer "unchanged" without the access check for a while."""
    live_pass_grant(request, scope=poll_scope(team.slug, board_id))


def board_version(board_id: int, *, start: bool = False) -> int | None:
    """The board's version; None when the cache has none (`start`: begin counting then)."""
    return live_version(version_key(board_id), start=start)


def board_touch(*, board_id: int, column_ids) -> None:
    """Tell live boards that these columns changed, once the change is committed."""
    live_bump(version_key(board_id), stamps=[_column_key(board_id, column_id) for column_id in column_ids])


def changed_columns(*, board_id: int, since: int, column_ids) -> tuple[int, list[int]]:
    """The board's version and the columns changed after `since` (all of them when `since` is unknown)."""
    stamps = {column_id: _column_key(board_id, column_id) for column_id in column_ids}
    return live_changed_since(version_key(board_id), since=since, stamps=stamps)
