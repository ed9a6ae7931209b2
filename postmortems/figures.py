"""Postmortem figures for the dashboard (and the retro): incidents by severity, median TTD/TTR, actions on time."""

from datetime import date, timedelta
from statistics import median

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from postmortems.models import ActionItem, Postmortem, Severity
from teams.models import Team


def postmortem_figures(*, team: Team, days: int = 180, today: date | None = None) -> dict:
    """Incidents started in the last `days`: per month and severity, median time to detect and to restore
    (seconds, None without a sample), and the share of action items due in the window done by their due date."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    incidents = Postmortem.objects.for_team(team).filter(started_at__date__gte=since)
    months: dict[str, dict[str, int]] = {}
    rows = incidents.annotate(month=TruncMonth("started_at")).values("month", "severity").annotate(n=Count("pk"))
    for row in rows.order_by("month"):
        key = row["month"].strftime("%Y-%m")
        months.setdefault(key, dict.fromkeys(Severity.values, 0))[row["severity"]] = row["n"]
    times = list(incidents.values_list("started_at", "detected_at", "resolved_at"))
    detect = [(d - s).total_seconds() for s, d, _ in times if s and d]
    restore = [(r - s).total_seconds() for s, _, r in times if s and r]
    due = ActionItem.objects.for_team(team).filter(due_date__gte=since, due_date__lte=today).select_related("card")
    on_time = total = 0
    for item in due:
        total += 1
        finished = item.card.done_at if item.card is not None else item.completed_at
        if finished is not None and item.due_date is not None and timezone.localdate(finished) <= item.due_date:
            on_time += 1
    return {
        "incidents_by_month": [{"month": month, **counts} for month, counts in months.items()],
        "median_time_to_detect": median(detect) if detect else None,
        "median_time_to_restore": median(restore) if restore else None,
        "actions_due": total,
        "actions_done_on_time": on_time,
        "actions_on_time_share": round(on_time / total, 3) if total else None,
        "actions_overdue": ActionItem.objects.for_team(team).overdue(today).count(),
    }
