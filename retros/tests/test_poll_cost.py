"""With 15 people on an anonymous retro, an unchanged poll reads a fixed few cache keys and no table of its own."""

import secrets

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.tests.queries import SESSION_QUERIES
from retros.models import Phase
from retros.services import note_add
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

PEOPLE = 15
CACHE_CALLS = ("get", "get_many", "has_key", "add", "set", "set_many", "incr", "decr", "delete", "delete_many", "touch")


@pytest.fixture
def cache_calls(monkeypatch):
    """Every call the app makes to the cache, by method name (its public API, wrapped). A backend's own
    calls inside one (the in-process cache answers `get_many` with a `get` a key) are one read."""
    backend = caches["default"]
    calls: list[str] = []
    depth = [0]
    for name in CACHE_CALLS:
        method = getattr(backend, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            if not depth[0]:
                calls.append(_name)
            depth[0] += 1
            try:
                return _method(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)
    return calls


def test_fifteen_unchanged_polls_cost_one_cache_read_each(cache_calls):
    team, users = make_team(("owner",) + ("member",) * (PEOPLE - 1))
    retro = advance_to(make_retro(team, users[0], anonymous=True), Phase.REFLECT, users[0])
    for person, user in enumerate(users):  # a box with everybody's note in it
        note_add(retro=retro, prompt="Start", text=f"note {person}", by=user, secret=secrets.token_hex(32))
    polls = []
    for user in users:
        client = Client()
        client.force_login(user)
        page = client.get(retro.get_absolute_url()).content.decode()
        version = page.split('data-version="')[1].split('"')[0]
        polls.append((client, retro.get_absolute_url() + f"poll/?v={version}"))
    cache_calls.clear()

    with CaptureQueriesContext(connection) as queries:
        answers = [client.get(url, headers={"HX-Request": "true"}) for client, url in polls]

    assert [answer.status_code for answer in answers] == [204] * PEOPLE
    # Each poll: its session (from the cache where sessions are cached, else one query), the session's pass
    # for this retro (core.live) and the retro's counter. No user row, no membership, no retro table.
    session_reads = ["get"] if SESSION_QUERIES == 0 else []
    assert cache_calls == (session_reads + ["get", "get"]) * PEOPLE
    assert len(queries) == SESSION_QUERIES * PEOPLE, [q["sql"] for q in queries]
