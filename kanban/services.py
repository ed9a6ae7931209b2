"""Everything that changes a board or a card. Each change writes card history and an audit event.

Concurrency: a change to positions first locks the rows of the columns involved
(`SELECT ... FOR UPDATE`, in id order so two moves never deadlock), then re-reads the
card. Two people moving cards in the same column are serialised; positions stay dense.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

import markdown as markdown_lib
import nh3
from django.db import transaction
from django.db.models import F
from django.utils import timezone

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
from teams.audit import audit_record
from teams.errors import DomainError
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


def markdown_render(text: str) -> str:
    """Render Markdown to HTML that is safe to show (nh3 drops scripts, handlers and styles)."""
    if not text.strip():
        return ""
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(html)


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


def swimlane_create(*, board: Board, name: str, by, wip_limit=None, wip_mode=WipMode.SOFT) -> Swimlane:
    """Add a swimlane below the others."""
    last = board.swimlanes.order_by("-position").values_list("position", flat=True).first()
    swimlane = Swimlane.objects.create(
        board=board, name=name, position=0 if last is None else last + 1, wip_limit=wip_limit, wip_mode=wip_mode
    )
    audit_record(action="swimlane.created", actor=by, team=board.team, obj=swimlane, data={"board": board.pk})
    return swimlane


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
    """Lock the columns' rows, in id order so concurrent moves cannot deadlock."""
    columns = Column.objects.select_for_update().filter(pk__in=set(column_ids)).order_by("pk")
    return {column.pk: column for column in columns}


class _MovedMeanwhile(Exception):
    pass


def _lock_card(card_pk: int, *column_ids: int) -> tuple[Card, dict[int, Column]]:
    """Lock the card's column and `column_ids`, in id order, then the card itself.

    Locks are only ever taken in id order, once per attempt: when the card changed column
    between our read and our lock, the savepoint is rolled back (which releases its locks)
    and we try again, rather than lock a third column out of order and risk a deadlock.
    """
    for _ in range(5):
        current = Card.objects.filter(pk=card_pk).values_list("column_id", flat=True).first()
        if current is None:
            raise CardError("This card no longer exists.")
        try:
            with transaction.atomic():
                locked = _lock_columns(current, *column_ids)
                card = (
                    Card.objects.select_for_update(of=("self",))
                    .select_related("swimlane", "team")
                    .filter(pk=card_pk)
                    .first()
                )
                if card is None:
                    raise CardError("This card no longer exists.")
                if card.column_id != current:
                    raise _MovedMeanwhile
        except _MovedMeanwhile:
            continue
        return card, locked
    raise CardError("Someone else keeps moving this card right now. Try again in a moment.")


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
        Membership.objects.filter(team=team, user__in=[u.pk for u in users]).values_list("user_id", flat=True)
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
    position: int = 0,
    description: str = "",
    labels: Iterable[Label] = (),
    assignees: Iterable = (),
    swimlane: Swimlane | None = None,
    priority: str = Priority.NORMAL,
    due_date=None,
    source_kind: str = "",
    source_id: str = "",
    source_url: str = "",
    at=None,
) -> Card:
    """Create a card in `column` (the board's first column when None) at `position` (0 = top).

    `by` is None for automation. Raises WipLimitExceeded when the column (or swimlane)
    has a hard limit and is full, CardError for assignees or labels from outside the team.
    """
    now = at or timezone.now()
    team = board.team
    labels = _validate_labels(team, labels)
    assignees = _validate_assignees(team, assignees)
    with transaction.atomic():
        first_id = _first_column_id(board.pk)
        if first_id is None:
            raise CardError(f"Board {board.name} has no columns yet. Add a column first.")
        column_id = column.pk if column is not None else first_id
        column = _lock_columns(column_id).get(column_id)
        if column is None or column.board_id != board.pk:
            raise CardError("That column is not on this board.")
        open_cards = Card.objects.open().filter(column=column)
        count = open_cards.count()
        _check_column_limit(column, open_count=count)
        if swimlane is not None:
            if swimlane.board_id != board.pk:
                raise CardError("That swimlane is not on this board.")
            if not column.is_done:
                _check_swimlane_limit(swimlane)
        position = max(0, min(position, count))
        open_cards.filter(position__gte=position).update(position=F("position") + 1)
        card = Card.objects.create(
            team=team,
            board=board,
            column=column,
            swimlane=swimlane,
            position=position,
            title=title,
            description=description,
            description_html=markdown_render(description),
            priority=priority,
            due_date=due_date,
            source_kind=source_kind,
            source_id=source_id,
            source_url=source_url,
            created_by=by if by is not None and by.is_authenticated else None,
            created_at=now,
            updated_at=now,
            column_entered_at=now,
            started_at=now if column.pk != first_id else None,
            done_at=now if column.is_done else None,
        )
        if labels:
            card.labels.set(labels)
        if assignees:
            card.assignees.set(assignees)
        _record(card, CardEventKind.CREATED, by=by, to_column=column, data={"to": column.name}, at=now)
        audit_record(
            action="card.created",
            actor=by,
            team=team,
            obj=card,
            data={"board": board.pk, "column": column.name, "source": source_id},
        )
    return card


def card_move(
    *,
    card: Card,
    column: Column,
    position: int,
    by,
    swimlane=_UNCHANGED,
    after_id: int | None = None,
    before_id: int | None = None,
    at=None,
) -> Card:
    """Move `card` to `position` of `column` (same column: reorder), and optionally to `swimlane`.

    `after_id`/`before_id` name a card the card was dropped next to; when that card is
    still open in the target column it wins over `position`, so a move made on a stale
    view lands where the person dropped it. Raises WipLimitExceeded on a full hard limit.
    """
    with transaction.atomic():
        card, locked = _lock_card(card.pk, column.pk)
        # The time is taken once the locks are held, so history follows the order moves happen in.
        now = at or timezone.now()
        source, target = locked[card.column_id], locked.get(column.pk)
        if target is None or target.board_id != card.board_id:
            raise CardError("That column is not on this card's board.")
        if card.archived_at is not None:
            raise CardError("This card is archived. Restore it before moving it.")
        new_lane = card.swimlane if swimlane is _UNCHANGED else swimlane
        if new_lane is not None and new_lane.board_id != card.board_id:
            raise CardError("That swimlane is not on this card's board.")
        open_in_target = Card.objects.open().filter(column=target)
        same_column = source.pk == target.pk
        count = open_in_target.count()
        if not same_column:
            _check_column_limit(target, open_count=count)
        lane_changed = (new_lane.pk if new_lane else None) != card.swimlane_id
        if not target.is_done and (lane_changed or source.is_done):
            _check_swimlane_limit(new_lane, exclude_card_id=card.pk)

        anchor = _anchor_position(open_in_target.exclude(pk=card.pk), after_id=after_id, before_id=before_id)
        if anchor is not None:
            position = anchor
            if same_column and position > card.position:
                # Positions after the card shift down by one once it leaves its slot.
                position -= 1
        old_position = card.position
        if same_column:
            position = max(0, min(position, count - 1))
            if position == old_position and not lane_changed:
                return card  # nothing moves (e.g. "Down" on the last card): no history line
            if position < old_position:
                open_in_target.filter(position__gte=position, position__lt=old_position).update(
                    position=F("position") + 1
                )
            elif position > old_position:
                open_in_target.filter(position__gt=old_position, position__lte=position).update(
                    position=F("position") - 1
                )
        else:
            position = max(0, min(position, count))
            Card.objects.open().filter(column=source, position__gt=old_position).update(position=F("position") - 1)
            open_in_target.filter(position__gte=position).update(position=F("position") + 1)

        fields = ["column", "position", "swimlane", "updated_at"]
        card.column, card.position, card.swimlane, card.updated_at = target, position, new_lane, now
        if not same_column:
            card.column_entered_at = now
            fields.append("column_entered_at")
            if card.started_at is None and target.pk != _first_column_id(card.board_id):
                card.started_at = now
                fields.append("started_at")
            if target.is_done and not source.is_done:
                card.done_at = now
                fields.append("done_at")
            elif not target.is_done and card.done_at is not None:
                card.done_at = None
                fields.append("done_at")
        card.save(update_fields=fields)
        data = {"from": source.name, "to": target.name, "position": position}
        if lane_changed:
            data["swimlane"] = new_lane.name if new_lane else ""
        _record(card, CardEventKind.MOVED, by=by, from_column=source, to_column=target, data=data, at=now)
        audit_record(action="card.moved", actor=by, team=card.team, obj=card, data=data)
    return card


def _anchor_position(open_cards, *, after_id, before_id) -> int | None:
    if after_id:
        after = open_cards.filter(pk=after_id).values_list("position", flat=True).first()
        if after is not None:
            return after + 1
    if before_id:
        before = open_cards.filter(pk=before_id).values_list("position", flat=True).first()
        if before is not None:
            return before
    return None


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
        card, _ = _lock_card(card.pk)
        now = at or timezone.now()
        if card.archived_at is not None:
            return card
        Card.objects.open().filter(column_id=card.column_id, position__gt=card.position).update(
            position=F("position") - 1
        )
        card.archived_at = now
        card.save(update_fields=["archived_at"])
        _record(card, CardEventKind.ARCHIVED, by=by, at=now)
        audit_record(action="card.archived", actor=by, team=card.team, obj=card)
    return card


def card_restore(*, card: Card, by) -> Card:
    """Put an archived card back on top of its column."""
    with transaction.atomic():
        card, locked = _lock_card(card.pk)
        column = locked[card.column_id]
        if card.archived_at is None:
            return card
        open_cards = Card.objects.open().filter(column=column)
        _check_column_limit(column, open_count=open_cards.count())
        open_cards.update(position=F("position") + 1)
        card.archived_at = None
        card.position = 0
        card.save(update_fields=["archived_at", "position"])
        _record(card, CardEventKind.RESTORED, by=by)
        audit_record(action="card.restored", actor=by, team=card.team, obj=card)
    return card


def card_delete(*, card: Card, by) -> None:
    """Delete a card and its history for good."""
    with transaction.atomic():
        card, _ = _lock_card(card.pk)
        if card.archived_at is None:
            Card.objects.open().filter(column_id=card.column_id, position__gt=card.position).update(
                position=F("position") - 1
            )
        audit_record(action="card.deleted", actor=by, team=card.team, obj=card, data={"title": card.title})
        card.delete()


def comment_add(*, card: Card, body: str, by) -> Comment:
    """Comment on a card (Markdown, rendered and sanitised once here)."""
    if not body.strip():
        raise CardError("Write something to comment.")
    with transaction.atomic():
        comment = Comment.objects.create(card=card, author=by, body=body, body_html=markdown_render(body))
        _record(card, CardEventKind.COMMENTED, by=by, data={"comment": comment.pk})
        audit_record(action="card.commented", actor=by, team=card.team, obj=card, data={"comment": comment.pk})
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
