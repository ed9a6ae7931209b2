"""Reading a board: filters from the URL, and the first page of every column in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from kanban.models import Board, Card, Column, Label, Swimlane

# Cards shown per column (per swimlane) before "Show more": what keeps 5,000-card boards usable.
PAGE_SIZE = 50
DUE_SOON_DAYS = 7


@dataclass
class CardFilters:
    assignee: str = ""
    label: str = ""
    q: str = ""
    blocked: bool = False
    due_soon: bool = False

    @classmethod
    def from_query(cls, params) -> "CardFilters":
        return cls(
            assignee=params.get("assignee", "").strip()[:150],
            label=params.get("label", "").strip()[:40],
            q=params.get("q", "").strip()[:200],
            blocked=params.get("blocked") in ("1", "on", "true"),
            due_soon=params.get("due") == "soon",
        )

    @property
    def active(self) -> bool:
        return bool(self.assignee or self.label or self.q or self.blocked or self.due_soon)

    def querystring(self) -> str:
        params = {"assignee": self.assignee, "label": self.label, "q": self.q}
        params = {k: v for k, v in params.items() if v}
        if self.blocked:
            params["blocked"] = "1"
        if self.due_soon:
            params["due"] = "soon"
        return urlencode(params)

    def apply(self, cards):
        # Exists() rather than joins: no duplicate rows, so the window numbering stays right.
        if self.assignee:
            assigned = Card.assignees.through.objects.filter(card=OuterRef("pk"), user__username=self.assignee)
            cards = cards.filter(Exists(assigned))
        if self.label:
            labelled = Card.labels.through.objects.filter(card=OuterRef("pk"), label__name=self.label)
            cards = cards.filter(Exists(labelled))
        if self.q:
            cards = cards.filter(Q(title__icontains=self.q) | Q(description__icontains=self.q))
        if self.blocked:
            cards = cards.filter(blocked=True)
        if self.due_soon:
            cards = cards.filter(due_date__lte=timezone.localdate() + timedelta(days=DUE_SOON_DAYS))
        return cards


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
    def last_position(self) -> int:
        return self.cards[-1].position if self.cards else -1


def board_columns(board: Board, filters: CardFilters, *, page_size: int = PAGE_SIZE, only_column_ids=None):
    """Columns (with open counts) and swimlanes, each column carrying its `cells` with the first cards.

    Runs the same number of queries whatever the number of cards: one for columns, one
    for swimlanes, one for all first pages (a window function numbers the cards of each
    cell), and two prefetches.
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
    for card in cards:
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


def cell_cards(board: Board, filters: CardFilters, *, column, swimlane, after_position: int, page_size=PAGE_SIZE):
    """The next page of one cell, after the last position already shown."""
    cards = filters.apply(
        Card.objects.open().filter(board=board, column=column, swimlane=swimlane, position__gt=after_position)
    )
    cards = list(card_display_queryset(cards).order_by("position", "id")[: page_size + 1])
    return cards[:page_size], len(cards) > page_size
