import io

import pytest

from kanban import demo as kanban_demo
from kanban.models import Board, Card, SourceKind
from retros import demo
from retros.models import ActionItem, Phase, Retro, RetroSettings

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_the_demo_has_a_finished_retro_with_cards_and_one_in_reflect_once(team, user):
    kanban_demo.seed(team=team, user=user, stdout=io.StringIO())
    demo.seed(team=team, user=user, stdout=io.StringIO())
    demo.seed(team=team, user=user, stdout=io.StringIO())
    finished = Retro.objects.get(title=demo.FINISHED)
    assert finished.phase == Phase.SUMMARY and finished.safety_answers.count() == 3
    assert Retro.objects.get(title=demo.CURRENT).phase == Phase.REFLECT
    assert ActionItem.objects.filter(card__isnull=False).count() == 2
    assert Card.objects.filter(team=team, source_kind=SourceKind.RETRO_ACTION).count() == 2
    assert sorted(finished.groups.values_list("votes", flat=True)) == [0, 3, 3]
    board = Board.objects.get(team=team)
    assert RetroSettings.objects.get(team=team).board == board
    assert Retro.objects.get(title=demo.CURRENT).board == board
