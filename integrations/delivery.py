"""The one selector of a team's deployments and incident issues under its definitions (issue 20).

Every figure that counts deployments or incidents reads them here (and postmortems.incidents, which
adds postmortems to these issues): DORA's keys, the PR cycle's deploy stage, the retro data strip,
postmortem attribution, the report, the badges and the API.

A team picks its deployment sources in its dashboard settings (`DoraDefinitions`):
- `deployments`: a GitHub deployment to a chosen environment whose statuses include success, at
  that status's time (the CONTRACT's default; GitHub marks it `inactive` once superseded: it still counts);
- `workflow`: a successful run of the named workflow, at its completion (its last update), either on the
  repository's default branch (any event but pull_request) or on a version tag (the run's ref looks like
  `v1.2` or `1.2.3`: GitHub gives a tag-triggered run the tag as its `head_branch`);
- `releases`: a published release (not a draft, not a prerelease), at its publication.
Each source adds its own times: a team that picks two sources for the same rollout counts it twice.

An incident issue is an issue (not a pull request) of the team's repositories carrying the team's
incident label (any case).

A rollback or hotfix (when the team sets a window of N hours) is a merged pull request of the same
repository whose title starts with "Revert" or names a hotfix or rollback, or whose branch starts with
`revert-` (GitHub's revert button) or `hotfix`. It marks as failed the last deployment before its merge,
when it was merged within N hours of that deployment (and so before the next one).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery, Value

from core.querysets import TeamScopedQuerySet
from integrations.definitions import DoraDefinitions
from integrations.models import (
    CommitsState,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    ShippedCommit,
    WorkflowRun,
)
from teams.models import Team

VERSION_TAG = re.compile(r"^v?\d+(\.\d+)+([-+.].*)?$|^v\d+$", re.IGNORECASE)
FIX_TITLE = re.compile(r"^\W*revert\b|\bhot-?fix|\broll(?:ed)?[- ]?back\b", re.IGNORECASE)
FIX_BRANCH = re.compile(r"^(revert-|hot-?fix)", re.IGNORECASE)

Times = dict[int, list[datetime]]


@dataclass(frozen=True)
class CountedDeployment:
    """One deployment as DORA counts it, with what a drill-down page shows of it."""

    repository_id: int
    repository: str  # OWNER/NAME
    at: datetime
    source: str  # a key of SOURCES
    name: str  # the ref, run or tag people know it by
    html_url: str
    deployment_id: int | None = None  # the GitHub deployment row (source `deployments`), for attribution
    # Whether the commits it shipped are known (a GitHub deployment compared with the one before it).
    commits_known: bool = False


@dataclass(frozen=True)
class IncidentIssue:
    repository_id: int
    repository: str
    number: int
    title: str
    html_url: str
    created_at: datetime
    closed_at: datetime | None


def _scoped(queryset: TeamScopedQuerySet, team: Team, repository: Repository | None) -> QuerySet:
    scoped = queryset.for_team(team)
    return scoped.filter(repository=repository) if repository is not None else scoped


def github_deployments(*, team: Team, definitions: DoraDefinitions) -> TeamScopedQuerySet[Deployment]:
    """The team's GitHub deployments that count: to a chosen environment, with a success in their statuses."""
    if "deployments" not in definitions.sources:
        return Deployment.objects.none()
    return Deployment.objects.for_team(team).filter(
        environment__in=definitions.environments, succeeded_at__isnull=False
    )


def deployments_counted(
    *,
    team: Team,
    definitions: DoraDefinitions,
    until: datetime,
    since: datetime | None = None,
    repository: Repository | None = None,
) -> list[CountedDeployment]:
    """The deployments the team counts in (since, until] (from the first, without `since`), oldest first.

    One query per deployment source the team chose.
    """
    counted: list[CountedDeployment] = []
    deployments = _scoped(github_deployments(team=team, definitions=definitions), team, repository)
    deployments = deployments.filter(succeeded_at__lte=until)
    if since is not None:
        deployments = deployments.filter(succeeded_at__gt=since)
    for row in deployments.values(
        "id", "repository_id", "repository__full_name", "succeeded_at", "ref", "sha", "github_id", "html_url",
        "commits",
    ):  # fmt: skip
        name = row["ref"] or row["sha"][:7] or f"#{row['github_id']}"
        counted.append(
            CountedDeployment(
                row["repository_id"], row["repository__full_name"], row["succeeded_at"], "deployments", name,
                row["html_url"], row["id"], row["commits"] == CommitsState.COMPARED,
            )
        )  # fmt: skip
    if "workflow" in definitions.sources and definitions.workflow:
        counted += _workflow_runs(team, repository, definitions, since=since, until=until)
    if "releases" in definitions.sources:
        counted += _releases(team, repository, since=since, until=until)
    counted.sort(key=lambda d: (d.at, d.repository_id))
    return counted


def merged_pulls(
    *,
    team: Team,
    definitions: DoraDefinitions,
    since: datetime,
    until: datetime,
    repository: Repository | None = None,
) -> list[dict]:
    """Pull requests merged in (since, until], oldest merge first, each with `shipped_at`.

    `shipped_at`: when the first counted GitHub deployment (succeeded by `until`) that shipped the PR's
    merge commit succeeded, by GitHub's compare (integrations/github/sync_shipped.py); None when no
    compared deployment holds it. One query: the shipping deployment is an index probe per PR.
    """
    merged = _scoped(PullRequest.objects.all(), team, repository).filter(
        merged_at__gt=since, merged_at__lte=until, deleted_at=None
    )
    if "deployments" in definitions.sources:
        shipping = (
            ShippedCommit.objects.filter(
                repository=OuterRef("repository"),
                sha=OuterRef("merge_commit_sha"),
                deployment__environment__in=definitions.environments,
                deployment__succeeded_at__lte=until,
            )
            .order_by("deployment__succeeded_at")
            .values("deployment__succeeded_at")[:1]
        )
        merged = merged.annotate(shipped_at=Subquery(shipping))
    else:
        merged = merged.annotate(shipped_at=Value(None, output_field=Deployment._meta.get_field("succeeded_at")))
    return list(
        merged.order_by("merged_at", "id").values(
            "repository_id", "repository__full_name", "number", "title", "html_url", "first_commit_at",
            "created_at", "merged_at", "merge_commit_sha", "shipped_at",
        )
    )  # fmt: skip


def _workflow_runs(
    team: Team, repository: Repository | None, definitions: DoraDefinitions, *, since: datetime | None, until: datetime
) -> list[CountedDeployment]:
    """Successful runs of the team's deployment workflow that count as deployments."""
    rows = _scoped(WorkflowRun.objects.all(), team, repository).filter(
        workflow_name__iexact=definitions.workflow, status="completed", conclusion="success", updated_at__lte=until
    )
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    counted = []
    for row in rows.values(
        "repository_id", "repository__full_name", "repository__default_branch", "head_branch", "event",
        "updated_at", "workflow_name", "run_number", "html_url",
    ):  # fmt: skip
        branch, default_branch = row["head_branch"] or "", row["repository__default_branch"]
        if definitions.workflow_trigger == "tags":
            deploys = bool(VERSION_TAG.match(branch))
        else:
            deploys = bool(default_branch) and branch == default_branch and row["event"] != "pull_request"
        if deploys:
            counted.append(
                CountedDeployment(
                    row["repository_id"], row["repository__full_name"], row["updated_at"], "workflow",
                    f"{row['workflow_name']} #{row['run_number']} ({branch})", row["html_url"],
                )
            )  # fmt: skip
    return counted


def _releases(
    team: Team, repository: Repository | None, *, since: datetime | None, until: datetime
) -> list[CountedDeployment]:
    """Published releases (no drafts, no prereleases, none deleted)."""
    rows = _scoped(Release.objects.all(), team, repository).filter(
        draft=False, prerelease=False, deleted_at=None, published_at__lte=until
    )
    if since is not None:
        rows = rows.filter(published_at__gt=since)
    return [
        CountedDeployment(row["repository_id"], row["repository__full_name"], row["published_at"], "releases",
                          row["tag_name"], row["html_url"])
        for row in rows.values("repository_id", "repository__full_name", "published_at", "tag_name", "html_url")
        if row["published_at"] is not None  # never: the filter above excludes it, but the column is nullable
    ]  # fmt: skip


def incident_issues(
    *,
    team: Team,
    definitions: DoraDefinitions,
    since: datetime,
    until: datetime,
    repository: Repository | None = None,
) -> list[IncidentIssue]:
    """Issues opened in (since, until] carrying the team's incident label (any case), oldest first."""
    # Labels are a JSON list of names; matching them in Python keeps one query shape on every database.
    label = definitions.incident_label.lower()
    rows = (
        _scoped(Issue.objects.all(), team, repository)
        .filter(created_at__gt=since, created_at__lte=until, deleted_at=None)
        .order_by("created_at", "id")
        .values_list(
            "repository_id", "repository__full_name", "number", "title", "html_url", "labels", "created_at", "closed_at"
        )
    )
    return [
        IncidentIssue(repository_id, full_name, number, title, html_url, created_at, closed_at)
        for repository_id, full_name, number, title, html_url, labels, created_at, closed_at in rows
        if label in {str(name).lower() for name in labels}
    ]


def is_fix(title: str, branch: str) -> bool:
    """Whether a pull request rolls back or hotfixes a deployment, by its title or branch."""
    return bool(FIX_TITLE.search(title or "") or FIX_BRANCH.match(branch or ""))


def fix_merges(*, team: Team, since: datetime, until: datetime, repository: Repository | None = None) -> Times:
    """Merge times of rollback and hotfix pull requests in (since, until], per repository id, sorted."""
    rows = (
        _scoped(PullRequest.objects.all(), team, repository)
        .filter(merged_at__gt=since, merged_at__lte=until, deleted_at=None)
        .order_by("merged_at")
        .values_list("repository_id", "title", "head_ref", "merged_at")
    )
    times: Times = defaultdict(list)
    for repository_id, title, branch, merged_at in rows:
        if merged_at is not None and is_fix(title, branch):
            times[repository_id].append(merged_at)
    return times
