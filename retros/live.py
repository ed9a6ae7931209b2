"""The live retro: one counter per retro (core.live); every screen polls it and refreshes when it moved.

Versions only grow, so a screen can drop a poll answer older than what it shows (retro-live.js),
e.g. a poll that was in flight while the person's own change came back.
"""

from core.live import live_bump, live_version


def version_key(retro_id: int) -> str:
    return f"retro:v:{retro_id}"


def poll_scope(team_slug: str, retro_id: int) -> str:
    """What a full render's pass covers (core.live.live_pass_grant): this retro of this team."""
    return f"retro:{team_slug}:{retro_id}"


def current_version(retro_id: int) -> int | None:
    """The retro's version (started when the cache has none, e.g. after a restart); None on a cache outage."""
    return live_version(version_key(retro_id))


def retro_changed(retro_id: int) -> None:
    """Tell every screen of the retro to refresh, once the change is committed."""
    live_bump(version_key(retro_id))
