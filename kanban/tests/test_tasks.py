from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kanban.models import Card
from kanban.services import card_create
from kanban.tasks import archive_done_cards
from kanban.tests.factories import make_board

pytestmark = pytest.mark.django_db


def test_the_periodic_task_archives_only_boards_that_ask_for_it(team, user):
    now = timezone.now()
    archiving = make_board(team)
    archiving.archive_after_days = 3
    archiving.save()
    keeping = make_board(team)
    for board in (archiving, keeping):
        done = board.columns.get(is_done=True)
        card_create(board=board, title=f"shipped on {board.pk}", by=user, column=done, at=now - timedelta(days=5))
    assert archive_done_cards.delay().get() == 1
    assert list(Card.objects.archived().values_list("board", flat=True)) == [archiving.pk]
    assert archive_done_cards() == 0  # safe to run twice


def test_the_task_is_on_the_beat_schedule():
    assert any(entry["task"] == "kanban.archive_done_cards" for entry in settings.CELERY_BEAT_SCHEDULE.values())
