"""Everything that changes a retro. Views, the API and the demo call these; nothing else writes.

Contributions to an anonymous retro (notes, votes) and every safety answer write no audit
event and no log line: an event carries the actor, the time, the address and the user agent,
which together name the writer. Facilitation (phases, reveal, hiding, actions) is audited.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kanban.models import Board, Card, SourceKind
from kanban.services import card_create, card_move
from retros.live import retro_changed
from retros.models import (
    FORMAT_PROMPTS,
    PHASE_MINUTES,
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
from teams.errors import DomainError
from teams.models import Membership, Team


class RetroError(DomainError):
    """A retro change that cannot be made now."""


class NotFacilitator(RetroError):
    status_code = 403


class RetroStateError(RetroError):
    """A step the retro's current state refuses (its phase, an answer already given): a conflict, whatever the body."""

    status_code = 409


def retro_settings(*, team: Team) -> RetroSettings:
    settings, _ = RetroSettings.objects.get_or_create(team=team)
    return settings


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
    if board is None:
        defaults = RetroSettings.objects.for_team(team).select_related("board").first()
        board = defaults.board if defaults else None
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
        scheduled_for=scheduled_for or timezone.localdate(),
        period_start=previous.scheduled_for if previous else None,
        timer_ends_at=timezone.now() + timedelta(minutes=PHASE_MINUTES[Phase.SAFETY]),
    )
    audit_record(action="retro.created", actor=by, team=team, obj=retro, data={"anonymous": anonymous})
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
        if forward and locked.phase == Phase.REFLECT and not locked.notes_revealed:
            _reveal(locked)
        if forward and target == Phase.VOTE:
            _group_loose_notes(locked)
        if forward and locked.phase == Phase.VOTE:
            # The per-group cap is spent: its tags would only link one person's dots together.
            Vote.objects.filter(retro=locked).update(owner_tag="")
        if target == Phase.DISCUSS:
            locked.discuss_group = locked.groups.order_by("-votes", "position", "id").first()
        locked.phase = target
        minutes = PHASE_MINUTES[target]
        locked.timer_ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
        if target == Phase.SUMMARY:
            locked.finished_at = timezone.now()
        locked.save()
        audit_record(action="retro.phase_changed", actor=by, team=retro.team, obj=locked, data={"phase": target})
        retro_changed(retro.pk)
        if target == Phase.SUMMARY:
            _series_next(locked)
    retro.refresh_from_db()
    return retro


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
    """Record one answer on the 1–5 scale; the answer row never names `by`."""
    _require_phase(retro, Phase.SAFETY)
    if value not in range(1, 6):
        raise RetroError("Answer with a number from 1 to 5.")
    with transaction.atomic():
        counter = _participation(retro, by)
        if counter.safety_answered:
            raise RetroStateError("You have already answered the safety check of this retro.")
        counter.safety_answered = True
        counter.save(update_fields=["safety_answered"])
        SafetyAnswer.objects.create(retro=retro, value=value)
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
        note.owner_tag = owner_tag(secret, retro.pk, note.id) if not retro.notes_revealed else ""
    else:
        note.author = by
    note.save()
    if not retro.anonymous:
        audit_record(action="retro.note_added", actor=by, team=retro.team, obj=retro)
    retro_changed(retro.pk)
    return note


def _reveal(retro: Retro) -> None:
    retro.notes_revealed = True
    retro.save(update_fields=["notes_revealed"])
    Note.objects.filter(retro=retro).exclude(owner_tag="").update(owner_tag="")


def note_reveal(*, retro: Retro, by: User) -> Retro:
    """Show every note to everyone, at once, and forget which browser wrote which."""
    _require_facilitator(retro, by)
    _require_phase(retro, Phase.REFLECT)
    with transaction.atomic():
        _reveal(_locked(retro))
        audit_record(action="retro.notes_revealed", actor=by, team=retro.team, obj=retro)
        retro_changed(retro.pk)
    retro.refresh_from_db()
    return retro


def note_hide(*, note: Note, by: User, hidden: bool = True) -> Note:
    """Hide (or show again) a note; the facilitator does it without learning who wrote it."""
    retro = note.retro
    _require_facilitator(retro, by)
    note.hidden = hidden
    note.save(update_fields=["hidden"])
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
    note.group = group
    note.save(update_fields=["group"])
    retro_changed(note.retro_id)
    return note


def _group_loose_notes(retro: Retro) -> None:
    """Before voting, each note left ungrouped becomes a group of its own, so it can get dots."""
    position = retro.groups.count()
    for note in retro.notes.filter(group=None, hidden=False):
        group = Group.objects.create(retro=retro, title=note.text[:120], position=position)
        position += 1
        Note.objects.filter(pk=note.pk).update(group=group)


def vote_cast(*, retro: Retro, group: Group, by: User, secret: str, remove: bool = False) -> Participation:
    """Put one dot on `group` (or take one back), within the person's budget and the per-group cap."""
    _require_phase(retro, Phase.VOTE)
    if group.retro_id != retro.pk:
        raise RetroError("That group belongs to another retro.")
    tag = owner_tag(secret, retro.pk, "group", group.pk) if retro.anonymous else ""
    mine = Vote.objects.filter(retro=retro, group=group)
    mine = mine.filter(owner_tag=tag) if retro.anonymous else mine.filter(voter=by)
    with transaction.atomic():
        counter = _participation(retro, by)
        if remove:
            dot = mine.first()
            if dot is None:
                raise RetroError("You have no vote on that group to take back.")
            dot.delete()
            counter.votes_used = max(0, counter.votes_used - 1)
            Group.objects.filter(pk=group.pk).update(votes=F("votes") - 1)
        else:
            if counter.votes_used >= retro.vote_budget:
                raise RetroError(f"You have used all {retro.vote_budget} of your votes; take one back first.")
            if mine.count() >= retro.group_vote_cap:
                raise RetroError(f"A group takes at most {retro.group_vote_cap} votes from one person.")
            Vote.objects.create(retro=retro, group=group, voter=None if retro.anonymous else by, owner_tag=tag)
            counter.votes_used += 1
            Group.objects.filter(pk=group.pk).update(votes=F("votes") + 1)
        counter.save(update_fields=["votes_used"])
    retro_changed(retro.pk)
    return counter


def discuss_select(*, retro: Retro, group: Group, by: User) -> Retro:
    """Move the discussion to `group` and restart the timer."""
    _require_facilitator(retro, by)
    _require_phase(retro, Phase.DISCUSS)
    if group.retro_id != retro.pk:
        raise RetroError("That group belongs to another retro.")
    retro.discuss_group = group
    retro.timer_ends_at = timezone.now() + timedelta(minutes=5)
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
    """Create an action item and, when the retro (or `board`) has a board, its card there."""
    _require_phase(retro, Phase.DISCUSS, Phase.SUMMARY)
    text = text.strip()[:300]
    if not text:
        raise RetroError("Say what should be done.")
    if owner is not None:
        _check_member(retro.team, owner)
    board = board or retro.board
    if board is not None and board.team_id != retro.team_id:
        raise RetroError("That board is not one of this team's.")
    with transaction.atomic():
        action = ActionItem.objects.create(retro=retro, group=group, text=text, owner=owner, due_date=due_date)
        if board is not None:
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
