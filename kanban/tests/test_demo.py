import io

import pytest

from kanban import demo
from kanban.flow import board_flow_metrics
from kanban.models import Board, CardEvent

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_the_demo_board_is_seeded_once_with_history(team, user):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    events = CardEvent.objects.count()
    demo.seed(team=team, user=user, stdout=io.StringIO())
    board = Board.objects.get(team=team)
    assert CardEvent.objects.count() == events
    assert board.cards.count() == len(demo.CARDS)
    assert board.columns.filter(wip_limit__isnull=False, wip_mode="hard").exists()
    assert team.labels.count() == len(demo.LABELS)
    metrics = board_flow_metrics(board=board, days=30)
    assert metrics["lead_time"]["count"] == 6 and metrics["wip_age"]
