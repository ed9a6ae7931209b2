"""Figures from the learning apps (postmortems, retros) for the dashboard panel and the report."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count

from postmortems.figures import postmortem_figures
from postmortems.incidents import Incident
from postmortems.models import Postmortem
from retros.models import Retro, SafetyAnswer
from retros.queries import trends
from teams.models import Team


@dataclass(frozen=True)
class LearningFigures:
    incidents: int = 0
    published: int = 0
    actions_due: int = 0
    actions_done_on_time: int = 0
    overdue_actions: int = 0
    median_time_to_restore_hours: float | None = None
    recent: list[Postmortem] = field(default_factory=list)
    retros_held: int = 0
    retros_safe: int = 0  # held retros whose safety check was shown and says people speak up (median 4 or 5)
    safety_text: str = "no safety check yet"


def _safety_text(team: Team) -> str:
    latest = trends(team, limit=1)
    if not latest:
        return "no safety check yet"
    distribution = latest[0]["safety"]
    if distribution.counts is None:
        return f"{distribution.answers} answers, fewer than the {distribution.minimum} needed to show them"
    return ", ".join(f"{value}: {count}" for value, count in distribution.counts)


SAFE_MEDIAN = 4  # "I'll say almost anything" (retros.models.SAFETY_SCALE)


def _retros_safe(retros: list[Retro]) -> int:
    """How many of `retros` had a safety check with enough answers to show and a median of SAFE_MEDIAN or more."""
    answers: dict[int, list[int]] = defaultdict(list)
    rows = (
        SafetyAnswer.objects.filter(retro__in=retros)
        .values("retro_id", "value")
        .annotate(n=Count("id"))
        .values_list("retro_id", "value", "n")
    )
    for retro_id, value, n in rows:
        answers[retro_id] += [value] * n
    return sum(
        1
        for retro in retros
        if (values := answers[retro.pk])
        and len(values) >= max(1, retro.safety_minimum)
        and statistics.median_low(values) >= SAFE_MEDIAN
    )


def learning_figures(*, team: Team, incidents: list[Incident], since: datetime, until: datetime) -> LearningFigures:
    """What postmortems and retros say about the team's learning in the window.

    `incidents`: the ones DORA counts in the window (postmortems.incidents.incidents_counted), read once
    by the caller for every figure that shows them.
    """
    days = max(1, (until - since).days)
    figures = postmortem_figures(team=team, days=days, today=until.date())
    held = list(
        Retro.objects.for_team(team).filter(finished_at__gt=since, finished_at__lte=until).only("id", "safety_minimum")
    )
    restore = [hours for incident in incidents if (hours := incident.restore_hours) is not None]
    return LearningFigures(
        incidents=len(incidents),
        published=sum(1 for incident in incidents if incident.published),
        actions_due=figures["actions_due"],
        actions_done_on_time=figures["actions_done_on_time"],
        overdue_actions=figures["actions_overdue"],
        median_time_to_restore_hours=round(statistics.median(restore), 1) if restore else None,
        recent=list(Postmortem.objects.for_team(team).order_by("-started_at", "-id")[:3]),
        retros_held=len(held),
        retros_safe=_retros_safe(held),
        safety_text=_safety_text(team),
    )
