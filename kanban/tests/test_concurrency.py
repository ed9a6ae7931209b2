"""Concurrent moves on PostgreSQL: the row locks keep every card's sort key unique in its column."""

import random
import threading

import pytest
from django.db import connections

from kanban.models import Card
from kanban.services import card_create, card_move
from kanban.tests.factories import make_board

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres  # SQLite has no row locks: its writers queue on the database lock instead
def test_two_people_moving_cards_at_once_never_duplicate_or_lose_a_position(team, user):
    board = make_board(team, by=user)
    todo, doing, done = board.columns.all()
    ids = [card_create(board=board, title=f"c{i}", by=user, position=i).pk for i in range(24)]
    barrier = threading.Barrier(4)
    errors = []

    def worker(seed):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(15):
                card = Card.objects.get(pk=rng.choice(ids))
                column = rng.choice([todo, doing, done])
                card_move(card=card, column=column, position=rng.randint(0, 12), by=user)
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    total = 0
    for column in (todo, doing, done):
        positions = list(
            Card.objects.open().filter(column=column).order_by("position").values_list("position", flat=True)
        )
        assert len(set(positions)) == len(positions), f"{column.name}: {positions}"
        total += len(positions)
    assert total == 24
    # Every card's history ends where the card is.
    for card in Card.objects.filter(board=board):
        last = card.events.filter(kind__in=["created", "moved"]).order_by("created_at", "id").last()
        assert last.to_column_id == card.column_id, card.title
