"""DORA's four keys, computed from the team's synced GitHub data and its postmortems.

The default definitions are the ones in CONTRACT.md; a team changes the choices that differ most
between teams in its dashboard settings: what counts as a deployment (GitHub deployments to chosen
environments, runs of a workflow, releases: `integrations.delivery`), which issue label marks an
incident, and a window in which a rollback or hotfix marks a deployment as failed. The window of
the keys is the last `days` days up to `now`. The defaults:

- Deployment: a GitHub deployment to a production environment whose statuses include `success`,
  at the time of that status (GitHub marks a superseded deployment `inactive` later: it still counts).
- Lead time for changes: for each PR merged in the window, from its first commit or its creation,
  whichever is earlier (a commit authored after the PR opened, by clock skew or a rebase, would
  shorten it, even below zero), to the first deployment of the same repository at or after the
  merge; PRs with no such deployment are left out. Median, in hours.
- Change failure rate: a deployment in the window failed when an incident issue of the same
  repository, or a postmortem attributed to it, was opened after it and no later than the
  repository's next deployment.
- Time to restore: median over incidents opened in the window and closed (issues: closed −
  created; postmortems: resolved − started), in hours.
"""

import bisect
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from integrations import delivery
from integrations.definitions import DoraDefinitions
from integrations.models import PullRequest, Repository
from postmortems.incidents import Incident, incidents_counted
from teams.models import Team

__all__ = ["DoraDefinitions", "Key", "dora_metrics"]

HOUR = 3600.0

# (band, predicate on the value), best first; the first that holds names the band.
Bands = list[tuple[str, Callable[[float], bool]]]
FREQUENCY_BANDS: Bands = [
    ("elite", lambda v: v >= 1),
    ("high", lambda v: v >= 1 / 7),
    ("medium", lambda v: v >= 1 / 30),
]
LEAD_TIME_BANDS: Bands = [
    ("elite", lambda v: v < 24),
    ("high", lambda v: v < 24 * 7),
    ("medium", lambda v: v < 24 * 30),
]
FAILURE_BANDS: Bands = [("elite", lambda v: v <= 0.05), ("high", lambda v: v <= 0.10), ("medium", lambda v: v <= 0.15)]
RESTORE_BANDS: Bands = [("elite", lambda v: v < 1), ("high", lambda v: v < 24), ("medium", lambda v: v < 24 * 7)]


@dataclass(frozen=True)
class Key:
    value: float | None
    unit: str
    band: str | None
    sample_size: int

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "band": self.band, "sample_size": self.sample_size}

    @property
    def text(self) -> str:
        """The value as a person reads it: with its unit, two significant places at most, long hours in days."""
        if self.value is None:
            return "no data"
        if self.unit == "ratio":
            return f"{round(100 * self.value)} %"
        if self.unit == "per_day":
            return f"{self.value:.2f} / day" if self.value >= 0.1 else f"{7 * self.value:.1f} / week"
        return f"{self.value:.1f} h" if self.value < 48 else f"{self.value / 24:.1f} days"


def _key(value: float | None, *, unit: str, sample: int, bands: Bands) -> Key:
    if not sample or value is None:
        return Key(None, unit, None, sample)
    band = next((name for name, holds in bands if holds(value)), "low")
    return Key(round(value, 4), unit, band, sample)


def dora_metrics(
    *,
    team: Team,
    days: int,
    repository: Repository | None = None,
    definitions: DoraDefinitions | None = None,
    now: datetime | None = None,
) -> dict[str, Key]:
    """The four keys over the last `days` days (see the module docstring for the definitions)."""
    definitions = definitions or DoraDefinitions()
    now = now or timezone.now()
    start = now - timedelta(days=days)
    deploy_times = delivery.deployment_times(team=team, definitions=definitions, until=now, repository=repository)
    in_window = [(repo_id, at) for repo_id, times in deploy_times.items() for at in times if at > start]
    # Every incident either key looks at was opened inside the window.
    incidents = incidents_counted(team=team, definitions=definitions, since=start, until=now, repository=repository)
    fixes = fixes_of(team, repository, definitions, start, now)

    frequency = frequency_key(len(in_window), days)
    if definitions.sources == ("deployments",):
        lead_time = _lead_time(team, repository, definitions, start, now)
    else:
        lead_time = _lead_time_to(deploy_times, team, repository, start, now)
    return {
        "deployment_frequency": frequency,
        "lead_time_for_changes": lead_time,
        "change_failure_rate": _failure_rate(in_window, deploy_times, incidents, fixes),
        "time_to_restore": restore_key(incidents),
    }


Fixes = tuple[dict[int, list[datetime]], timedelta]


def fixes_of(
    team: Team, repository: Repository | None, definitions: DoraDefinitions, start: datetime, now: datetime
) -> Fixes:
    """Rollback and hotfix merges with the window they mark a deployment failed in; none when the team counts none."""
    if not definitions.rollback_hours:
        return {}, timedelta(0)
    window = timedelta(hours=definitions.rollback_hours)
    return delivery.fix_merges(team=team, since=start, until=now, repository=repository), window


def _merged(team: Team, repository: Repository | None, start: datetime, now: datetime) -> QuerySet[PullRequest]:
    merged = PullRequest.objects.for_team(team).filter(merged_at__gt=start, merged_at__lte=now, deleted_at=None)
    return merged.filter(repository=repository) if repository is not None else merged


def _lead_time(
    team: Team, repository: Repository | None, definitions: DoraDefinitions, start: datetime, now: datetime
) -> Key:
    # The first counted deployment at or after each merge, found by the database: one duration
    # per PR comes back instead of every PR's and every deployment's timestamps.
    next_deploy = (
        delivery.github_deployments(team=team, definitions=definitions)
        .filter(repository=OuterRef("repository"), succeeded_at__gte=OuterRef("merged_at"), succeeded_at__lte=now)
        .order_by("succeeded_at")
        .values("succeeded_at")[:1]
    )
    durations = (
        _merged(team, repository, start, now)
        .annotate(deployed_at=Subquery(next_deploy))
        .exclude(deployed_at=None)
        .annotate(
            lead=ExpressionWrapper(
                F("deployed_at") - Least(Coalesce("first_commit_at", "created_at"), "created_at"),
                output_field=DurationField(),
            )
        )
        .values_list("lead", flat=True)
    )
    return lead_time_key([lead.total_seconds() / HOUR for lead in durations])


def _lead_time_to(
    deploy_times: dict[int, list[datetime]],
    team: Team,
    repository: Repository | None,
    start: datetime,
    now: datetime,
) -> Key:
    """Lead time against deployments from any source: the first at or after each merge, found by bisection."""
    merged = _merged(team, repository, start, now).values("repository_id", "first_commit_at", "created_at", "merged_at")
    hours = [lead for _, _, lead in lead_times(merged, deploy_times)]
    return lead_time_key(hours)


def lead_times(
    merged: Iterable[Mapping[str, Any]], deploy_times: dict[int, list[datetime]]
) -> list[tuple[Mapping[str, Any], datetime, float]]:
    """(PR row, deployed at, hours) of merged PR rows that a deployment in `deploy_times` shipped.

    Each row has `repository_id`, `first_commit_at`, `created_at` and `merged_at`; lead time runs
    from the earlier of its first commit and its creation to the first deployment at or after the merge.
    """
    found = []
    for row in merged:
        times = deploy_times.get(row["repository_id"], [])
        merged_at = row["merged_at"]
        if merged_at is None:  # never: merged PRs are asked for, but the column is nullable
            continue
        index = bisect.bisect_left(times, merged_at)
        if index < len(times):
            started = min(row["first_commit_at"] or row["created_at"], row["created_at"])
            found.append((row, times[index], (times[index] - started).total_seconds() / HOUR))
    return found


def lead_time_key(hours: list[float]) -> Key:
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=LEAD_TIME_BANDS)


def frequency_key(count: int, days: float) -> Key:
    return _key(count / days, unit="per_day", sample=count, bands=FREQUENCY_BANDS)


def failure_reasons(
    in_window: list[tuple[int, datetime]],
    deploys: dict[int, list[datetime]],
    incidents: list[Incident],
    fixes: Fixes,
) -> list[list[str]]:
    """Why each deployment of `in_window` failed (its incidents, a rollback or hotfix), empty when it did not."""
    opened_by_repo: dict[int, list[Incident]] = defaultdict(list)
    attributed: dict[tuple[int, datetime], list[str]] = defaultdict(list)
    for incident in incidents:
        if incident.kind == "issue" and incident.repository_id is not None:
            opened_by_repo[incident.repository_id].append(incident)
        if incident.deployment_key:
            attributed[incident.deployment_key].append(f"postmortem “{incident.title}” attributed to it")
    result = []
    for repository_id, at in in_window:
        times = deploys[repository_id]
        following = times[bisect.bisect_right(times, at) :]
        until = following[0] if following else None
        # An incident opened at the very second of the next deployment is blamed on this one:
        # nothing the next deployment shipped can have failed yet.
        reasons = [
            f"incident issue {incident.title}"
            for incident in opened_by_repo.get(repository_id, [])
            if at < incident.opened_at and (until is None or incident.opened_at <= until)
        ]
        if any(
            at < merged_at <= at + fixes[1] and (until is None or merged_at < until)
            for merged_at in fixes[0].get(repository_id, [])
        ):
            reasons.append("a rollback or hotfix merged after it")
        result.append(reasons + attributed.get((repository_id, at), []))
    return result


def _failure_rate(
    in_window: list[tuple[int, datetime]],
    deploys: dict[int, list[datetime]],
    incidents: list[Incident],
    fixes: Fixes,
) -> Key:
    failed = sum(1 for reasons in failure_reasons(in_window, deploys, incidents, fixes) if reasons)
    return failure_rate_key(failed, len(in_window))


def failure_rate_key(failed: int, deployments: int) -> Key:
    value = failed / deployments if deployments else None
    return _key(value, unit="ratio", sample=deployments, bands=FAILURE_BANDS)


def restore_key(incidents: list[Incident]) -> Key:
    hours = [incident.restore_hours for incident in incidents if incident.restore_hours is not None]
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=RESTORE_BANDS)
