"""Everything that changes a retro. Views, the API and the demo call these; nothing else writes.

Contributions to an anonymous retro (notes, votes) and every safety answer write no audit
event and no log line: an event carries the actor, the time, the address and the user agent,
which together name the writer. Facilitation (phases, reveal, hiding, actions) is audited.
"""

import random
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import DomainError
from core.events import Event, emit, person
from kanban.models import Board, Card, SourceKind
from kanban.services import card_create, card_move
from retros import ballot
from retros.live import retro_changed
from retros.models import (
    DISCUSS_GROUP_MINUTES,
    FORMAT_PROMPTS,
    PHASE_MINUTES,
    SAFETY_MINIMUM_FLOOR,
    ActionItem,
    ActionStatus,
    Format,
    Group,
    Note,
    Participation,
    Phase,
    Retro,
    RetroSeries,
    RetroSettings,
    SafetyAnswer,
    Vote,
)
from retros.privacy import owner_tag
from teams.audit import audit_record
from teams.models import Membership, Team

NO_BOARD = (
    "This retro has no board, so the action item would get no card. "
    "The facilitator picks one under “Board for action items” on this page (create a board first if the team has none)."
)


class RetroError(DomainError):
    """A retro change that cannot be made now."""


class NotFacilitator(RetroError):
    status_code = 403


class RetroStateError(RetroError):
    """A step the retro's current state refuses (its phase, an answer already given): a conflict, whatever the body."""

    status_code = 409


def default_board(team: Team) -> Board | None:
    """The board a new retro's action items go to: the team's chosen one, else its first board."""
    chosen = RetroSettings.objects.for_team(team).filter(board__isnull=False).select_related("board").first()
    if chosen is not None and chosen.board is not None:
        return chosen.board
    return Board.objects.for_team(team).order_by("id").first()


def _prompts(format: str, prompts: Sequence[str] | None) -> list[str]:
    if format == Format.CUSTOM:
        cleaned = [p.strip()[:80] for p in (prompts or []) if p and p.strip()]
        if not cleaned:
            raise RetroError("A custom retro needs at least one prompt.")
        return cleaned[:8]
    return list(FORMAT_PROMPTS[Format(format)])


def _check_member(team: Team, user: User | None) -> User:
    """`user`, once known to be a member of `team`."""
    if user is None or not Membership.objects.for_team(team).filter(user=user).exists():
        raise RetroError("The facilitator and action owners must be members of the team.")
    return user


def retro_create(
    *,
    team: Team,
    title: str,
    by: User | None,
    format: str = Format.START_STOP_CONTINUE,
    prompts: Sequence[str] | None = None,
    anonymous: bool = True,
    facilitator: User | None = None,
    series: RetroSeries | None = None,
    board: Board | None = None,
    vote_budget: int = 5,
    group_vote_cap: int = 3,
    scheduled_for: date | None = None,
) -> Retro:
    """Create a retro in its first phase (safety check), facilitated by `facilitator` or `by`."""
    facilitator = _check_member(team, facilitator or by)
    if board is not None and board.team_id != team.pk:
        raise RetroError("That board is not one of this team's.")
    if vote_budget < 1 or group_vote_cap < 1:
        raise RetroError("The vote budget and the per-group cap must be at least 1.")
    defaults = RetroSettings.objects.for_team(team).first()
    board = board or default_board(team)
    minimum = max(SAFETY_MINIMUM_FLOOR, defaults.safety_minimum if defaults else SAFETY_MINIMUM_FLOOR)
    previous = Retro.objects.for_team(team).order_by("-scheduled_for", "-id").first()
    retro = Retro.objects.create(
        team=team,
        series=series,
        title=title.strip()[:120] or "Retro",
        format=format,
        prompts=_prompts(format, prompts),
        anonymous=anonymous,
        facilitator=facilitator,
        board=board,
        vote_budget=vote_budget,
        group_vote_cap=min(group_vote_cap, vote_budget),
        safety_minimum=minimum,
        scheduled_for=scheduled_for or timezone.localdate(),
        period_start=previous.scheduled_for if previous else None,
        timer_ends_at=timezone.now() + timedelta(minutes=PHASE_MINUTES[Phase.SAFETY]),
    )
    audit_record(action="retro.created", actor=by, team=team, obj=retro, data={"anonymous": anonymous})
    if retro.scheduled_for <= timezone.localdate():  # a series plans retros ahead: those start on their day
        emit(
            team=team,
            event=Event.RETRO_STARTED,
            retro_id=retro.pk,
            title=retro.title,
            facilitator=person(facilitator),
            path=retro.get_absolute_url(),
        )
    return retro


def series_create(
    *,
    team: Team,
    title: str,
    by: User,
    format: str,
    prompts: Sequence[str] | None = None,
    anonymous: bool = True,
    interval_days: int = 7,
    **kw: Any,
) -> Retro:
    """Start a weekly series with its first retro; finishing a retro of it creates the next."""
    series = RetroSeries.objects.create(
        team=team,
        title=title,
        format=format,
        prompts=_prompts(format, prompts),
        anonymous=anonymous,
        interval_days=interval_days,
    )
    return retro_create(
        team=team, title=title, by=by, format=format, prompts=prompts, anonymous=anonymous, series=series, **kw
    )


def _series_next(retro: Retro) -> Retro | None:
    series = retro.series
    if series is None or not series.active or series.retros.filter(scheduled_for__gt=retro.scheduled_for).exists():
        return None
    return retro_create(
        team=retro.team,
        title=series.title,
        by=None,
        format=series.format,
        prompts=series.prompts,
        anonymous=series.anonymous,
        facilitator=retro.facilitator,
        series=series,
        board=retro.board,
        vote_budget=retro.vote_budget,
        group_vote_cap=retro.group_vote_cap,
        scheduled_for=retro.scheduled_for + timedelta(days=series.interval_days),
    )


def _require_facilitator(retro: Retro, by: User) -> None:
    if not retro.is_facilitator(by):
        raise NotFacilitator("Only the facilitator can do that; ask them to hand facilitation over.")


def _require_phase(retro: Retro, *phases: str) -> None:
    if retro.phase not in phases:
        names = ", ".join(Phase(p).label for p in phases)
        raise RetroStateError(
            f"That can only be done in the {names} phase; this retro is in {retro.get_phase_display()}."
        )


def _locked(retro: Retro) -> Retro:
    return Retro.objects.select_for_update().get(pk=retro.pk)


def retro_advance_phase(*, retro: Retro, by: User, to: str | None = None) -> Retro:
    """Move to the next phase (or `to`, one step back or forward), as the facilitator only."""
    _require_facilitator(retro, by)
    with transaction.atomic():
        locked = _locked(retro)
        target = to or locked.next_phase()
        if target is None or target not in (locked.next_phase(), locked.previous_phase()):
            raise RetroStateError("A retro moves one phase at a time.")
        forward = target == locked.next_phase()
        if not forward and target in (Phase.SAFETY, Phase.VOTE) and (target == Phase.SAFETY or locked.anonymous):
            raise RetroError(
                f"The {Phase(target).label.lower()} is closed and its answers are sealed; it cannot reopen."
            )
        if locked.phase == Phase.SAFETY:
            _seal_safety(locked)
        if forward and locked.phase == Phase.REFLECT:
            if not locked.notes_revealed:
                _reveal(locked)
            elif locked.anonymous:
                _seal_notes(locked)  # written after the reveal
        if forward and target == Phase.VOTE:
            _group_loose_notes(locked)
        if forward and locked.phase == Phase.VOTE and locked.anonymous:
            _seal_votes(locked)
        if target == Phase.DISCUSS:
            locked.discuss_group = locked.groups.order_by("-votes", "position", "id").first()
        locked.phase = target
        minutes = PHASE_MINUTES[target]
        locked.timer_ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
        if target == Phase.SUMMARY:
            locked.finished_at = timezone.now()
        locked.save()
        retro_changed(retro.pk)
    # Its own transaction: no audit event (which names a person) shares one with the contributions sealed.
    audit_record(action="retro.phase_changed", actor=by, team=retro.team, obj=locked, data={"phase": target})
    if target == Phase.SUMMARY:
        _series_next(locked)
        emit(
            team=retro.team,
            event=Event.RETRO_CLOSED,
            retro_id=locked.pk,
            title=locked.title,
            summary=retro_summary_text(locked),
            path=locked.get_absolute_url(),
        )
    retro.refresh_from_db()
    return retro


def retro_summary_text(retro: Retro) -> str:
    """A closed retro in a few lines for a chat message: top themes and actions, naming nobody (anonymous or not)."""
    notes = retro.notes.filter(hidden=False).count()
    themes = [
        f"{group.title} ({group.votes} vote{'s' if group.votes != 1 else ''})"
        for group in retro.groups.order_by("-votes", "position", "id")[:3]
    ]
    actions = list(retro.actions.order_by("id").values_list("text", flat=True)[:5])
    lines = [f"{notes} note{'s' if notes != 1 else ''}."]
    if themes:
        lines.append("Top themes: " + "; ".join(themes) + ".")
    if actions:
        lines.append("Actions: " + "; ".join(actions) + ".")
    return "\n".join(lines)


def retro_hand_off(*, retro: Retro, to: User, by: User) -> Retro:
    """Make `to` the facilitator; the facilitator or a team owner may do it."""
    membership = Membership.objects.for_team(retro.team).filter(user=by).first()
    if not retro.is_facilitator(by) and not (membership and membership.has_role("owner")):
        raise NotFacilitator("Only the facilitator or a team owner can hand facilitation over.")
    _check_member(retro.team, to)
    retro.facilitator = to
    retro.save(update_fields=["facilitator"])
    audit_record(action="retro.handed_off", actor=by, team=retro.team, obj=retro, data={"to": to.username})
    retro_changed(retro.pk)
    return retro


def retro_set_board(*, retro: Retro, board: Board | None, by: User) -> Retro:
    """Choose the board the retro's action items become cards on; the facilitator only."""
    _require_facilitator(retro, by)
    if board is not None and board.team_id != retro.team_id:
        raise RetroError("That board is not one of this team's.")
    retro.board = board
    retro.save(update_fields=["board"])
    audit_record(action="retro.board_set", actor=by, team=retro.team, obj=retro)
    retro_changed(retro.pk)
    return retro


def retro_timer_start(*, retro: Retro, minutes: int, by: User) -> Retro:
    _require_facilitator(retro, by)
    if not 0 <= minutes <= 120:
        raise RetroError("A timer runs between 0 and 120 minutes.")
    retro.timer_ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
    retro.save(update_fields=["timer_ends_at"])
    retro_changed(retro.pk)
    return retro


def _participation(retro: Retro, user: User) -> Participation:
    Participation.objects.get_or_create(retro=retro, user=user)
    return Participation.objects.select_for_update().get(retro=retro, user=user)


def safety_answer(*, retro: Retro, value: int, by: User) -> None:
    """Put one answer on the 1–5 scale in the ballot box; the phase's close writes it, without `by`."""
    _require_phase(retro, Phase.SAFETY)
    if value not in range(1, 6):
        raise RetroError("Answer with a number from 1 to 5.")
    if not ballot.safety_add(retro.pk, user_id=by.pk, value=value):
        raise RetroStateError("You have already answered the safety check of this retro.")
    retro_changed(retro.pk)


def note_add(*, retro: Retro, prompt: str, text: str, by: User, secret: str) -> Note:
    """Write a private note; in an anonymous retro only the writer's browser secret can find it again."""
    _require_phase(retro, Phase.REFLECT)
    text = text.strip()
    if not text:
        raise RetroError("Write something first.")
    if prompt not in retro.prompts:
        raise RetroError("Pick one of this retro's prompts.")
    note = Note(retro=retro, prompt=prompt, text=text[:2000])
    if retro.anonymous:
        # Into the ballot box: the reveal (or the phase's close) writes it, shuffled among the others.
        tag = owner_tag(secret, retro.pk, note.id) if not retro.notes_revealed else ""
        ballot.note_put(retro.pk, {"id": str(note.id), "prompt": note.prompt, "text": note.text, "tag": tag})
    else:
        note.author = by
        note.save()
        audit_record(action="retro.note_added", actor=by, team=retro.team, obj=retro)
    retro_changed(retro.pk)
    return note


class NotYourNote(RetroError):
    status_code = 403


NOT_YOURS = (
    "You can change only the notes you wrote from this browser or client: nothing else tells the server they are yours."
)


def _require_editable(retro: Retro) -> None:
    if retro.phase != Phase.REFLECT or retro.notes_revealed:
        raise RetroStateError("Notes can be edited or deleted only until the facilitator reveals them.")


def _own_item(retro: Retro, note_id: uuid.UUID | None, secret: str) -> dict:
    """The unrevealed note in the ballot box whose tag this browser's secret reproduces."""
    for item in ballot.notes(retro.pk):
        if item["id"] == str(note_id) and item["tag"] and item["tag"] == owner_tag(secret, retro.pk, item["id"]):
            return item
    raise NotYourNote(NOT_YOURS)


def _own_named_note(retro: Retro, note_id: uuid.UUID | None, by: User) -> Note:
    note = Note.objects.filter(retro=retro, pk=note_id, author=by).first() if note_id else None
    if note is None:
        raise NotYourNote(NOT_YOURS)
    return note


def note_edit(*, retro: Retro, note_id: uuid.UUID | None, text: str, by: User, secret: str) -> None:
    """Change the text of one's own note before the reveal."""
    _require_editable(retro)
    text = text.strip()[:2000]
    if not text:
        raise RetroError("Write something first, or delete the note.")
    if retro.anonymous:
        item = _own_item(retro, note_id, secret)
        ballot.note_replace(retro.pk, item["id"], {**item, "text": text})
    else:
        note = _own_named_note(retro, note_id, by)
        note.text = text
        note.save(update_fields=["text"])
    retro_changed(retro.pk)


def note_delete(*, retro: Retro, note_id: uuid.UUID | None, by: User, secret: str) -> None:
    """Delete one's own note before the reveal."""
    _require_editable(retro)
    if retro.anonymous:
        ballot.note_replace(retro.pk, _own_item(retro, note_id, secret)["id"], None)
    else:
        _own_named_note(retro, note_id, by).delete()
    retro_changed(retro.pk)


def _shuffled(rows: list) -> list:
    """`rows` in a random order: the order rows are written in is the order a dump shows."""
    random.SystemRandom().shuffle(rows)
    return rows


def _seal_safety(retro: Retro) -> None:
    """Write the safety box as rows of a value each, in random order, and empty it."""
    counts = ballot.take_safety(retro.pk, user_ids=_member_ids(retro))
    values = [value for value, count in counts.items() for _ in range(count)]
    SafetyAnswer.objects.bulk_create([SafetyAnswer(retro=retro, value=v) for v in _shuffled(values)])


def _seal_notes(retro: Retro) -> None:
    """Write the notes box as notes without tags, in random order, and empty it."""
    items = ballot.take_notes(retro.pk)
    Note.objects.bulk_create(
        _shuffled([Note(id=uuid.UUID(i["id"]), retro=retro, prompt=i["prompt"], text=i["text"]) for i in items])
    )


def _seal_votes(retro: Retro) -> None:
    """Write the vote box as one row per dot (group only), in random order, and the totals; empty it."""
    groups = list(retro.groups.values_list("id", flat=True))
    totals = ballot.take_votes(retro.pk, group_ids=groups, user_ids=_member_ids(retro))
    dots = [group for group, count in totals.items() for _ in range(count)]
    Vote.objects.bulk_create([Vote(retro=retro, group_id=g) for g in _shuffled(dots)])
    for group, count in totals.items():
        Group.objects.filter(pk=group, retro=retro).update(votes=F("votes") + count)


def _member_ids(retro: Retro) -> list[int]:
    return list(Membership.objects.for_team(retro.team).values_list("user_id", flat=True))


def _reveal(retro: Retro) -> None:
    retro.notes_revealed = True
    retro.save(update_fields=["notes_revealed"])
    if retro.anonymous:
        _seal_notes(retro)


def note_reveal(*, retro: Retro, by: User) -> Retro:
    """Show every note to everyone, at once, and forget which browser wrote which."""
    _require_facilitator(retro, by)
    _require_phase(retro, Phase.REFLECT)
    with transaction.atomic():
        _reveal(_locked(retro))
        retro_changed(retro.pk)
    # Its own transaction: no audit event (which names a person) shares one with the notes written.
    audit_record(action="retro.notes_revealed", actor=by, team=retro.team, obj=retro)
    retro.refresh_from_db()
    return retro


def note_hide(*, note: Note, by: User, hidden: bool = True) -> Note:
    """Hide (or show again) a note; the facilitator does it without learning who wrote it."""
    retro = note.retro
    _require_facilitator(retro, by)
    # An update by id: `note` may be the unsaved copy note_add returned for a note that was in the ballot box.
    Note.objects.filter(pk=note.pk, retro=retro).update(hidden=hidden)
    note.hidden = hidden
    audit_record(action="retro.note_hidden" if hidden else "retro.note_shown", actor=by, team=retro.team, obj=retro)
    retro_changed(retro.pk)
    return note


def group_create(*, retro: Retro, title: str, by: User) -> Group:
    _require_phase(retro, Phase.GROUP)
    title = title.strip()[:120]
    if not title:
        raise RetroError("Name the group.")
    position = retro.groups.count()
    group = Group.objects.create(retro=retro, title=title, position=position)
    retro_changed(retro.pk)
    return group


def group_rename(*, group: Group, title: str, by: User) -> Group:
    _require_phase(group.retro, Phase.GROUP)
    title = title.strip()[:120]
    if not title:
        raise RetroError("Name the group.")
    group.title = title
    group.save(update_fields=["title"])
    retro_changed(group.retro_id)
    return group


def group_add_note(*, note: Note, group: Group | None, by: User) -> Note:
    """Put a note into `group` (None: back to the ungrouped notes)."""
    _require_phase(note.retro, Phase.GROUP)
    if group is not None and group.retro_id != note.retro_id:
        raise RetroError("That group belongs to another retro.")
    Note.objects.filter(pk=note.pk, retro_id=note.retro_id).update(group=group)
    note.group = group
    retro_changed(note.retro_id)
    return note


def _group_loose_notes(retro: Retro) -> None:
    """Before voting, each note left ungrouped becomes a group of its own, so it can get dots."""
    position = retro.groups.count()
    for note in retro.notes.filter(group=None, hidden=False):
        group = Group.objects.create(retro=retro, title=note.text[:120], position=position)
        position += 1
        Note.objects.filter(pk=note.pk).update(group=group)


def vote_cast(*, retro: Retro, group: Group, by: User, secret: str = "", remove: bool = False) -> int:
    """Put one dot on `group` (or take one back), within the person's budget and the per-group cap.

    Returns the votes `by` has left. In an anonymous retro the dots wait in the ballot box (the
    per-person counters keyed by an HMAC that dies with the phase) until the vote phase closes.
    """
    _require_phase(retro, Phase.VOTE)
    if group.retro_id != retro.pk:
        raise RetroError("That group belongs to another retro.")
    if retro.anonymous:
        if remove:
            refused = ballot.vote_remove(retro.pk, user_id=by.pk, group_id=group.pk)
        else:
            refused = ballot.vote_add(
                retro.pk, user_id=by.pk, group_id=group.pk, budget=retro.vote_budget, cap=retro.group_vote_cap
            )
        _refuse_vote(retro, refused)
        retro_changed(retro.pk)
        return retro.vote_budget - ballot.votes_used(retro.pk, user_id=by.pk)
    mine = Vote.objects.filter(retro=retro, group=group, voter=by)
    with transaction.atomic():
        counter = _participation(retro, by)
        if remove:
            dot = mine.first()
            if dot is None:
                _refuse_vote(retro, ballot.NONE)
            else:
                dot.delete()
            counter.votes_used = max(0, counter.votes_used - 1)
            Group.objects.filter(pk=group.pk).update(votes=F("votes") - 1)
        else:
            if counter.votes_used >= retro.vote_budget:
                _refuse_vote(retro, ballot.BUDGET)
            if mine.count() >= retro.group_vote_cap:
                _refuse_vote(retro, ballot.CAP)
            Vote.objects.create(retro=retro, group=group, voter=by)
            counter.votes_used += 1
            Group.objects.filter(pk=group.pk).update(votes=F("votes") + 1)
        counter.save(update_fields=["votes_used"])
    retro_changed(retro.pk)
    return retro.vote_budget - counter.votes_used


def _refuse_vote(retro: Retro, refused: str) -> None:
    if refused == ballot.NONE:
        raise RetroError("You have no vote on that group to take back.")
    if refused == ballot.BUDGET:
        raise RetroError(f"You have used all {retro.vote_budget} of your votes; take one back first.")
    if refused == ballot.CAP:
        raise RetroError(f"A group takes at most {retro.group_vote_cap} votes from one person.")


def discuss_select(*, retro: Retro, group: Group, by: User) -> Retro:
    """Move the discussion to `group` and restart the timer."""
    _require_facilitator(retro, by)
    _require_phase(retro, Phase.DISCUSS)
    if group.retro_id != retro.pk:
        raise RetroError("That group belongs to another retro.")
    retro.discuss_group = group
    retro.timer_ends_at = timezone.now() + timedelta(minutes=DISCUSS_GROUP_MINUTES)
    retro.save(update_fields=["discuss_group", "timer_ends_at"])
    retro_changed(retro.pk)
    return retro


def action_create(
    *,
    retro: Retro,
    text: str,
    by: User,
    owner: User | None = None,
    due_date: date | None = None,
    group: Group | None = None,
    board: Board | None = None,
) -> ActionItem:
    """Create an action item and its card on the retro's board (or `board`); refused without a board."""
    _require_phase(retro, Phase.DISCUSS, Phase.SUMMARY)
    text = text.strip()[:300]
    if not text:
        raise RetroError("Say what should be done.")
    if owner is not None:
        _check_member(retro.team, owner)
    board = board or retro.board
    if board is None:
        raise RetroError(NO_BOARD)
    if board.team_id != retro.team_id:
        raise RetroError("That board is not one of this team's.")
    with transaction.atomic():
        action = ActionItem.objects.create(retro=retro, group=group, text=text, owner=owner, due_date=due_date)
        action.card = card_create(
            board=board,
            title=text,
            by=by,
            description=f"Action item from the retro “{retro.title}” ({retro.scheduled_for:%Y-%m-%d}).",
            assignees=[owner] if owner else (),
            due_date=due_date,
            source_kind=SourceKind.RETRO_ACTION,
            source_id=f"retro-action:{action.pk}",
            # A path, not a full URL: services have no request; the card page links it as is.
            source_url=retro.get_absolute_url(),
        )
        action.save(update_fields=["card"])
        audit_record(action="retro.action_created", actor=by, team=retro.team, obj=action)
        retro_changed(retro.pk)
    return action


def action_review(*, action: ActionItem, retro: Retro, decision: str, by: User) -> ActionItem:
    """Keep, drop or close an earlier action item during `retro`'s open-actions phase."""
    _require_phase(retro, Phase.OPEN_ACTIONS)
    if action.retro.team_id != retro.team_id or action.retro_id == retro.pk:
        raise RetroError("That action item is not one of this team's earlier ones.")
    if decision not in ("keep", "drop", "done"):
        raise RetroError("Keep, drop or mark done.")
    with transaction.atomic():
        action.reviewed_in = retro
        if decision == "drop":
            action.status, action.closed_at = ActionStatus.DROPPED, timezone.now()
        elif decision == "done":
            action.status, action.closed_at = ActionStatus.DONE, timezone.now()
            _move_card_to_done(action.card, by)
        action.save(update_fields=["reviewed_in", "status", "closed_at"])
        audit_record(action=f"retro.action_{decision}", actor=by, team=retro.team, obj=action)
        retro_changed(retro.pk)
    return action


def _move_card_to_done(card: Card | None, by: User) -> None:
    if card is None or card.archived_at is not None or card.column.is_done:
        return
    done = card.board.columns.filter(is_done=True).order_by("position", "id").first()
    if done is not None:
        card_move(card=card, column=done, position=0, by=by)
