"""The team's own delivery data for a retro: the reflect phase's data strip and the open actions.

Reads the board (kanban cards), the team's deployments and incidents through the selectors every
figure uses (integrations.delivery, postmortems.incidents) and the postmortems' overdue action
items. A fixed number of queries, whatever the data size.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from integrations.delivery import deployments_counted
from integrations.models import DeliverySettings, Repository, WorkflowRun
from kanban.models import Card
from postmortems.incidents import incidents_counted
from postmortems.models import ActionItem as PostmortemAction
from retros.models import ActionItem, ActionStatus, Retro
from teams.models import Team


def overdue_postmortem_actions(team: Team) -> list[PostmortemAction]:
    """Open action items of the team's postmortems past their due date, oldest first (at most 50)."""
    overdue = PostmortemAction.objects.for_team(team).overdue()
    return list(overdue.select_related("postmortem__team", "owner", "card__column").order_by("due_date", "id")[:50])


@dataclass(frozen=True)
class DataStrip:
    start: date
    end: date
    deployments: int
    median_cycle_days: float | None
    throughput: int
    incidents: int
    overdue_actions: int
    failing_ci: list[str]  # repositories whose latest completed run on the default branch failed


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def _failing_ci(team: Team) -> list[str]:
    latest = WorkflowRun.objects.filter(
        repository=OuterRef("pk"), head_branch=OuterRef("default_branch"), status="completed"
    ).order_by("-created_at")
    rows = (
        Repository.objects.for_team(team)
        .exclude(default_branch="")
        .annotate(last_conclusion=Subquery(latest.values("conclusion")[:1]))
        .values_list("full_name", "last_conclusion")
    )
    return sorted(name for name, conclusion in rows if conclusion in ("failure", "timed_out"))


def data_strip(team: Team, *, start: date | None, end: date | None = None) -> DataStrip:
    """What happened between `start` (default: 14 days before `end`) and `end` (default: today)."""
    end = end or timezone.localdate()
    start = start if start and start < end else end - timedelta(days=14)
    since, until = _bounds(start, end)
    # Deployments and incidents as the dashboard counts them, under the team's definitions.
    definitions = DeliverySettings.of(team).definitions()
    deployments = deployments_counted(team=team, definitions=definitions, since=since, until=until)
    incidents = incidents_counted(team=team, definitions=definitions, since=since, until=until)
    done = list(
        Card.objects.for_team(team)
        .filter(done_at__gte=since, done_at__lt=until, started_at__isnull=False)
        .values_list("started_at", "done_at")
    )
    # The query excludes cards without either time; the check only tells mypy so.
    cycle = [(d - s).total_seconds() / 86400 for s, d in done if s is not None and d is not None]
    overdue = ActionItem.objects.for_team(team).still_open().filter(due_date__lt=timezone.localdate()).count()
    return DataStrip(
        start=start,
        end=end,
        deployments=len(deployments),
        median_cycle_days=round(statistics.median(cycle), 1) if cycle else None,
        throughput=len(done),
        incidents=len(incidents),
        overdue_actions=overdue + len(overdue_postmortem_actions(team)),
        failing_ci=_failing_ci(team),
    )


def open_actions_before(retro: Retro) -> list[ActionItem]:
    """Open action items of the team's earlier retros, with their cards' live columns."""
    return list(
        ActionItem.objects.for_team(retro.team)
        .filter(status=ActionStatus.OPEN, retro__scheduled_for__lte=retro.scheduled_for)
        .exclude(retro=retro)
        .select_related("retro", "owner", "card__column", "card__team")
        .order_by("due_date", "created_at", "id")
    )
