"""Everything that changes a board or a card. Each change writes card history and an audit event.

Positions are sort keys with gaps, not indexes (see kanban.positions): a move writes one
card row, whatever the column's length.

Concurrency: a change to a card locks the card's row first, then the rows of the columns
involved (`SELECT ... FOR UPDATE`, in id order), so two moves never deadlock and two people
placing cards in the same column are serialised. Creating a card locks only its column.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.events import Event, emit, person
from core.markdown import markdown_render
from core.mentions import mentions_announce, mentions_in
from kanban.live import board_touch
from kanban.models import (
    Board,
    Card,
    CardEvent,
    CardEventKind,
    ChecklistItem,
    Column,
    Comment,
    Label,
    Priority,
    Swimlane,
    WipMode,
)
from kanban.positions import free_position
from teams.access import team_members
from teams.audit import audit_record
from teams.models import Membership, Team


class CardError(DomainError):
    """A change to a board or card that cannot be made; the message says why, for a person."""


class WipLimitExceeded(CardError):
    """A hard WIP limit refuses the card."""

    status_code = 409

    def __init__(self, message: str, *, column: Column | None = None, swimlane: Swimlane | None = None):
        super().__init__(message)
        self.column = column
        self.swimlane = swimlane


_UNCHANGED = object()


# --- boards -----------------------------------------------------------------------------


def board_create(
    *,
    team: Team,
    name: str,
    by,
    columns: Sequence[dict] = (),
    swimlanes: Sequence[dict] = (),
    description: str = "",
    archive_after_days: int | None = None,
) -> Board:
    """Create a board with its columns (dicts of Column fields, in order) and optional swimlanes.

    Without columns the board gets To do / Doing / Done.
    """
    columns = list(columns) or [{"name": "To do"}, {"name": "Doing"}, {"name": "Done", "is_done": True}]
    with transaction.atomic():
        board = Board.objects.create(
            team=team, name=name, description=description, archive_after_days=archive_after_days, created_by=by
        )
        for index, spec in enumerate(columns):
            Column.objects.create(
                board=board,
                name=spec["name"],
                position=spec.get("position", index),
                wip_limit=spec.get("wip_limit"),
                wip_mode=spec.get("wip_mode") or WipMode.SOFT,
                is_done=spec.get("is_done", False),
            )
        for index, spec in enumerate(swimlanes):
            Swimlane.objects.create(
                board=board,
                name=spec["name"],
                position=spec.get("position", index),
                wip_limit=spec.get("wip_limit"),
                wip_mode=spec.get("wip_mode") or WipMode.SOFT,
            )
        audit_record(action="board.created", actor=by, team=team, obj=board, data={"columns": len(columns)})
    return board


def board_update(*, board: Board, by, **changes) -> Board:
    """Change a board's name, description or automatic archiving."""
    allowed = {"name", "description", "archive_after_days"}
    unknown = set(changes) - allowed
    if unknown:
        raise CardError(f"Cannot change {', '.join(sorted(unknown))} of a board.")
    for field, value in changes.items():
        setattr(board, field, value)
    board.save(update_fields=list(changes))
    audit_record(action="board.updated", actor=by, team=board.team, obj=board, data={"fields": sorted(changes)})
    return board


def column_create(*, board: Board, name: str, by, wip_limit=None, wip_mode=WipMode.SOFT, is_done=False) -> Column:
    """Add a column at the right end of the board."""
    last = board.columns.order_by("-position").values_list("position", flat=True).first()
    column = Column.objects.create(
        board=board,
        name=name,
        position=0 if last is None else last + 1,
        wip_limit=wip_limit,
        wip_mode=wip_mode,
        is_done=is_done,
    )
    audit_record(action="column.created", actor=by, team=board.team, obj=column, data={"board": board.pk})
    return column


def column_update(*, column: Column, by, **changes) -> Column:
    """Change a column's name, WIP limit and mode, done flag or position."""
    allowed = {"name", "wip_limit", "wip_mode", "is_done", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise CardError(f"Cannot change {', '.join(sorted(unknown))} of a column.")
    for field, value in changes.items():
        setattr(column, field, value)
    column.save(update_fields=list(changes))
    audit_record(
        action="column.updated", actor=by, team=column.board.team, obj=column, data={"fields": sorted(changes)}
    )
    return column


def column_delete(*, column: Column, by) -> None:
    """Delete an empty column; one that still holds cards (archived ones too) is refused."""
    with transaction.atomic():
        locked = _lock_columns(column.pk).get(column.pk)
        if locked is None:
            raise CardError("This column no longer exists.")
        column = locked
        held = Card.objects.filter(column=column).count()
        if held:
            raise CardError(
                f"{column.name} still holds {held} card{'s' if held != 1 else ''} (archived ones count too). "
                "Move or delete them first."
            )
        team = column.board.team
        audit_record(action="column.deleted", actor=by, team=team, obj=column, data={"board": column.board_id})
        column.delete()


def swimlane_create(*, board: Board, name: str, by, wip_limit=None, wip_mode=WipMode.SOFT) -> Swimlane:
    """Add a swimlane below the others."""
    last = board.swimlanes.order_by("-position").values_list("position", flat=True).first()
    swimlane = Swimlane.objects.create(
        board=board, name=name, position=0 if last is None else last + 1, wip_limit=wip_limit, wip_mode=wip_mode
    )
    audit_record(action="swimlane.created", actor=by, team=board.team, obj=swimlane, data={"board": board.pk})
    return swimlane


def swimlane_delete(*, swimlane: Swimlane, by) -> None:
    """Delete a swimlane; its cards stay on the board, in no lane."""
    with transaction.atomic():
        board = swimlane.board
        columns = list(Card.objects.filter(swimlane=swimlane).values_list("column_id", flat=True).distinct())
        audit_record(action="swimlane.deleted", actor=by, team=board.team, obj=swimlane, data={"board": board.pk})
        swimlane.delete()
        board_touch(board_id=board.pk, column_ids=columns)


def board_delete(*, board: Board, by) -> None:
    """Delete a board with its columns, swimlanes, cards and their history."""
    with transaction.atomic():
        cards = board.cards.count()
        audit_record(action="board.deleted", actor=by, team=board.team, obj=board, data={"cards": cards})
        board.delete()


def label_create(*, team: Team, name: str, color: str, by) -> Label:
    """Create a team label (or return the one with that name)."""
    label, created = Label.objects.get_or_create(team=team, name=name, defaults={"color": color})
    if created:
        audit_record(action="label.created", actor=by, team=team, obj=label, data={"color": color})
    return label


# --- cards: helpers ---------------------------------------------------------------------


def _first_column_id(board_id: int) -> int | None:
    return Column.objects.filter(board_id=board_id).order_by("position", "id").values_list("pk", flat=True).first()


def _check_column_limit(column: Column, *, open_count: int) -> None:
    if column.wip_limit is not None and column.wip_mode == WipMode.HARD and open_count >= column.wip_limit:
        raise WipLimitExceeded(
            f"{column.name} is at its WIP limit of {column.wip_limit} "
            f"({open_count} open card{'s' if open_count != 1 else ''}). Finish or move a card out first.",
            column=column,
        )


@contextmanager
def _wip_refusal_announced(*, board_of: Callable[[], Board], card_title: str, by) -> Iterator[None]:
    """Tell the team's channels when a hard WIP limit refuses a card (outside the refused change's transaction).

    `board_of` is called only on a refusal: a move that goes through costs no query for it.
    """
    try:
        yield
    except WipLimitExceeded as refusal:
        board = board_of()
        limited = refusal.column or refusal.swimlane
        emit(
            team=board.team,
            event=Event.WIP_LIMIT_HIT,
            board=board.name,
            column=limited.name if limited else "",
            limit=limited.wip_limit if limited else "",
            card=card_title,
            by=person(by),
            path=board.get_absolute_url(),
        )
        raise


def _check_swimlane_limit(swimlane: Swimlane | None, *, exclude_card_id: int | None = None) -> None:
    if swimlane is None or swimlane.wip_limit is None or swimlane.wip_mode != WipMode.HARD:
        return
    in_lane = Card.objects.open().filter(swimlane=swimlane, column__is_done=False)
    if exclude_card_id is not None:
        in_lane = in_lane.exclude(pk=exclude_card_id)
    count = in_lane.count()
    if count >= swimlane.wip_limit:
        raise WipLimitExceeded(
            f"Swimlane {swimlane.name} is at its WIP limit of {swimlane.wip_limit} "
            f"({count} card{'s' if count != 1 else ''} in progress). Finish one first.",
            swimlane=swimlane,
        )


def _lock_columns(*column_ids: int) -> dict[int, Column]:
    """Lock the columns' rows, in id order so concurrent moves cannot deadlock.

    Each column says whether it is its board's first one (`is_first`): where work starts.
    """
    earlier = Column.objects.filter(board_id=OuterRef("board_id")).filter(
        Q(position__lt=OuterRef("position")) | Q(position=OuterRef("position"), pk__lt=OuterRef("pk"))
    )
    columns = (
        Column.objects.select_for_update()
        .annotate(is_first=~Exists(earlier))
        .filter(pk__in=set(column_ids))
        .order_by("pk")
    )
    return {column.pk: column for column in columns}


def _lock_card(card: Card, *column_ids: int) -> tuple[Card, dict[int, Column]]:
    """Lock the card, then its column and `column_ids` in id order; returns the card as it is now.

    The card's lock comes first, so its column cannot change before that column is locked;
    every path that locks a card and columns takes them in this order. The locking read
    joins nothing (not even the default ordering's column): PostgreSQL re-checks a row that
    changed while we waited, and with a join that re-check can lose the row (or lock the
    joined column out of order).
    """
    locked = Card.objects.select_for_update().filter(pk=card.pk).order_by("pk").first()
    if locked is None:
        raise CardError("This card no longer exists.")
    team_field = Card._meta.get_field("team")
    if team_field.is_cached(card):
        locked.team = card.team  # a card never changes team: spare the query
    return locked, _lock_columns(locked.column_id, *column_ids)


def _record(card: Card, kind: str, *, by, data=None, from_column=None, to_column=None, at=None) -> CardEvent:
    return CardEvent.objects.create(
        card=card,
        board_id=card.board_id,
        kind=kind,
        actor=by if by is not None and by.is_authenticated else None,
        from_column=from_column,
        to_column=to_column,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _validate_assignees(team: Team, users: Iterable) -> list:
    users = list(users)
    member_ids = set(
        Membership.objects.for_team(team).filter(user__in=[u.pk for u in users]).values_list("user_id", flat=True)
    )
    strangers = [u.get_username() for u in users if u.pk not in member_ids]
    if strangers:
        raise CardError(f"Only members of {team.name} can be assigned; not: {', '.join(strangers)}.")
    return users


def _validate_labels(team: Team, labels: Iterable) -> list:
    labels = list(labels)
    foreign = [label.name for label in labels if label.team_id != team.pk]
    if foreign:
        raise CardError(f"Labels must belong to {team.name}; not: {', '.join(foreign)}.")
    return labels


# --- cards ------------------------------------------------------------------------------


def card_create(
    *,
    board: Board,
    title: str,
    by,
    column: Column | None = None,
    position: int | None = 0,
    description: str = "",
    labels: Iterable[Label] = (),
    assignees: Iterable = (),
    swimlane: Swimlane | None = None,
    priority: str = Priority.NORMAL,
    due_date=None,
    blocked: bool = False,
    blocked_reason: str = "",
    source_kind: str = "",
    source_id: str = "",
    source_url: str = "",
    at=None,
) -> Card:
    """Create a card in `column` (the board's first column when None) at `position` (0 = top, None = bottom).

    `by` is None for automation. A blocked card needs its reason; it is created blocked, in
    one transaction with one history line. Raises WipLimitExceeded when the column (or
    swimlane) has a hard limit and is full, CardError for assignees or labels from outside the team.
    """
    now = at or timezone.now()
    team = board.team
    labels = _validate_labels(team, labels)
    assignees = _validate_assignees(team, assignees)
    blocked_reason = blocked_reason.strip() if blocked else ""
    if blocked and not blocked_reason:
        raise CardError("Say why the card is blocked, so others know what it waits for.")
    with _wip_refusal_announced(board_of=lambda: board, card_title=title, by=by), transaction.atomic():
        column_id = column.pk if column is not None else _first_column_id(board.pk)
        if column_id is None:
            raise CardError(f"Board {board.name} has no columns yet. Add a column first.")
        column = _lock_columns(column_id).get(column_id)
        if column is None or column.board_id != board.pk:
            raise CardError("That column is not on this board.")
        if _has_hard_limit(column):
            _check_column_limit(column, open_count=Card.objects.open().filter(column=column).count())
        if swimlane is not None:
            if swimlane.board_id != board.pk:
                raise CardError("That swimlane is not on this board.")
            if not column.is_done:
                _check_swimlane_limit(swimlane)
        index = None if position is None else max(0, position)
        card = Card.objects.create(
            team=team,
            board=board,
            column=column,
            swimlane=swimlane,
            position=free_position(column, index=index)[2],
            title=title,
            description=description,
            description_html=markdown_render(description),
            priority=priority,
            due_date=due_date,
            blocked=blocked,
            blocked_reason=blocked_reason,
            source_kind=source_kind,
            source_id=source_id,
            source_url=source_url,
            created_by=by if by is not None and by.is_authenticated else None,
            created_at=now,
            updated_at=now,
            column_entered_at=now,
            started_at=None if getattr(column, "is_first", False) else now,
            done_at=now if column.is_done else None,
        )
        if labels:
            card.labels.set(labels)
        if assignees:
            card.assignees.set(assignees)
        data = {"to": column.name, **({"blocked": blocked_reason} if blocked else {})}
        _record(card, CardEventKind.CREATED, by=by, to_column=column, data=data, at=now)
        audit_record(
            action="card.created",
            actor=by,
            team=team,
            obj=card,
            data={"board": board.pk, "column": column.name, "source": source_id, "blocked": blocked},
        )
        board_touch(board_id=board.pk, column_ids=[column.pk])
        emit(
            team=team,
            event=Event.CARD_CREATED,
            card_id=card.pk,
            card=card.title,
            board=board.name,
            column=column.name,
            by=person(by),
            path=reverse("kanban:card", kwargs={"team": team.slug, "card_id": card.pk}),
        )
    return card


def _has_hard_limit(column: Column) -> bool:
    return column.wip_limit is not None and column.wip_mode == WipMode.HARD


def card_move(
    *,
    card: Card,
    column: Column | int,
    position: int | None = 0,
    by,
    swimlane=_UNCHANGED,
    after_id: int | None = None,
    before_id: int | None = None,
    at=None,
) -> Card:
    """Move `card` to index `position` of `column` (0 = top, None = bottom; same column: reorder).

    `after_id`/`before_id` name a card the card was dropped next to; when that card is
    still open in the target column it wins over `position`, so a move made on a stale
    view lands where the person dropped it. Optionally changes the card's `swimlane`.
    Raises WipLimitExceeded on a full hard limit. Writes one card row whatever the
    column's length (see the module docstring). `column` may be an id: it is locked and
    checked here anyway.
    """
    column_id = column if isinstance(column, int) else column.pk
    with _wip_refusal_announced(board_of=lambda: card.board, card_title=card.title, by=by), transaction.atomic():
        card, locked = _lock_card(card, column_id)
        # The time is taken once the locks are held, so history follows the order moves happen in.
        now = at or timezone.now()
        source, target = locked[card.column_id], locked.get(column_id)
        if target is None or target.board_id != card.board_id:
            raise CardError("That column is not on this card's board.")
        if card.archived_at is not None:
            raise CardError("This card is archived. Restore it before moving it.")
        new_lane = card.swimlane if swimlane is _UNCHANGED else swimlane
        if new_lane is not None and new_lane.board_id != card.board_id:
            raise CardError("That swimlane is not on this card's board.")
        same_column = source.pk == target.pk
        if not same_column and _has_hard_limit(target):
            _check_column_limit(target, open_count=Card.objects.open().filter(column=target).count())
        lane_changed = (new_lane.pk if new_lane else None) != card.swimlane_id
        if not target.is_done and (lane_changed or source.is_done):
            _check_swimlane_limit(new_lane, exclude_card_id=card.pk)
        index = None if position is None else max(0, position)
        low, high, key = free_position(target, index=index, exclude_pk=card.pk, after_id=after_id, before_id=before_id)
        if same_column and not lane_changed:
            stays = (low is None or low < card.position) and (high is None or card.position < high)
            if stays:
                return card  # nothing moves (e.g. "Down" on the last card): no history line
        fields = ["column", "position", "swimlane", "updated_at"]
        card.column, card.position, card.swimlane, card.updated_at = target, key, new_lane, now
        if not same_column:
            card.column_entered_at = now
            fields.append("column_entered_at")
            if card.started_at is None and not getattr(target, "is_first", False):
                card.started_at = now
                fields.append("started_at")
            if target.is_done and not source.is_done:
                card.done_at = now
                fields.append("done_at")
            elif not target.is_done and card.done_at is not None:
                card.done_at = None
                fields.append("done_at")
        card.save(update_fields=fields)
        data = {"from": source.name, "to": target.name}
        if lane_changed:
            data["swimlane"] = new_lane.name if new_lane else ""
        _record(card, CardEventKind.MOVED, by=by, from_column=source, to_column=target, data=data, at=now)
        audit_record(action="card.moved", actor=by, team=card.team, obj=card, data=data)
        board_touch(board_id=card.board_id, column_ids=[source.pk, target.pk])
    return card


def card_rank(card: Card) -> int:
    """The card's place in its column as people count it: 1 is the top."""
    earlier = Card.objects.open().filter(column_id=card.column_id)
    earlier = earlier.filter(Q(position__lt=card.position) | Q(position=card.position, pk__lt=card.pk))
    return earlier.count() + 1


EDITABLE_FIELDS = {
    "title",
    "description",
    "priority",
    "due_date",
    "blocked",
    "blocked_reason",
    "source_kind",
    "source_id",
    "source_url",
}


def card_update(*, card: Card, by, assignees=None, labels=None, **changes) -> Card:
    """Change a card's fields, assignees and labels; each kind of change gets its history line."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise CardError(f"Cannot change {', '.join(sorted(unknown))} of a card.")
    if not changes.get("blocked", card.blocked):
        # An unblocked card keeps no reason, whatever the form still holds.
        changes.pop("blocked_reason", None)
        if card.blocked_reason:
            changes["blocked_reason"] = ""
    if changes.get("blocked") and not changes.get("blocked_reason", card.blocked_reason).strip():
        raise CardError("Say why the card is blocked, so others know what it waits for.")
    now = timezone.now()
    with transaction.atomic():
        changed = [field for field, value in changes.items() if getattr(card, field) != value]
        was_blocked = card.blocked
        for field in changed:
            setattr(card, field, changes[field])
        if "description" in changed:
            card.description_html = markdown_render(card.description)
            changed.append("description_html")
        if changed:
            card.updated_at = now
            card.save(update_fields=[*changed, "updated_at"])
        if card.blocked != was_blocked:
            if card.blocked:
                _record(card, CardEventKind.BLOCKED, by=by, data={"reason": card.blocked_reason})
            else:
                _record(card, CardEventKind.UNBLOCKED, by=by)
        edited = [f for f in changed if f not in ("blocked", "description_html")]
        if "blocked_reason" in edited and card.blocked != was_blocked:
            edited.remove("blocked_reason")
        if edited:
            _record(card, CardEventKind.EDITED, by=by, data={"fields": edited})
        if assignees is not None and _set_members(card, by=by, users=_validate_assignees(card.team, assignees)):
            changed.append("assignees")
        if labels is not None and _set_labels(card, by=by, labels=_validate_labels(card.team, labels)):
            changed.append("labels")
        if changed:
            audit_record(action="card.updated", actor=by, team=card.team, obj=card, data={"fields": changed})
            board_touch(board_id=card.board_id, column_ids=[card.column_id])
    return card


def _set_members(card: Card, *, by, users: list) -> bool:
    before = {u.pk: u.get_username() for u in card.assignees.all()}
    after = {u.pk: u.get_username() for u in users}
    added = sorted(after[pk] for pk in after.keys() - before.keys())
    removed = sorted(before[pk] for pk in before.keys() - after.keys())
    if added or removed:
        card.assignees.set(users)
        _record(card, CardEventKind.ASSIGNED, by=by, data={"added": added, "removed": removed})
        return True
    return False


def _set_labels(card: Card, *, by, labels: list) -> bool:
    before = {label.pk: label.name for label in card.labels.all()}
    after = {label.pk: label.name for label in labels}
    added = sorted(after[pk] for pk in after.keys() - before.keys())
    removed = sorted(before[pk] for pk in before.keys() - after.keys())
    if added or removed:
        card.labels.set(labels)
        _record(card, CardEventKind.LABELLED, by=by, data={"added": added, "removed": removed})
        return True
    return False


def card_archive(*, card: Card, by, at=None) -> Card:
    """Take a card off the board; it stays searchable and can be restored."""
    with transaction.atomic():
        card, _ = _lock_card(card)
        now = at or timezone.now()
        if card.archived_at is not None:
            return card
        card.archived_at = now
        card.save(update_fields=["archived_at"])
        _record(card, CardEventKind.ARCHIVED, by=by, at=now)
        audit_record(action="card.archived", actor=by, team=card.team, obj=card)
        board_touch(board_id=card.board_id, column_ids=[card.column_id])
    return card


def card_restore(*, card: Card, by) -> Card:
    """Put an archived card back on top of its column."""
    with transaction.atomic():
        card, locked = _lock_card(card)
        column = locked[card.column_id]
        if card.archived_at is None:
            return card
        _check_column_limit(column, open_count=Card.objects.open().filter(column=column).count())
        card.archived_at = None
        card.position = free_position(column, index=0)[2]
        card.save(update_fields=["archived_at", "position"])
        _record(card, CardEventKind.RESTORED, by=by)
        audit_record(action="card.restored", actor=by, team=card.team, obj=card)
        board_touch(board_id=card.board_id, column_ids=[card.column_id])
    return card


def card_delete(*, card: Card, by) -> None:
    """Delete a card and its history for good."""
    with transaction.atomic():
        card, _ = _lock_card(card)
        audit_record(action="card.deleted", actor=by, team=card.team, obj=card, data={"title": card.title})
        board_touch(board_id=card.board_id, column_ids=[card.column_id])
        card.delete()


def _members_named(team: Team, text: str) -> set[str]:
    """The usernames (lower-case) of the team's members that `text` @mentions."""
    names = mentions_in(text)
    if not names:
        return set()
    members = team_members(team).annotate(name=Lower("username")).filter(name__in=names)
    return set(members.values_list("name", flat=True))


def comment_add(*, card: Card, body: str, by) -> Comment:
    """Comment on a card (Markdown, rendered and sanitised once here)."""
    if not body.strip():
        raise CardError("Write something to comment.")
    with transaction.atomic():
        html = markdown_render(body, mentions=_members_named(card.team, body))
        comment = Comment.objects.create(card=card, author=by, body=body, body_html=html)
        _record(card, CardEventKind.COMMENTED, by=by, data={"comment": comment.pk})
        audit_record(action="card.commented", actor=by, team=card.team, obj=card, data={"comment": comment.pk})
        mentions_announce(
            team=card.team,
            by=by,
            after=[body],
            where=f"a comment on “{card.title}”",
            path=reverse("kanban:card", kwargs={"team": card.team.slug, "card_id": card.pk}),
        )
    return comment


def checklist_item_add(*, card: Card, text: str, by) -> ChecklistItem:
    """Add an item at the end of the card's checklist."""
    if not text.strip():
        raise CardError("A checklist item needs some text.")
    with transaction.atomic():
        last = card.checklist.order_by("-position").values_list("position", flat=True).first()
        item = ChecklistItem.objects.create(card=card, text=text.strip(), position=0 if last is None else last + 1)
        Card.objects.filter(pk=card.pk).update(checklist_total=F("checklist_total") + 1)
        _record(card, CardEventKind.CHECKLIST, by=by, data={"text": item.text, "change": "added"})
        audit_record(action="card.checklist", actor=by, team=card.team, obj=card, data={"added": item.text})
        board_touch(board_id=card.board_id, column_ids=[card.column_id])
    return item


def checklist_item_toggle(*, item: ChecklistItem, done: bool, by) -> ChecklistItem:
    """Tick or untick a checklist item."""
    if item.done == done:
        return item
    with transaction.atomic():
        item.done = done
        item.save(update_fields=["done"])
        Card.objects.filter(pk=item.card_id).update(checklist_done=F("checklist_done") + (1 if done else -1))
        change = "done" if done else "not done"
        _record(item.card, CardEventKind.CHECKLIST, by=by, data={"text": item.text, "change": change})
        audit_record(action="card.checklist", actor=by, team=item.card.team, obj=item.card, data={change: item.text})
        board_touch(board_id=item.card.board_id, column_ids=[item.card.column_id])
    return item


def board_archive_stale(*, board: Board, now=None) -> int:
    """Archive the board's cards that have been done for `archive_after_days`; returns how many."""
    if board.archive_after_days is None:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=board.archive_after_days)
    stale = Card.objects.open().filter(board=board, column__is_done=True, done_at__lte=cutoff)
    count = 0
    for card in stale.only("pk", "column_id", "position"):
        card_archive(card=card, by=None, at=now)
        count += 1
    return count
