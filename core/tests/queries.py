"""Query budgets that depend on the deployment's settings, shared by the query-count tests."""

from django.conf import settings

# A logged-in request reads its session row unless sessions come from the cache (with Redis, core/sessions.py).
SESSION_QUERIES = 0 if settings.SESSION_ENGINE == "core.sessions" else 1
