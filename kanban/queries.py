"""Reading a board: filters from the URL, and the first page of every column in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.functional import cached_property

from kanban.annotations import cards_annotate
from kanban.models import Board, Card, Column, Label, Swimlane

# Cards shown per column (per swimlane) before "Show more": what keeps 5,000-card boards usable.
PAGE_SIZE = 50
DUE_SOON_DAYS = 7


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within a database integer (a huge or fractional value is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CardFilter(django_filters.FilterSet):
    """The card filters of the board page and of the card API: one definition, the same meaning.

    Bad values are refused by the API (400) and ignored by the page.
    """

    board = IdFilter(field_name="board_id", help_text="Board id.")
    column = IdFilter(field_name="column_id", help_text="Column id.")
    assignee = django_filters.CharFilter(method="filter_assignee", max_length=150, help_text="Username of an assignee.")
    label = django_filters.CharFilter(method="filter_label", max_length=40, help_text="Label name.")
    q = django_filters.CharFilter(method="filter_q", max_length=200, help_text="Text in the title or description.")
    blocked = django_filters.BooleanFilter(
        method="filter_blocked", widget=forms.CheckboxInput, help_text="true: only blocked cards."
    )
    due = django_filters.ChoiceFilter(
        method="filter_due", choices=[("soon", "within a week")], help_text="soon: due within a week (or overdue)."
    )
    # A checkbox reads an absent parameter as false, so the method always runs: open cards by default.
    archived = django_filters.BooleanFilter(
        method="filter_archived", widget=forms.CheckboxInput, help_text="true: only archived cards (default: open)."
    )

    # What the board page shows in its filter bar and keeps in its links.
    PAGE_FIELDS = ("q", "assignee", "label", "blocked", "due")

    class Meta:
        model = Card
        fields: list[str] = []

    def filter_assignee(self, cards, name, value):
        # Exists() rather than joins: no duplicate rows, so the window numbering stays right.
        return cards.filter(Exists(Card.assignees.through.objects.filter(card=OuterRef("pk"), user__username=value)))

    def filter_label(self, cards, name, value):
        return cards.filter(Exists(Card.labels.through.objects.filter(card=OuterRef("pk"), label__name=value)))

    def filter_q(self, cards, name, value):
        return cards.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(source_id__icontains=value))

    def filter_blocked(self, cards, name, value):
        return cards.filter(blocked=True) if value else cards

    def filter_due(self, cards, name, value):
        return cards.filter(due_date__lte=timezone.localdate() + timedelta(days=DUE_SOON_DAYS))

    def filter_archived(self, cards, name, value):
        return cards.archived() if value else cards.open()

    @cached_property
    def values(self) -> dict:
        """The page's filters that are set and valid, by name."""
        self.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        return {name: data[name] for name in self.PAGE_FIELDS if data.get(name)}

    @property
    def active(self) -> bool:
        return bool(self.values)

    def querystring(self) -> str:
        return urlencode({name: "1" if value is True else value for name, value in self.values.items()})

    def apply(self, cards):
        self.is_valid()
        return self.filter_queryset(cards)

    @classmethod
    def from_query(cls, params) -> "CardFilter":
        return cls(params, queryset=Card.objects.none())


def card_display_queryset(cards):
    """Cards with what a card tile shows; labels and assignees as plain lists (no manager per card)."""
    return cards.select_related(None).prefetch_related(
        Prefetch("assignees", queryset=get_user_model().objects.only("id", "username"), to_attr="assignee_list"),
        Prefetch("labels", queryset=Label.objects.all(), to_attr="label_list"),
    )


@dataclass
class Cell:
    """The cards of one column in one swimlane (or the whole column when there are no lanes)."""

    column: Column
    swimlane: Swimlane | None
    cards: list = field(default_factory=list)
    total: int = 0

    @property
    def has_more(self) -> bool:
        return self.total > len(self.cards)

    @property
    def last_position(self) -> int | None:
        return self.cards[-1].position if self.cards else None


def board_columns(board: Board, filters: CardFilter, *, page_size: int = PAGE_SIZE, only_column_ids=None):
    """Columns (with open counts) and swimlanes, each column carrying its `cells` with the first cards.

    Runs the same number of queries whatever the number of cards: one for columns, one
    for swimlanes, one for all first pages (a window function numbers the cards of each
    cell), two prefetches, and the annotation providers' queries (constant too).
    """
    columns = list(
        board.columns.annotate(open_count=Count("cards", filter=Q(cards__archived_at__isnull=True))).order_by(
            "position", "id"
        )
    )
    swimlanes = list(
        board.swimlanes.annotate(
            open_count=Count(
                "cards", filter=Q(cards__archived_at__isnull=True, cards__column__is_done=False), distinct=True
            )
        )
    )
    cards = filters.apply(Card.objects.open().filter(board=board))
    if only_column_ids is not None:
        cards = cards.filter(column_id__in=only_column_ids)
        columns = [c for c in columns if c.pk in only_column_ids]
    partition = [F("column_id"), F("swimlane_id")]
    cards = (
        card_display_queryset(cards)
        .annotate(
            row=Window(RowNumber(), partition_by=partition, order_by=[F("position").asc(), F("id").asc()]),
            cell_total=Window(Count("id"), partition_by=partition),
        )
        .filter(row__lte=page_size)
        .order_by("column_id", "swimlane_id", "position", "id")
    )
    by_cell: dict[tuple, Cell] = {}
    lanes_by_id = {lane.pk: lane for lane in swimlanes}
    columns_by_id = {column.pk: column for column in columns}
    for card in cards_annotate(cards, team=board.team):
        key = (card.column_id, card.swimlane_id)
        cell = by_cell.get(key)
        if cell is None:
            cell = by_cell[key] = Cell(columns_by_id[card.column_id], lanes_by_id.get(card.swimlane_id))
            cell.total = card.cell_total
        cell.cards.append(card)
    lanes: list[Swimlane | None] = list(swimlanes)
    if not swimlanes or any(key[1] is None for key in by_cell):
        lanes.append(None)
    for column in columns:
        column.cells = [by_cell.get((column.pk, lane.pk if lane else None)) or Cell(column, lane) for lane in lanes]
        column.over_limit = column.wip_limit is not None and column.open_count > column.wip_limit
        column.at_limit = column.wip_limit is not None and column.open_count >= column.wip_limit
    for lane in swimlanes:
        lane.over_limit = lane.wip_limit is not None and lane.open_count > lane.wip_limit
    return columns, swimlanes


def cell_cards(board: Board, filters: CardFilter, *, column, swimlane, after_position, page_size=PAGE_SIZE):
    """The next page of one cell, after the last position already shown (None: from the top)."""
    cards = Card.objects.open().filter(board=board, column=column, swimlane=swimlane)
    if after_position is not None:
        cards = cards.filter(position__gt=after_position)
    cards = filters.apply(cards)
    cards = list(card_display_queryset(cards).order_by("position", "id")[: page_size + 1])
    return cards_annotate(cards[:page_size], team=board.team), len(cards) > page_size
