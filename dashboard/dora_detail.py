"""What each DORA key counted (the drill-down pages) and each key week by week (the trends chart).

Both read the same selectors as `dora.dora_metrics` (integrations.delivery, postmortems.incidents) and
reuse its pure parts, so a drill-down lists exactly what the number counted. A fixed number of
queries: one per deployment source, one for merged PRs, two for incidents, one for rollback merges.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from dashboard.dora import Key, deployment_index, fixes_of, merged_since, window_keys
from integrations.definitions import DoraDefinitions
from integrations.delivery import CountedDeployment, deployments_counted, merged_pulls
from integrations.models import Repository
from postmortems.incidents import Incident, incidents_counted
from teams.models import Team

KEYS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore",
}


@dataclass(frozen=True)
class LeadTime:
    repository: str
    number: int
    title: str
    html_url: str
    started_at: datetime  # the earlier of the first commit and the PR's creation
    merged_at: datetime
    deployed_at: datetime
    hours: float
    linked_by: str  # "commits": the deployment shipped its merge commit; "time": the next deployment after the merge


@dataclass(frozen=True)
class DeploymentOutcome:
    deployment: CountedDeployment
    reasons: list[str]  # why it counts as failed; empty: it did not fail


@dataclass(frozen=True)
class Counted:
    """Everything the four keys of one window counted."""

    keys: dict[str, Key]
    deployments: list[DeploymentOutcome]
    lead_times: list[LeadTime]
    incidents: list[Incident]


@dataclass(frozen=True)
class _Data:
    definitions: DoraDefinitions
    deployments: list[CountedDeployment]
    times: dict[int, list[datetime]]
    known: set[tuple[int, datetime]]
    merged: Sequence[Mapping[str, Any]]
    incidents: list[Incident]
    fixes: tuple


def _load(
    team: Team, definitions: DoraDefinitions, since: datetime, until: datetime, repository: Repository | None
) -> _Data:
    deployments = deployments_counted(team=team, definitions=definitions, until=until, repository=repository)
    times, known = deployment_index(deployments)
    merged = merged_pulls(
        team=team, definitions=definitions, since=merged_since(definitions, since), until=until, repository=repository
    )
    incidents = incidents_counted(team=team, definitions=definitions, since=since, until=until, repository=repository)
    fixes = fixes_of(team, repository, definitions, since, until)
    return _Data(definitions, deployments, times, known, merged, incidents, fixes)


def _window(data: _Data, start: datetime, end: datetime) -> Counted:
    """The keys of (start, end] from data loaded for a window that holds it."""
    in_window = [d for d in data.deployments if start < d.at <= end]
    # Deployments after `end` do not exist yet for this window: neither as a next deployment nor as a ship.
    times = {repo: [at for at in ats if at <= end] for repo, ats in data.times.items()}
    incidents = [i for i in data.incidents if start < i.opened_at <= end]
    fixes = ({repo: [at for at in ats if start < at <= end] for repo, ats in data.fixes[0].items()}, data.fixes[1])
    window = window_keys(
        definitions=data.definitions, start=start, end=end, in_window=[(d.repository_id, d.at) for d in in_window],
        times=times, known=data.known, merged=[row for row in data.merged if row["merged_at"] <= end],
        incidents=incidents, fixes=fixes,
    )  # fmt: skip
    leads = [
        LeadTime(
            row["repository__full_name"], row["number"], row["title"], row["html_url"],
            min(row["first_commit_at"] or row["created_at"], row["created_at"]), row["merged_at"], deployed_at, hours,
            linked_by,
        )
        for row, deployed_at, hours, linked_by in window.links
    ]  # fmt: skip
    outcomes = [DeploymentOutcome(d, r) for d, r in zip(in_window, window.reasons, strict=True)]
    return Counted(window.keys, outcomes, leads, incidents)


def dora_counted(
    *,
    team: Team,
    definitions: DoraDefinitions,
    days: int,
    repository: Repository | None = None,
    now: datetime | None = None,
) -> Counted:
    """The four keys of the last `days` days with every deployment, PR and incident they counted."""
    now = now or timezone.now()
    start = now - timedelta(days=days)
    return _window(_load(team, definitions, start, now, repository), start, now)


def dora_weekly(
    *,
    team: Team,
    definitions: DoraDefinitions,
    weeks: int = 26,
    repository: Repository | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Each key for each of the last `weeks` weeks (oldest first), from one load of the data."""
    now = now or timezone.now()
    start = now - timedelta(weeks=weeks)
    data = _load(team, definitions, start, now, repository)
    rows = []
    for week in range(weeks):
        begins = start + timedelta(weeks=week)
        counted = _window(data, begins, begins + timedelta(weeks=1))
        rows.append({"starts": begins.date(), **{name: key.as_dict() for name, key in counted.keys.items()}})
    return rows
