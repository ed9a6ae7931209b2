"""With 15 people on a live board, an unchanged poll is one cache read and no table of its own."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.tests.cache_calls import count_cache_calls
from core.tests.queries import SESSION_QUERIES
from kanban.services import card_create
from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

PEOPLE = 15


def test_fifteen_unchanged_board_polls_cost_one_cache_read_each(monkeypatch):
    first = MembershipFactory(role="owner")
    people = [first.user] + [MembershipFactory(team=first.team, role="member").user for _ in range(PEOPLE - 1)]
    board = make_board(first.team, by=first.user)
    for number in range(30):
        card_create(board=board, title=f"card {number}", by=first.user)
    url = reverse("kanban:board", kwargs={"team": board.team.slug, "board_id": board.pk})
    polls = []
    for user in people:
        client = Client()
        client.force_login(user)
        version = client.get(url).content.decode().split('data-version="')[1].split('"')[0]
        polls.append((client, f"{url}changes/?since={version}"))
    calls = count_cache_calls(monkeypatch)

    with CaptureQueriesContext(connection) as queries:
        answers = [client.get(poll) for client, poll in polls]

    assert [answer.status_code for answer in answers] == [204] * PEOPLE
    # Each poll: one get_many of its session's cached copy (with Redis; else the session row, one query), the
    # session's pass for this board and the board's counter, all named from the cookie and the URL.
    assert calls == ["get_many"] * PEOPLE
    assert len(queries) == SESSION_QUERIES * PEOPLE, [q["sql"] for q in queries]
