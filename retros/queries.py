"""What the retro pages show: per-person views of a meeting, distributions and trends."""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q

from retros import ballot
from retros.models import (
    SAFETY_SCALE,
    ActionItem,
    ActionStatus,
    Group,
    Note,
    Participation,
    Phase,
    Retro,
    RetroSettings,
    SafetyAnswer,
    Vote,
)
from retros.privacy import owner_tag
from teams.models import Team


def team_settings(team: Team) -> RetroSettings:
    """The team's retro settings; the defaults (unsaved) when it never changed them. Reads only."""
    return RetroSettings.objects.for_team(team).first() or RetroSettings(team=team)


@dataclass(frozen=True)
class Distribution:
    answers: int
    minimum: int
    counts: list[tuple[int, int]] | None  # (value, count) for 1..5, None while below the minimum

    @property
    def shown(self) -> bool:
        return self.counts is not None


def distribution_of(values: Counter, *, minimum: int) -> Distribution:
    """The 1–5 distribution, or nothing but the number of answers while it is below `minimum`."""
    total = sum(values.values())
    counts = [(v, values.get(v, 0)) for v, _ in SAFETY_SCALE] if total >= max(1, minimum) else None
    return Distribution(answers=total, minimum=minimum, counts=counts)


def safety_distribution(retro: Retro) -> Distribution:
    """The distribution with the minimum the retro started with (the team's later changes do not apply).

    While the safety check is open its answers are still in the ballot box.
    """
    values = Counter(
        dict(SafetyAnswer.objects.filter(retro=retro).values("value").annotate(n=Count("id")).values_list("value", "n"))
    )
    if retro.phase == Phase.SAFETY:
        values += ballot.safety_counts(retro.pk)
    return distribution_of(values, minimum=retro.safety_minimum)


def _boxed_notes(retro: Retro, items: list[dict]) -> list[Note]:
    """Notes still in the ballot box, as unsaved notes (text only; `in_box` so pages offer no row action)."""
    notes = []
    for item in items:
        note = Note(id=uuid.UUID(item["id"]), retro=retro, prompt=item["prompt"], text=item["text"])
        note.in_box = True  # type: ignore[attr-defined]
        notes.append(note)
    return notes


def visible_notes(retro: Retro, user: User, secret: str | None) -> list[Note]:
    """The notes `user` may see now: all (in content order) once revealed, else only their own."""
    notes = Note.objects.filter(retro=retro)
    if not retro.anonymous:
        return list((notes if retro.notes_revealed else notes.filter(author=user)).select_related("author"))
    boxed = ballot.notes(retro.pk) if retro.phase == Phase.REFLECT else []
    if retro.notes_revealed:
        merged = list(notes) + _boxed_notes(retro, boxed)
        return sorted(merged, key=lambda n: (n.prompt, n.text, str(n.id)))
    if not secret:
        return []
    mine = [i for i in boxed if i["tag"] and i["tag"] == owner_tag(secret, retro.pk, i["id"])]
    return sorted(_boxed_notes(retro, mine), key=lambda n: (n.prompt, n.text, str(n.id)))


def my_votes(retro: Retro, user: User, secret: str | None) -> dict[int, int]:
    """How many dots this person has on each group (only they can ask)."""
    if not retro.anonymous:
        votes = Vote.objects.filter(retro=retro, voter=user)
        return dict(votes.values("group").annotate(n=Count("id")).values_list("group", "n"))
    groups = Group.objects.filter(retro=retro).values_list("id", flat=True)
    return ballot.my_votes(retro.pk, user_id=user.pk, group_ids=list(groups))


@dataclass(frozen=True)
class Own:
    """What one person has used up in the open phase (only they are shown it)."""

    safety_answered: bool
    votes_used: int


def own_state(retro: Retro, user: User) -> Own:
    answered = retro.phase == Phase.SAFETY and ballot.safety_answered(retro.pk, user_id=user.pk)
    if retro.phase != Phase.VOTE:
        return Own(safety_answered=answered, votes_used=0)
    if retro.anonymous:
        return Own(safety_answered=answered, votes_used=ballot.votes_used(retro.pk, user_id=user.pk))
    participation = Participation.objects.filter(retro=retro, user=user).first()
    return Own(safety_answered=answered, votes_used=participation.votes_used if participation else 0)


def progress(retro: Retro) -> dict:
    """Counts everyone may see: how many answered, wrote, voted (never who wrote what)."""
    counts = {"answered": 0, "voters": 0, "notes": Note.objects.filter(retro=retro).count()}
    if retro.phase == Phase.SAFETY:
        counts["answered"] = sum(ballot.safety_counts(retro.pk).values())
    if retro.phase == Phase.REFLECT and retro.anonymous:
        counts["notes"] += len(ballot.notes(retro.pk))
    if retro.phase == Phase.VOTE:
        counts["voters"] = (
            ballot.voters(retro.pk)
            if retro.anonymous
            else Participation.objects.filter(retro=retro, votes_used__gt=0).count()
        )
    return counts


def trends(team: Team, *, limit: int = 12) -> list[dict]:
    """Per retro (newest first): the safety distribution (its own minimum kept) and actions created/completed."""
    retros = list(
        Retro.objects.for_team(team)
        .annotate(
            actions_created=Count("actions", distinct=True),
            actions_done=Count(
                "actions",
                filter=Q(actions__status=ActionStatus.DONE) | Q(actions__card__column__is_done=True),
                distinct=True,
            ),
        )
        .select_related("facilitator", "team")[:limit]
    )
    per_retro: dict[int, Counter] = defaultdict(Counter)
    rows = SafetyAnswer.objects.filter(retro__in=retros).values("retro", "value").annotate(n=Count("id"))
    for row in rows:
        per_retro[row["retro"]][row["value"]] = row["n"]
    return [{"retro": r, "safety": distribution_of(per_retro[r.pk], minimum=r.safety_minimum)} for r in retros]


def actions_of(retro: Retro) -> list[ActionItem]:
    return list(retro.actions.select_related("owner", "card__column", "card__team", "group"))
