"""What counts as a deployment for DORA besides GitHub deployments, and which changes mark one as failed.

A team picks its deployment sources in its dashboard settings (`DoraDefinitions`):
- `deployments`: a GitHub deployment to a chosen environment whose latest status is success, at that
  status's time (the CONTRACT's default);
- `workflow`: a successful run of the named workflow, at its completion (its last update), either on the
  repository's default branch (any event but pull_request) or on a version tag (the run's ref looks like
  `v1.2` or `1.2.3`: GitHub gives a tag-triggered run the tag as its `head_branch`);
- `releases`: a published release (not a draft, not a prerelease), at its publication.
Each source adds its own times: a team that picks two sources for the same rollout counts it twice.

A rollback or hotfix (when the team sets a window of N hours) is a merged pull request of the same
repository whose title starts with "Revert" or names a hotfix or rollback, or whose branch starts with
`revert-` (GitHub's revert button) or `hotfix`. It marks as failed the last deployment before its merge,
when it was merged within N hours of that deployment (and so before the next one).
"""

import re
from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet

from integrations.models import PullRequest, Release, Repository, WorkflowRun
from teams.models import Team

SOURCES = {
    "deployments": "GitHub deployments",
    "workflow": "Runs of a workflow",
    "releases": "Published releases",
}
TRIGGERS = {"default_branch": "on the default branch", "tags": "on version tags"}
VERSION_TAG = re.compile(r"^v?\d+(\.\d+)+([-+.].*)?$|^v\d+$", re.IGNORECASE)
FIX_TITLE = re.compile(r"^\W*revert\b|\bhot-?fix|\broll(?:ed)?[- ]?back\b", re.IGNORECASE)
FIX_BRANCH = re.compile(r"^(revert-|hot-?fix)", re.IGNORECASE)

Times = dict[int, list[datetime]]


def workflow_deploy_times(
    team: Team, repositories: QuerySet[Repository], *, workflow: str, trigger: str, until: datetime
) -> Times:
    """Successful runs of `workflow` that count as deployments, per repository id."""
    rows = (
        WorkflowRun.objects.for_team(team)
        .filter(
            repository__in=repositories,
            workflow_name__iexact=workflow,
            status="completed",
            conclusion="success",
            updated_at__lte=until,
        )
        .values_list("repository_id", "repository__default_branch", "head_branch", "event", "updated_at")
    )
    times: Times = defaultdict(list)
    for repository_id, default_branch, branch, event, at in rows:
        if trigger == "tags":
            counted = bool(VERSION_TAG.match(branch or ""))
        else:
            counted = bool(default_branch) and branch == default_branch and event != "pull_request"
        if counted:
            times[repository_id].append(at)
    return times


def release_deploy_times(team: Team, repositories: QuerySet[Repository], *, until: datetime) -> Times:
    """Publication times of releases (no drafts, no prereleases, none deleted), per repository id."""
    rows = (
        Release.objects.for_team(team)
        .filter(repository__in=repositories, draft=False, prerelease=False, deleted_at=None, published_at__lte=until)
        .values_list("repository_id", "published_at")
    )
    times: Times = defaultdict(list)
    for repository_id, at in rows:
        if at is not None:  # never: the filter above excludes it, but the column is nullable
            times[repository_id].append(at)
    return times


def is_fix(title: str, branch: str) -> bool:
    """Whether a pull request rolls back or hotfixes a deployment, by its title or branch."""
    return bool(FIX_TITLE.search(title or "") or FIX_BRANCH.match(branch or ""))


def fix_merges(team: Team, repositories: QuerySet[Repository], *, since: datetime, until: datetime) -> Times:
    """Merge times of rollback and hotfix pull requests in (since, until], per repository id, sorted."""
    rows = (
        PullRequest.objects.for_team(team)
        .filter(repository__in=repositories, merged_at__gt=since, merged_at__lte=until, deleted_at=None)
        .order_by("merged_at")
        .values_list("repository_id", "title", "head_ref", "merged_at")
    )
    times: Times = defaultdict(list)
    for repository_id, title, branch, merged_at in rows:
        if merged_at is not None and is_fix(title, branch):
            times[repository_id].append(merged_at)
    return times
