"""Sessions read from the shared cache and written through to the database, still served while the cache is down.

Django's cached_db engine already reads the database when the cache does not answer, and logs a failed
write; this one also survives the cache failing while a session is checked, created, reloaded or deleted
(logging in with Redis down). The database stays the truth. A logout while the cache is down cannot
remove the cached copy: it lives until the cache forgets it or the session expires.

A live poll (core.live) reads the cached copy itself, in one cache read with its other keys.
"""

import structlog
from django.contrib.sessions.backends import cached_db, db

logger = structlog.get_logger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except Exception:  # the copy back into the cache failed: the database answered already
            logger.warning("session.cache_unavailable", step="load")
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:
            logger.warning("session.cache_unavailable", step="exists")
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except Exception:  # deleted from the database first; the cached copy outlives it (module docstring)
            logger.warning("session.cache_unavailable", step="delete")


def cached_copy_key(session) -> str | None:
    """The cache key of this session's cached copy, named from its key (the cookie) without reading it.

    None when the engine keeps no copy in the cache (sessions in the database alone) or there is no session
    key yet. The copy is the session's data as Django's cached_db engine stores it (`cache_key`).
    """
    if not isinstance(session, cached_db.SessionStore) or not session.session_key:
        return None
    return session.cache_key
