"""Figures from the learning apps (postmortems, retros) for the dashboard panel and the report."""

from dataclasses import dataclass, field
from datetime import datetime

from postmortems.figures import postmortem_figures
from postmortems.models import Postmortem, Status
from retros.models import Retro, RetroSettings
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
    safety_text: str = "no safety check yet"


def _safety_text(team: Team) -> str:
    minimum = RetroSettings.objects.for_team(team).values_list("safety_minimum", flat=True).first() or 3
    latest = trends(team, minimum=minimum, limit=1)
    if not latest:
        return "no safety check yet"
    distribution = latest[0]["safety"]
    if distribution.counts is None:
        return f"{distribution.answers} answers, fewer than the {minimum} needed to show them"
    return ", ".join(f"{value}: {count}" for value, count in distribution.counts)


def learning_figures(*, team: Team, since: datetime, until: datetime) -> LearningFigures:
    """What postmortems and retros say about the team's learning in the window."""
    days = max(1, (until - since).days)
    figures = postmortem_figures(team=team, days=days, today=until.date())
    incidents = Postmortem.objects.for_team(team).filter(started_at__gt=since, started_at__lte=until)
    restore = figures["median_time_to_restore"]
    return LearningFigures(
        incidents=incidents.count(),
        published=incidents.filter(status=Status.PUBLISHED).count(),
        actions_due=figures["actions_due"],
        actions_done_on_time=figures["actions_done_on_time"],
        overdue_actions=figures["actions_overdue"],
        median_time_to_restore_hours=round(restore / 3600, 1) if restore is not None else None,
        recent=list(Postmortem.objects.for_team(team).order_by("-started_at", "-id")[:3]),
        retros_held=Retro.objects.for_team(team).filter(finished_at__gt=since, finished_at__lte=until).count(),
        safety_text=_safety_text(team),
    )
