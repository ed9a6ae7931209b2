"""What the dashboard panels and the report show, read from the other apps in a fixed number of queries.

Every function takes the team and returns plain data (dicts, lists, dataclasses); the
number of queries does not grow with repositories, pull requests, runs or alerts.
"""

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db.models import Count, F, Min, Q
from django.utils import timezone

from integrations.delivery import CountedDeployment
from integrations.models import DependabotAlert, PullRequest, Review, WorkflowRun
from kanban.models import Card, Column
from teams.models import Team

HOUR = 3600.0
DAY = 86400.0
BOT_SUFFIX = "[bot]"
SEVERITIES = ["critical", "high", "medium", "low"]


class OpenPull(TypedDict):
    """An open PR's row as the pulls panel shows it: its fields, then what the panel works out."""

    id: int
    repository__full_name: str
    number: int
    title: str
    author: str
    draft: bool
    review_state: str
    ci_state: str
    created_at: datetime
    updated_at: datetime
    html_url: str
    age_days: float
    stale: bool
    bot: bool
    review_label: str


class OpenAlert(TypedDict):
    repository__full_name: str
    number: int
    severity: str
    package: str
    summary: str
    created_at: datetime
    html_url: str
    age_days: int
    sla_days: int | None
    breached: bool


class AlertWeek(TypedDict):
    week: int
    starts: date
    opened: int
    fixed: int


class ColumnLoad(TypedDict):
    board__name: str
    name: str
    wip: int
    wip_limit: int | None
    is_done: bool
    over: bool


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def ci_summary(*, team: Team, now: datetime | None = None, days: int = 30) -> list[dict]:
    """Per repository and workflow: the latest run on the default branch and daily success rates."""
    now = now or timezone.now()
    start = now - timedelta(days=days)
    runs = (
        WorkflowRun.objects.for_team(team)
        .filter(created_at__gt=start, head_branch=F("repository__default_branch"))
        .order_by("created_at")
        .values("repository__full_name", "workflow_name", "status", "conclusion", "created_at", "html_url")
    )
    rows: dict[tuple[str, str], dict] = {}
    for run in runs:
        key = (run["repository__full_name"], run["workflow_name"])
        row = rows.setdefault(key, {"repository": key[0], "workflow": key[1], "days": defaultdict(Counter)})
        row["latest"] = run
        if run["status"] == "completed":
            day = (run["created_at"] - start).days
            row["days"][day]["success" if run["conclusion"] == "success" else "other"] += 1
    result = []
    for key in sorted(rows):
        row = rows[key]
        latest = row.pop("latest")
        row["state"] = run_state(latest["status"], latest["conclusion"])
        row["url"] = latest["html_url"]
        row["at"] = latest["created_at"]
        counts = row.pop("days")
        row["sparkline"] = _sparkline(counts, days)
        total = sum(c["success"] + c["other"] for c in counts.values())
        row["success_rate"] = round(100 * sum(c["success"] for c in counts.values()) / total) if total else None
        result.append(row)
    return result


def _sparkline(counts: dict, days: int) -> list[dict]:
    """One bar a day with runs: its success rate as a height of at most 18 px, 3 px apart."""
    bars = []
    for day in range(days):
        finished = counts[day]["success"] + counts[day]["other"]
        if finished:
            rate = round(100 * counts[day]["success"] / finished)
            height = max(2, round(rate * 18 / 100))
            bars.append({"x": day * 3, "y": 20 - height, "height": height, "rate": rate, "ok": rate >= 80})
    return bars


def run_state(status: str, conclusion: str) -> str:
    """passing / failing / running, as a badge says it."""
    if status != "completed":
        return "running"
    return "passing" if conclusion in ("success", "neutral", "skipped") else "failing"


def open_pulls(*, team: Team, stale_days: int, now: datetime | None = None, limit: int = 50) -> dict:
    """Open PRs, oldest first, with age, review and CI state; bots counted apart."""
    now = now or timezone.now()
    values = (
        PullRequest.objects.for_team(team)
        .filter(state="open", deleted_at=None)
        .order_by("created_at")
        .values(
            "id",
            "repository__full_name",
            "number",
            "title",
            "author",
            "draft",
            "review_state",
            "ci_state",
            "created_at",
            "updated_at",
            "html_url",
        )[: limit * 4]
    )
    stale_before = now - timedelta(days=stale_days)
    rows = [
        OpenPull(
            **row,
            age_days=round((now - row["created_at"]).total_seconds() / DAY, 1),
            stale=row["updated_at"] < stale_before,
            bot=row["author"].endswith(BOT_SUFFIX),
            review_label=row["review_state"].replace("_", " ").capitalize(),
        )
        for row in values
    ]
    humans = [r for r in rows if not r["bot"]]
    bots = [r for r in rows if r["bot"]]
    counts = (
        PullRequest.objects.for_team(team)
        .filter(state="open", deleted_at=None)
        .aggregate(total=Count("id"), bots=Count("id", filter=Q(author__endswith=BOT_SUFFIX)))
    )
    return {"humans": humans[:limit], "bots": bots[:limit], "total": counts["total"], "bot_total": counts["bots"]}


def pr_cycle_time(
    *, team: Team, deployments: Iterable[CountedDeployment], days: int = 30, now: datetime | None = None
) -> dict:
    """Median hours of the four stages of PRs merged in the window: coding, pickup, review, deploy.

    coding: first commit → opened; pickup: opened → first review; review: first review → merged;
    deploy: merged → the repository's next deployment as the team counts them for DORA (`deployments`:
    `integrations.delivery.deployments_counted` up to `now`, oldest first, read once for the dashboard).
    """
    now = now or timezone.now()
    start = now - timedelta(days=days)
    merged = list(
        PullRequest.objects.for_team(team)
        .filter(merged_at__gt=start, merged_at__lte=now, deleted_at=None)
        .annotate(first_review=Min("reviews__submitted_at"))
        .values("repository_id", "first_commit_at", "created_at", "first_review", "merged_at")
    )
    deploys: dict[int, list[datetime]] = defaultdict(list)
    for deployment in deployments:
        if start < deployment.at <= now:
            deploys[deployment.repository_id].append(deployment.at)
    stages: dict[str, list[float]] = {"coding": [], "pickup": [], "review": [], "deploy": []}
    for pr in merged:
        merged_at = pr["merged_at"]
        if merged_at is None:  # never: the filter above excludes it, but the column is nullable
            continue
        if pr["first_commit_at"]:
            stages["coding"].append(_hours(pr["created_at"] - pr["first_commit_at"]))
        if pr["first_review"]:
            stages["pickup"].append(_hours(pr["first_review"] - pr["created_at"]))
            stages["review"].append(_hours(merged_at - pr["first_review"]))
        following = [at for at in deploys.get(pr["repository_id"], []) if at >= merged_at]
        if following:
            stages["deploy"].append(_hours(following[0] - merged_at))
    return {"merged": len(merged), **{name: _median(values) for name, values in stages.items()}}


def _hours(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0) / HOUR


def dependabot_summary(*, team: Team, sla_days: dict[str, int], now: datetime | None = None, weeks: int = 12) -> dict:
    """Open alerts by severity and repository, oldest first with SLA breaches; weekly history; time to fix."""
    now = now or timezone.now()
    open_rows: list[OpenAlert] = []
    for row in (
        DependabotAlert.objects.for_team(team)
        .filter(state="open")
        .order_by("created_at")
        .values("repository__full_name", "number", "severity", "package", "summary", "created_at", "html_url")[:100]
    ):
        age_days = (now - row["created_at"]).days
        sla = sla_days.get(row["severity"])
        open_rows.append(OpenAlert(**row, age_days=age_days, sla_days=sla, breached=sla is not None and age_days > sla))
    by_severity = dict(
        DependabotAlert.objects.for_team(team)
        .filter(state="open")
        .values_list("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    start = now - timedelta(weeks=weeks)
    history = [AlertWeek(week=i, starts=(start + timedelta(weeks=i)).date(), opened=0, fixed=0) for i in range(weeks)]
    fix_days = []
    for created_at, fixed_at in (
        DependabotAlert.objects.for_team(team)
        .filter(Q(created_at__gt=start) | Q(fixed_at__gt=start))
        .values_list("created_at", "fixed_at")
    ):
        if created_at > start:
            history[min((created_at - start).days // 7, weeks - 1)]["opened"] += 1
        if fixed_at and fixed_at > start:
            history[min((fixed_at - start).days // 7, weeks - 1)]["fixed"] += 1
            fix_days.append((fixed_at - created_at).total_seconds() / DAY)
    return {
        "open": open_rows,
        "by_severity": [(s, by_severity.get(s, 0)) for s in SEVERITIES],
        "open_total": sum(by_severity.values()),
        "breaches": sum(1 for row in open_rows if row["breached"]),
        "history": history,
        "mean_days_to_fix": round(sum(fix_days) / len(fix_days), 1) if fix_days else None,
    }


def board_summary(*, team: Team, now: datetime | None = None, weeks: int = 8) -> dict:
    """WIP per column against its limit (every board), blocked cards, weekly median cycle time."""
    now = now or timezone.now()
    columns = [
        ColumnLoad(**column, over=column["wip_limit"] is not None and column["wip"] > column["wip_limit"])
        for column in Column.objects.for_team(team)
        .annotate(wip=Count("cards", filter=Q(cards__archived_at=None)))
        .values("board__name", "name", "wip", "wip_limit", "is_done")
        .order_by("board__name", "board_id", "position", "id")
    ]
    blocked = list(
        Card.objects.for_team(team)
        .filter(blocked=True, archived_at=None)
        .order_by("updated_at")
        .values("id", "title", "blocked_reason", "board_id")[:20]
    )
    start = now - timedelta(weeks=weeks)
    per_week: dict[int, list[float]] = defaultdict(list)
    for started_at, done_at in (
        Card.objects.for_team(team)
        .filter(done_at__gt=start, started_at__isnull=False)
        .values_list("started_at", "done_at")
    ):
        if started_at is None or done_at is None:  # never: the filter above excludes both
            continue
        per_week[min((done_at - start).days // 7, weeks - 1)].append((done_at - started_at).total_seconds() / DAY)
    trend = [
        {"starts": (start + timedelta(weeks=i)).date(), "median_days": _median(per_week[i]), "done": len(per_week[i])}
        for i in range(weeks)
    ]
    return {"columns": [c for c in columns if not c["is_done"]], "blocked": blocked, "cycle_trend": trend}


def first_review_hours(*, team: Team, start: datetime, end: datetime) -> list[float]:
    """Hours from opening to the first review, for PRs opened in the window that got one."""
    rows = (
        Review.objects.for_team(team)
        .filter(pull_request__created_at__gt=start, pull_request__created_at__lte=end)
        .values("pull_request_id", "pull_request__created_at")
        .annotate(first=Min("submitted_at"))
    )
    return [_hours(row["first"] - row["pull_request__created_at"]) for row in rows if row["first"]]
