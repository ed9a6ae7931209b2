import factory

from kanban.models import Board, Column, Label
from teams.tests.factories import TeamFactory


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Board {n}")


class ColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Column

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"Column {n}")
    position = factory.Sequence(lambda n: n)


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"label-{n}")
    color = "blue"


def make_board(team, *, columns=("To do", "Doing", "Done"), limits=None, by=None):
    """A board with the named columns (the last one done); `limits` maps a name to (limit, mode)."""
    from kanban.services import board_create

    limits = limits or {}
    specs = []
    for index, name in enumerate(columns):
        limit, mode = limits.get(name, (None, "soft"))
        specs.append({"name": name, "wip_limit": limit, "wip_mode": mode, "is_done": index == len(columns) - 1})
    return board_create(team=team, name="Delivery", by=by, columns=specs)
