"""What the retro pages show: per-person views of a meeting, distributions and trends."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q

from retros.models import (
    SAFETY_SCALE,
    ActionItem,
    ActionStatus,
    Group,
    Note,
    Participation,
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


def safety_distribution(retro: Retro, *, minimum: int) -> Distribution:
    values = Counter(
        dict(SafetyAnswer.objects.filter(retro=retro).values("value").annotate(n=Count("id")).values_list("value", "n"))
    )
    return distribution_of(values, minimum=minimum)


def visible_notes(retro: Retro, user: User, secret: str | None) -> list[Note]:
    """The notes `user` may see now: all (in content order) once revealed, else only their own."""
    notes = Note.objects.filter(retro=retro)
    if retro.notes_revealed:
        return list(notes.select_related("author") if not retro.anonymous else notes)
    if not retro.anonymous:
        return list(notes.filter(author=user).select_related("author"))
    if not secret:
        return []
    return [
        n for n in notes.filter(hidden=False).exclude(owner_tag="") if n.owner_tag == owner_tag(secret, retro.pk, n.id)
    ]


def my_votes(retro: Retro, user: User, secret: str | None) -> dict[int, int]:
    """How many dots this person has on each group (only they can ask)."""
    votes = Vote.objects.filter(retro=retro)
    if not retro.anonymous:
        return dict(votes.filter(voter=user).values("group").annotate(n=Count("id")).values_list("group", "n"))
    if not secret:
        return {}
    groups = list(Group.objects.filter(retro=retro).values_list("id", flat=True))
    tags = {owner_tag(secret, retro.pk, "group", g): g for g in groups}
    counted = votes.filter(owner_tag__in=list(tags)).values("owner_tag").annotate(n=Count("id"))
    return {tags[row["owner_tag"]]: row["n"] for row in counted}


def participation_of(retro: Retro, user: User) -> Participation | None:
    return Participation.objects.filter(retro=retro, user=user).first()


def progress(retro: Retro) -> dict:
    """Counts everyone may see: how many answered, wrote, voted (never who wrote what)."""
    counts = Participation.objects.filter(retro=retro).aggregate(
        answered=Count("id", filter=Q(safety_answered=True)), voters=Count("id", filter=Q(votes_used__gt=0))
    )
    counts["notes"] = Note.objects.filter(retro=retro).count()
    return counts


def trends(team: Team, *, minimum: int, limit: int = 12) -> list[dict]:
    """Per retro (newest first): the safety distribution (minimum kept) and actions created/completed."""
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
    return [{"retro": r, "safety": distribution_of(per_retro[r.pk], minimum=minimum)} for r in retros]


def actions_of(retro: Retro) -> list[ActionItem]:
    return list(retro.actions.select_related("owner", "card__column", "card__team", "group"))
