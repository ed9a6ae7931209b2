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
  shorten it, even below zero), to the deployment that shipped its merge commit (GitHub's compare
  of each deployment with the previous one of its environment: integrations/github/sync_shipped.py).
  Where those commits are not known (a first deployment, a missing sha, releases, workflow runs),
  by time: the first deployment of the same repository at or after the merge. PRs with no such
  deployment are left out. Median, in hours.
- Change failure rate: a deployment in the window failed when an incident issue of the same
  repository, or a postmortem attributed to it, was opened after it and no later than the
  repository's next deployment.
- Time to restore: median over incidents opened in the window and closed (issues: closed −
  created; postmortems: resolved − started), in hours.
"""

import bisect
import operator
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from integrations import delivery
from integrations.definitions import DoraDefinitions
from integrations.models import Repository
from postmortems.incidents import Incident, incidents_counted
from teams.models import Team

__all__ = ["DoraDefinitions", "Key", "dora_metrics"]

HOUR = 3600.0

# (band, comparison, boundary), best first; the first that holds for the value names the band.
Bands = list[tuple[str, str, float]]
HOLDS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<": operator.lt, "<=": operator.le}
# DORA's Accelerate State of DevOps Report 2023 (the CONTRACT's bands), its software delivery
# performance clusters: deployment frequency elite "on demand", high "between once per day and once
# per week", medium "between once per week and once per month"; lead time elite "less than one
# day", high "between one day and one week", medium "between one week and one month"; change
# failure rate elite 5 %, high 10 %, medium 15 %; failed deployment recovery time elite "less
# than one hour", high "less than one day", medium "between one day and one week". The report's
# low cluster overlaps medium; as DevLake does, low is everything below medium.
FREQUENCY_BANDS: Bands = [
    ("elite", ">=", 1),
    ("high", ">=", 1 / 7),
    ("medium", ">=", 1 / 30),
]
LEAD_TIME_BANDS: Bands = [
    ("elite", "<", 24),
    ("high", "<", 24 * 7),
    ("medium", "<", 24 * 30),
]
FAILURE_BANDS: Bands = [("elite", "<=", 0.05), ("high", "<=", 0.10), ("medium", "<=", 0.15)]
RESTORE_BANDS: Bands = [("elite", "<", 1), ("high", "<", 24), ("medium", "<", 24 * 7)]
# DORA's Accelerate State of DevOps Report 2021: deployment frequency elite "on-demand (multiple
# deploys per day)", high "between once per week and once per month", medium "between once per
# month and once every 6 months", low "fewer than once every six months"; lead time elite "less
# than one hour", high "between one day and one week", medium "between one month and six months",
# low "more than six months"; time to restore elite "less than one hour", high "less than one
# day", medium "between one day and one week"; change failure rate elite 0-15 %, the others
# 16-30 % (split as DevLake's 2021 table does: high up to 20 %, medium up to 30 %).
BENCHMARKS: dict[str, dict[str, Bands]] = {
    "2023": {
        "deployment_frequency": FREQUENCY_BANDS,
        "lead_time_for_changes": LEAD_TIME_BANDS,
        "change_failure_rate": FAILURE_BANDS,
        "time_to_restore": RESTORE_BANDS,
    },
    "2021": {
        "deployment_frequency": [
            ("elite", ">=", 1),
            ("high", ">=", 1 / 30),
            ("medium", ">=", 1 / 182),
        ],
        "lead_time_for_changes": [
            ("elite", "<", 1),
            ("high", "<", 24 * 7),
            ("medium", "<", 24 * 182),
        ],
        "change_failure_rate": [
            ("elite", "<=", 0.15),
            ("high", "<=", 0.20),
            ("medium", "<=", 0.30),
        ],
        "time_to_restore": RESTORE_BANDS,
    },
}
# PRs deployed in the period (DORA 2023) may have been merged before it: this far back at most.
DEPLOYED_LOOKBACK = timedelta(days=90)

Fixes = tuple[dict[int, list[datetime]], timedelta]
Known = set[tuple[int, datetime]]  # (repository id, time) of deployments whose shipped commits are known


@dataclass(frozen=True)
class Key:
    value: float | None
    unit: str
    band: str | None
    sample_size: int
    # Lead time only: how many of the PRs counted were linked to their deployment by commits (the rest by time).
    by_commits: int | None = None

    @property
    def by_time(self) -> int:
        """Lead time only: how many of the PRs were linked to their deployment by time."""
        return self.sample_size - (self.by_commits or 0)

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
        if self.unit in ("days_per_week", "days_per_month"):
            return f"{self.value:g} deployment days / {self.unit.removeprefix('days_per_')}"
        return f"{self.value:.1f} h" if self.value < 48 else f"{self.value / 24:.1f} days"


def _key(value: float | None, *, unit: str, sample: int, bands: Bands) -> Key:
    if not sample or value is None:
        return Key(None, unit, None, sample)
    band = next((name for name, op, boundary in bands if HOLDS[op](value, boundary)), "low")
    return Key(round(value, 4), unit, band, sample)


def boundaries(definitions: DoraDefinitions) -> dict[str, list[tuple[str, float]]]:
    """Each key's band boundaries in its unit under the team's choices, best first (the trends chart's lines)."""
    bands = BENCHMARKS.get(definitions.benchmarks, BENCHMARKS["2023"])
    symbols = {">=": "≥", "<": "<", "<=": "≤"}
    found = {
        key: [(f"{name} {symbols[op]} {boundary:.3g}", boundary) for name, op, boundary in table]
        for key, table in bands.items()
    }
    if definitions.frequency_unit == "days_per_week":
        found["deployment_frequency"] = [("elite: 7 days", 7), ("high: 1 day", 1)]
    elif definitions.frequency_unit == "days_per_month":
        found["deployment_frequency"] = [("medium: 1 day", 1)]
    return found


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
    deployments = delivery.deployments_counted(team=team, definitions=definitions, until=now, repository=repository)
    deploy_times, known = deployment_index(deployments)
    in_window = [(d.repository_id, d.at) for d in deployments if d.at > start]
    # Every incident either key looks at was opened inside the window.
    incidents = incidents_counted(team=team, definitions=definitions, since=start, until=now, repository=repository)
    fixes = fixes_of(team, repository, definitions, start, now)
    merged = delivery.merged_pulls(
        team=team, definitions=definitions, since=merged_since(definitions, start), until=now, repository=repository
    )
    return window_keys(
        definitions=definitions, start=start, end=now, in_window=in_window, times=deploy_times, known=known,
        merged=merged, incidents=incidents, fixes=fixes,
    ).keys  # fmt: skip


def merged_since(definitions: DoraDefinitions, start: datetime) -> datetime:
    """Since when merged PRs are read for a window starting at `start`."""
    return start - DEPLOYED_LOOKBACK if definitions.lead_time_pulls == "deployed" else start


def deployments_since(definitions: DoraDefinitions, start: datetime) -> datetime:
    """Since when deployments are read for windows starting at `start` or later.

    A lead time's deployment comes after the PR's merge (read since `merged_since`), a failure or a
    recovery looks at the next deployment, and deployment days count whole weeks and months back from
    a window's end: a window shorter than a month still looks back one.
    """
    since = merged_since(definitions, start)
    if definitions.frequency_unit in ("days_per_week", "days_per_month"):
        since = min(since, start - timedelta(days=30))
    return since


Link = tuple[Mapping[str, Any], datetime, float, str]


@dataclass(frozen=True)
class Window:
    """The four keys of one window, with why each of its deployments failed and each PR's lead time."""

    keys: dict[str, Key]
    reasons: list[list[str]]  # one per deployment of `in_window`; empty: it did not fail
    links: list[Link]  # (PR row, deployed at, hours, linked by) of the PRs lead time counted


def window_keys(
    *,
    definitions: DoraDefinitions,
    start: datetime,
    end: datetime,
    in_window: list[tuple[int, datetime]],
    times: Mapping[int, list[datetime]],
    known: Known,
    merged: Iterable[Mapping[str, Any]],
    incidents: list[Incident],
    fixes: Fixes,
) -> Window:
    """The keys of (start, end] under the team's definitions, from deployment `times` up to `end` (per
    repository), the deployments `in_window`, PRs merged since `merged_since`, and the window's incidents."""
    bands = BENCHMARKS.get(definitions.benchmarks, BENCHMARKS["2023"])
    reasons = failure_reasons(in_window, dict(times), incidents, fixes)
    links = lead_times(merged, times, known)
    if definitions.lead_time_pulls == "deployed":
        links = [link for link in links if start < link[1] <= end]
    else:
        links = [link for link in links if start < link[0]["merged_at"] <= end]
    failed = sum(1 for reason in reasons if reason)
    if definitions.recovery == "failed_deployments":
        restore = recovery_key(in_window, reasons, times, bands["time_to_restore"])
    else:
        restore = restore_key(incidents, bands["time_to_restore"])
    keys = {
        "deployment_frequency": frequency_of(definitions, [at for _, at in in_window], times, start, end, bands),
        "lead_time_for_changes": lead_time_of(links, bands["lead_time_for_changes"]),
        "change_failure_rate": failure_rate_key(failed, len(in_window), bands["change_failure_rate"]),
        "time_to_restore": restore,
    }
    return Window(keys, reasons, links)


def frequency_of(
    definitions: DoraDefinitions,
    in_window: list[datetime],
    times: Mapping[int, list[datetime]],
    start: datetime,
    end: datetime,
    bands: dict[str, Bands],
) -> Key:
    """Deployments per day (the CONTRACT's), or DORA 2023's median deployment days per week or month.

    Deployment days (UTC dates with a deployment, any repository) are counted in periods of 7 or 30
    days ending at `end`, as many as the window holds (one at least: a 7-day window's month looks back
    30 days). The band, as DevLake reads the reports: elite when the weekly median is 7 (a deployment
    every day: "on demand"), high at one a week (2023; 2021: one a month), medium at one a month
    (2023; 2021: "once every six months", longer than any window: any deployment day).
    """
    days = (end - start).total_seconds() / 86400
    count = len(in_window)
    if definitions.frequency_unit not in ("days_per_week", "days_per_month"):
        return frequency_key(count, days, bands["deployment_frequency"])
    every = sorted(at for ats in times.values() for at in ats if at <= end)
    weekly, monthly = _median_days(every, end, days, 7), _median_days(every, end, days, 30)
    value, unit = (
        (weekly, "days_per_week") if definitions.frequency_unit == "days_per_week" else (monthly, "days_per_month")
    )
    if not count:
        return Key(None, unit, None, 0)
    if weekly >= 7:
        band = "elite"
    elif (weekly >= 1) if definitions.benchmarks != "2021" else (monthly >= 1):
        band = "high"
    elif monthly >= 1 or definitions.benchmarks == "2021":
        band = "medium"
    else:
        band = "low"
    return Key(round(value, 4), unit, band, count)


def _median_days(times: list[datetime], end: datetime, days: float, length: int) -> float:
    periods = max(1, int(days // length))
    counts = []
    for index in range(periods):
        upper = end - timedelta(days=length * index)
        lower = upper - timedelta(days=length)
        counts.append(len({at.astimezone(UTC).date() for at in times if lower < at <= upper}))
    return float(statistics.median(counts))


def recovery_key(
    in_window: list[tuple[int, datetime]], reasons: list[list[str]], times: Mapping[int, list[datetime]], bands: Bands
) -> Key:
    """DORA 2023's failed deployment recovery time: from each failed deployment to the repository's next one.

    Median hours; a failed deployment with no next deployment yet is left out.
    """
    hours = []
    for (repository_id, at), reason in zip(in_window, reasons, strict=True):
        following = times.get(repository_id, [])
        index = bisect.bisect_right(following, at)
        if reason and index < len(following):
            hours.append((following[index] - at).total_seconds() / HOUR)
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=bands)


def fixes_of(
    team: Team, repository: Repository | None, definitions: DoraDefinitions, start: datetime, now: datetime
) -> Fixes:
    """Rollback and hotfix merges with the window they mark a deployment failed in; none when the team counts none."""
    if not definitions.rollback_hours:
        return {}, timedelta(0)
    window = timedelta(hours=definitions.rollback_hours)
    return delivery.fix_merges(team=team, since=start, until=now, repository=repository), window


def deployment_index(deployments: Iterable[delivery.CountedDeployment]) -> tuple[dict[int, list[datetime]], Known]:
    """Deployment times per repository id (in the order given: oldest first), and those whose commits are known."""
    times: dict[int, list[datetime]] = defaultdict(list)
    known: Known = set()
    for deployment in deployments:
        times[deployment.repository_id].append(deployment.at)
        if deployment.commits_known:
            known.add((deployment.repository_id, deployment.at))
    return times, known


def lead_times(
    merged: Iterable[Mapping[str, Any]], deploy_times: Mapping[int, list[datetime]], known: Known | None = None
) -> list[tuple[Mapping[str, Any], datetime, float, str]]:
    """(PR row, deployed at, hours, linked by) of the merged PR rows (`delivery.merged_pulls`) that a deployment
    in `deploy_times` shipped; lead time runs from the earlier of the PR's first commit and its creation.

    Linked by "commits": a deployment shipped the PR's merge commit (its `shipped_at`); a PR shipped
    after the last of `deploy_times` is not deployed yet. Otherwise by "time": the repository's first
    deployment at or after the merge, unless the commits that deployment shipped are known (`known`)
    and the PR has a merge commit: then it did not ship the PR, and the PR is left out (not deployed yet).
    """
    found = []
    known = known or set()
    for row in merged:
        repository_id, merged_at = row["repository_id"], row["merged_at"]
        if merged_at is None:  # never: merged PRs are asked for, but the column is nullable
            continue
        times = deploy_times.get(repository_id, [])
        started = min(row["first_commit_at"] or row["created_at"], row["created_at"])
        shipped_at = row.get("shipped_at")
        if shipped_at is not None:
            index = bisect.bisect_left(times, shipped_at)
            if index < len(times) and times[index] == shipped_at:
                found.append((row, shipped_at, (shipped_at - started).total_seconds() / HOUR, "commits"))
            continue
        index = bisect.bisect_left(times, merged_at)
        if index == len(times) or (row.get("merge_commit_sha") and (repository_id, times[index]) in known):
            continue
        found.append((row, times[index], (times[index] - started).total_seconds() / HOUR, "time"))
    return found


def lead_time_key(hours: list[float], bands: Bands = LEAD_TIME_BANDS, *, by_commits: int | None = None) -> Key:
    """The median lead time; `by_commits`: how many of the PRs were linked to their deployment by commits."""
    value = statistics.median(hours) if hours else None
    key = _key(value, unit="hours", sample=len(hours), bands=bands)
    return replace(key, by_commits=by_commits)


def lead_time_of(links: list[Link], bands: Bands = LEAD_TIME_BANDS) -> Key:
    by_commits = sum(1 for *_, by in links if by == "commits")
    return lead_time_key([hours for _, _, hours, _ in links], bands, by_commits=by_commits)


def frequency_key(count: int, days: float, bands: Bands = FREQUENCY_BANDS) -> Key:
    return _key(count / days, unit="per_day", sample=count, bands=bands)


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


def failure_rate_key(failed: int, deployments: int, bands: Bands = FAILURE_BANDS) -> Key:
    value = failed / deployments if deployments else None
    return _key(value, unit="ratio", sample=deployments, bands=bands)


def restore_key(incidents: list[Incident], bands: Bands = RESTORE_BANDS) -> Key:
    hours = [incident.restore_hours for incident in incidents if incident.restore_hours is not None]
    value = statistics.median(hours) if hours else None
    return _key(value, unit="hours", sample=len(hours), bands=bands)
