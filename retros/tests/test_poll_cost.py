"""With 15 people on an anonymous retro, an unchanged poll is one cache read and no table of its own."""

import secrets

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.sessions import cached_copy_key
from core.tests.cache_calls import count_cache_calls
from core.tests.queries import SESSION_QUERIES
from retros.models import Phase, Retro
from retros.services import note_add
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

PEOPLE = 15
POLL = {"HX-Request": "true"}


@pytest.fixture
def cache_calls(monkeypatch):
    return count_cache_calls(monkeypatch)


def open_retro(client: Client, retro: Retro) -> str:
    """Open the retro as a person does (the full render grants the pass); the poll URL of what it showed."""
    page = client.get(retro.get_absolute_url()).content.decode()
    version = page.split('data-version="')[1].split('"')[0]
    return retro.get_absolute_url() + f"poll/?v={version}"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting():
    team, users = make_team(("owner",) + ("member",) * (PEOPLE - 1))
    retro = advance_to(make_retro(team, users[0], anonymous=True), Phase.REFLECT, users[0])
    for person, user in enumerate(users):  # a box with everybody's note in it
        note_add(retro=retro, prompt="Start", text=f"note {person}", by=user, secret=secrets.token_hex(32))
    return retro, users


def test_fifteen_unchanged_polls_cost_one_cache_read_each(meeting, cache_calls):
    retro, users = meeting
    polls = []
    for user in users:
        client = logged_in(user)
        polls.append((client, open_retro(client, retro)))
    cache_calls.clear()

    with CaptureQueriesContext(connection) as queries:
        answers = [client.get(url, headers=POLL) for client, url in polls]

    assert [answer.status_code for answer in answers] == [204] * PEOPLE
    # Each poll: one get_many of its session's cached copy (where sessions are cached; else the session row,
    # one query), the session's pass for this retro (core.live) and the retro's counter. No user row, no
    # membership, no retro table.
    assert cache_calls == ["get_many"] * PEOPLE
    assert len(queries) == SESSION_QUERIES * PEOPLE, [q["sql"] for q in queries]


def test_a_pass_ends_with_its_session(meeting):
    retro, users = meeting
    client = logged_in(users[1])
    poll = open_retro(client, retro)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()
    replayed = Client()
    replayed.cookies[settings.SESSION_COOKIE_NAME] = cookie

    answer = replayed.get(poll, headers=POLL)

    assert answer.status_code == 302 and answer["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_another_session_of_the_same_person_takes_the_full_path(meeting):
    retro, users = meeting
    poll = open_retro(logged_in(users[1]), retro)

    answer = logged_in(users[1]).get(poll, headers=POLL)

    assert answer.status_code == 200 and 'data-version="' in answer.content.decode()


def test_a_session_copy_the_cache_dropped_is_read_from_the_session_store(meeting):
    retro, users = meeting
    client = logged_in(users[1])
    poll = open_retro(client, retro)
    copy = cached_copy_key(client.session)
    if copy is not None:  # sessions in the cache (with Redis); in the database the poll always reads the row
        cache.delete(copy)

    assert client.get(poll, headers=POLL).status_code == 204
