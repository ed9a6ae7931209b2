"""What each DORA key counted (the drill-down pages) and each key week by week (the trends chart).

Both read the same selectors as `dora.dora_metrics` (integrations.delivery, postmortems.incidents) and
reuse its pure parts, so a drill-down lists exactly what the number counted. A fixed number of
queries: one per deployment source, one for merged PRs, two for incidents, one for rollback merges.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from dashboard.dora import Key, deployment_index, deployments_since, fixes_of, merged_since, window_keys
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


class DoraData:
    """What the keys of windows within (since, until] read, each selector asked once, when first needed.

    Several panels of one dashboard render read parts of it (the pull request cycle its deployments, the
    learning panel its incidents); a panel refreshed alone asks only for the parts it reads.
    """

    def __init__(
        self,
        *,
        team: Team,
        definitions: DoraDefinitions,
        since: datetime,
        until: datetime,
        repository: Repository | None = None,
    ) -> None:
        self.team, self.definitions, self.repository = team, definitions, repository
        self.since, self.until = since, until

    @cached_property
    def deployments(self) -> list[CountedDeployment]:
        """The counted deployments the windows read (`dora.deployments_since`), oldest first."""
        return deployments_counted(
            team=self.team,
            definitions=self.definitions,
            since=deployments_since(self.definitions, self.since),
            until=self.until,
            repository=self.repository,
        )

    @cached_property
    def _index(self) -> tuple[dict[int, list[datetime]], set[tuple[int, datetime]]]:
        return deployment_index(self.deployments)

    @property
    def times(self) -> dict[int, list[datetime]]:
        return self._index[0]

    @property
    def known(self) -> set[tuple[int, datetime]]:
        return self._index[1]

    @cached_property
    def merged(self) -> Sequence[Mapping[str, Any]]:
        since = merged_since(self.definitions, self.since)
        return merged_pulls(
            team=self.team, definitions=self.definitions, since=since, until=self.until, repository=self.repository
        )

    @cached_property
    def incidents(self) -> list[Incident]:
        return incidents_counted(
            team=self.team, definitions=self.definitions, since=self.since, until=self.until, repository=self.repository
        )

    @cached_property
    def fixes(self) -> tuple:
        return fixes_of(self.team, self.repository, self.definitions, self.since, self.until)


def _window(data: DoraData, start: datetime, end: datetime) -> Counted:
    """The keys of (start, end] from data loaded for a window that holds it."""
    in_window = [d for d in data.deployments if start < d.at <= end]
    # Deployments after `end` do not exist yet for this window: neither as a next deployment nor as a ship.
    times = {repo: [at for at in ats if at <= end] for repo, ats in data.times.items()}
    incidents = [i for i in data.incidents if start < i.opened_at <= end]
    # The PRs `dora_metrics` reads for this window, when the data was loaded for a longer one.
    merged_after = merged_since(data.definitions, start)
    fixes = ({repo: [at for at in ats if start < at <= end] for repo, ats in data.fixes[0].items()}, data.fixes[1])
    window = window_keys(
        definitions=data.definitions, start=start, end=end, in_window=[(d.repository_id, d.at) for d in in_window],
        times=times, known=data.known, merged=[row for row in data.merged if merged_after < row["merged_at"] <= end],
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
    return _window(
        DoraData(team=team, definitions=definitions, since=start, until=now, repository=repository), start, now
    )


def dora_with_previous(*, data: DoraData, days: int) -> tuple[Counted, Counted]:
    """The four keys of the last `days` days of `data` and of the `days` before them (the dashboard's)."""
    start = data.until - timedelta(days=days)
    return _window(data, start, data.until), _window(data, start - timedelta(days=days), start)


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
    data = DoraData(team=team, definitions=definitions, since=start, until=now, repository=repository)
    rows = []
    for week in range(weeks):
        begins = start + timedelta(weeks=week)
        counted = _window(data, begins, begins + timedelta(weeks=1))
        rows.append({"starts": begins.date(), **{name: key.as_dict() for name, key in counted.keys.items()}})
    return rows
