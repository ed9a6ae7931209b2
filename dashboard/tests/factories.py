"""GitHub-shaped rows for dashboard tests: each takes a repository and what matters to the test."""

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from integrations.models import DependabotAlert, Deployment, Issue, PullRequest, Repository, Review, WorkflowRun

_ids = itertools.count(10_000)


def _base(repository: Repository) -> dict[str, Any]:
    github_id = next(_ids)
    return {
        "team": repository.team,
        "repository": repository,
        "github_id": github_id,
        "html_url": f"https://github.com/{repository.full_name}/x/{github_id}",
    }


def deployment(
    repository: Repository, at: datetime, *, environment: str = "production", status: str = "success"
) -> Deployment:
    return Deployment.objects.create(
        **_base(repository),
        environment=environment,
        status=status,
        status_updated_at=at,
        succeeded_at=at if status == "success" else None,
        created_at=at,
        updated_at=at,
    )


def pull(
    repository: Repository,
    *,
    created: datetime,
    merged: datetime | None = None,
    first_commit: datetime | None = None,
    author: str = "alice",
    state: str | None = None,
    **fields: Any,
) -> PullRequest:
    base = _base(repository)
    fields = {"title": f"PR {base['github_id']}"} | fields
    return PullRequest.objects.create(
        **base,
        number=base["github_id"] % 10_000,
        author=author,
        state=state or ("closed" if merged else "open"),
        created_at=created,
        updated_at=merged or created,
        merged_at=merged,
        closed_at=merged,
        first_commit_at=first_commit,
        **fields,
    )


def review(pull_request: PullRequest, at: datetime, *, state: str = "APPROVED") -> Review:
    return Review.objects.create(
        **_base(pull_request.repository), pull_request=pull_request, state=state, submitted_at=at
    )


def issue(
    repository: Repository,
    *,
    created: datetime,
    closed: datetime | None = None,
    labels: Iterable[str] = (),
    **fields: Any,
) -> Issue:
    base = _base(repository)
    fields = {"title": f"Issue {base['github_id']}"} | fields
    return Issue.objects.create(
        **base,
        number=base["github_id"] % 10_000,
        labels=list(labels),
        state="closed" if closed else "open",
        created_at=created,
        updated_at=closed or created,
        closed_at=closed,
        **fields,
    )


def run(
    repository: Repository,
    at: datetime,
    *,
    workflow: str = "CI",
    conclusion: str = "success",
    status: str = "completed",
    branch: str | None = None,
) -> WorkflowRun:
    base = _base(repository)
    return WorkflowRun.objects.create(
        **base,
        workflow_name=workflow,
        run_number=base["github_id"] % 10_000,
        event="push",
        head_branch=branch or repository.default_branch,
        status=status,
        conclusion=conclusion,
        created_at=at,
        updated_at=at,
    )


def alert(
    repository: Repository,
    *,
    created: datetime,
    severity: str = "high",
    state: str = "open",
    fixed: datetime | None = None,
) -> DependabotAlert:
    base = _base(repository)
    return DependabotAlert.objects.create(
        **base,
        number=base["github_id"] % 10_000,
        severity=severity,
        state=state,
        package="lodash",
        created_at=created,
        updated_at=fixed or created,
        fixed_at=fixed,
    )
