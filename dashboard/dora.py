"""DORA's four keys, computed from the team's synced GitHub data and its postmortems.

The default definitions are the ones in CONTRACT.md; a team changes the choices that differ most
between teams in its dashboard settings: what counts as a deployment (GitHub deployments to chosen
environments, runs of a workflow, releases: `dashboard.deploys`), which issue label marks an
incident, and a window in which a rollback or hotfix marks a deployment as failed. The window of
the keys is the last `days` days up to `now`. The defaults:

- Deployment: a GitHub deployment to a production environment whose latest status is `success`,
  at the time of that status.
- Lead time for changes: for each PR merged in the window, from its first commit (its creation
  when the first commit is unknown) to the first deployment of the same repository at or after
  the merge; PRs with no such deployment are left out. Median, in hours.
- Change failure rate: a deployment in the window failed when an incident issue of the same
  repository, or a postmortem attributed to it, was opened after it and before the repository's
  next deployment.
- Time to restore: median over incidents opened in the window and closed (issues: closed −
  created; postmortems: resolved − started), in hours.
"""

import bisect
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dashboard import deploys
from dashboard.deploys import TRIGGERS
from dashboard.incidents import Incident, postmortem_incidents
from integrations.models import Deployment, Issue, PullRequest, Repository
from teams.models import Team

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
class DoraDefinitions:
    environments: tuple[str, ...] = ("production",)
    incident_label: str = "incident"
    # What counts as a deployment: any of deploys.SOURCES; the default is the CONTRACT's.
    sources: tuple[str, ...] = ("deployments",)
    workflow: str = ""  # the workflow whose runs count, with "workflow" in `sources`
    workflow_trigger: str = "default_branch"  # or "tags" (deploys.TRIGGERS)
    # A rollback or hotfix merged within this many hours of a deployment marks it failed; 0: not counted.
    rollback_hours: int = 0

    def deployment_text(self) -> str:
        """What counts as a deployment, in the words the dashboard shows."""
        parts = []
        if "deployments" in self.sources:
            environments = ", ".join(self.environments)
            parts.append(f"a GitHub deployment to {environments} whose latest status is success, at that status")
        if "workflow" in self.sources and self.workflow:
            trigger = TRIGGERS.get(self.workflow_trigger, "")
            parts.append(f"a successful run of the workflow “{self.workflow}” {trigger}, when it finished")
        if "releases" in self.sources:
            parts.append("a published release (no drafts or prereleases), when it was published")
        return "; or ".join(parts) or "nothing (no deployment source chosen)"

    def rollback_text(self) -> str:
        if not self.rollback_hours:
            return ""
        return (
            f"a pull request merged within {self.rollback_hours} h of it, before the next deployment, whose title "
            "starts with “Revert” or names a hotfix or rollback (or whose branch starts with revert- or hotfix)"
        )


@dataclass(frozen=True)
class IncidentIssue:
    repository_id: int
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class Key:
    value: float | None
    unit: str
    band: str | None
    sample_size: int

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "band": self.band, "sample_size": self.sample_size}


def _key(value: float | None, *, unit: str, sample: int, bands: Bands) -> Key:
    if not sample or value is None:
        return Key(None, unit, None, sample)
    band = next((name for name, holds in bands if holds(value)), "low")
    return Key(round(value, 4), unit, band, sample)


def _deploy_times(
    team: Team, repositories: QuerySet[Repository], definitions: DoraDefinitions, until: datetime
) -> dict[int, list[datetime]]:
    """Deployment times per repository id, sorted, up to `until`, from every source the team counts."""
    times: dict[int, list[datetime]] = defaultdict(list)
    if "deployments" in definitions.sources:
        for repository_id, at in _github_deploy_times(team, repositories, definitions, until):
            times[repository_id].append(at)
    extra = []
    if "workflow" in definitions.sources and definitions.workflow:
        extra.append(
            deploys.workflow_deploy_times(
                team, repositories, workflow=definitions.workflow, trigger=definitions.workflow_trigger, until=until
            )
        )
    if "releases" in definitions.sources:
        extra.append(deploys.release_deploy_times(team, repositories, until=until))
    for source in extra:
        for repository_id, more in source.items():
            times[repository_id].extend(more)
    if extra:
        for repository_times in times.values():
            repository_times.sort()
    return times


def _github_deploy_times(
    team: Team, repositories: QuerySet[Repository], definitions: DoraDefinitions, until: datetime
) -> list[tuple[int, datetime]]:
    """(repository id, time) of successful GitHub deployments to the chosen environments, oldest first."""
    rows = (
        Deployment.objects.for_team(team)
        .filter(
            repository__in=repositories,
            environment__in=definitions.environments,
            status="success",
            status_updated_at__lte=until,
        )
        .order_by("status_updated_at")
        .values_list("repository_id", "status_updated_at")
    )
    # The filter excludes a null time, but the column is nullable.
    return [(repository_id, at) for repository_id, at in rows if at is not None]


def _incident_issues(
    team: Team, repositories: QuerySet[Repository], definitions: DoraDefinitions, since: datetime, until: datetime
) -> list[IncidentIssue]:
    # Labels are a JSON list of names; matching them in Python keeps one query shape on every database.
    label = definitions.incident_label.lower()
    rows = (
        Issue.objects.for_team(team)
        .filter(repository__in=repositories, created_at__gt=since, created_at__lte=until, deleted_at=None)
        .values_list("repository_id", "labels", "created_at", "closed_at")
    )
    return [
        IncidentIssue(repository_id, created_at, closed_at)
        for repository_id, labels, created_at, closed_at in rows
        if label in {name.lower() for name in labels}
    ]


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
    repositories = Repository.objects.filter(pk=repository.pk) if repository else Repository.objects.for_team(team)
    deploy_times = _deploy_times(team, repositories, definitions, until=now)
    in_window = [(repo_id, at) for repo_id, times in deploy_times.items() for at in times if at > start]
    # Every incident either key looks at was opened inside the window.
    issues = _incident_issues(team, repositories, definitions, since=start, until=now)
    incidents = postmortem_incidents(team=team, repository=repository, since=start, until=now)

    fixes = _fixes(team, repositories, definitions, start, now)

    frequency = _key(len(in_window) / days, unit="per_day", sample=len(in_window), bands=FREQUENCY_BANDS)
    if definitions.sources == ("deployments",):
        lead_time = _lead_time(team, repositories, definitions, start, now)
    else:
        lead_time = _lead_time_to(deploy_times, team, repositories, start, now)
    return {
        "deployment_frequency": frequency,
        "lead_time_for_changes": lead_time,
        "change_failure_rate": _failure_rate(in_window, deploy_times, issues, incidents, fixes),
        "time_to_restore": _time_to_restore(issues, incidents),
    }


Fixes = tuple[dict[int, list[datetime]], timedelta]


def _fixes(
    team: Team, repositories: QuerySet[Repository], definitions: DoraDefinitions, start: datetime, now: datetime
) -> Fixes:
    """Rollback and hotfix merges with the window they mark a deployment failed in; none when the team counts none."""
    if not definitions.rollback_hours:
        return {}, timedelta(0)
    window = timedelta(hours=definitions.rollback_hours)
    return deploys.fix_merges(team, repositories, since=start, until=now), window


def _lead_time(
    team: Team, repositories: QuerySet[Repository], definitions: DoraDefinitions, start: datetime, now: datetime
) -> Key:
    # The first counted deployment at or after each merge, found by the database: one duration
    # per PR comes back instead of every PR's and every deployment's timestamps.
    next_deploy = (
        Deployment.objects.filter(
            repository=OuterRef("repository"),
            environment__in=definitions.environments,
            status="success",
            status_updated_at__gte=OuterRef("merged_at"),
            status_updated_at__lte=now,
        )
        .order_by("status_updated_at")
        .values("status_updated_at")[:1]
    )
    durations = (
        PullRequest.objects.for_team(team)
        .filter(repository__in=repositories, merged_at__gt=start, merged_at__lte=now, deleted_at=None)
        .annotate(deployed_at=Subquery(next_deploy))
        .exclude(deployed_at=None)
        .annotate(
            lead=ExpressionWrapper(
                F("deployed_at") - Coalesce("first_commit_at", "created_at"), output_field=DurationField()
            )
        )
        .values_list("lead", flat=True)
    )
    hours = [lead.total_seconds() / HOUR for lead in durations]
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=LEAD_TIME_BANDS)


def _lead_time_to(
    deploy_times: dict[int, list[datetime]],
    team: Team,
    repositories: QuerySet[Repository],
    start: datetime,
    now: datetime,
) -> Key:
    """Lead time against deployments from any source: the first at or after each merge, found by bisection."""
    merged = (
        PullRequest.objects.for_team(team)
        .filter(repository__in=repositories, merged_at__gt=start, merged_at__lte=now, deleted_at=None)
        .values_list("repository_id", "first_commit_at", "created_at", "merged_at")
    )
    hours = []
    for repository_id, first_commit_at, created_at, merged_at in merged:
        times = deploy_times.get(repository_id, [])
        if merged_at is None:  # never: the filter above excludes it, but the column is nullable
            continue
        index = bisect.bisect_left(times, merged_at)
        if index < len(times):
            hours.append((times[index] - (first_commit_at or created_at)).total_seconds() / HOUR)
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=LEAD_TIME_BANDS)


def _failure_rate(
    in_window: list[tuple[int, datetime]],
    deploys: dict[int, list[datetime]],
    issues: list[IncidentIssue],
    incidents: list[Incident],
    fixes: Fixes,
) -> Key:
    opened_by_repo: dict[int, list[datetime]] = defaultdict(list)
    for issue in issues:
        opened_by_repo[issue.repository_id].append(issue.created_at)
    attributed = {incident.deployment_key for incident in incidents if incident.deployment_key}
    failed = 0
    for repository_id, at in in_window:
        times = deploys[repository_id]
        following = times[bisect.bisect_right(times, at) :]
        until = following[0] if following else None
        opened = opened_by_repo.get(repository_id, [])
        hit = any(at < opened_at and (until is None or opened_at < until) for opened_at in opened)
        fixed = any(
            at < merged_at <= at + fixes[1] and (until is None or merged_at < until)
            for merged_at in fixes[0].get(repository_id, [])
        )
        if hit or fixed or (repository_id, at) in attributed:
            failed += 1
    value = failed / len(in_window) if in_window else None
    return _key(value, unit="ratio", sample=len(in_window), bands=FAILURE_BANDS)


def _time_to_restore(issues: list[IncidentIssue], incidents: list[Incident]) -> Key:
    hours = [(issue.closed_at - issue.created_at).total_seconds() / HOUR for issue in issues if issue.closed_at]
    hours += [
        (incident.resolved_at - incident.started_at).total_seconds() / HOUR
        for incident in incidents
        if incident.resolved_at
    ]
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=RESTORE_BANDS)
