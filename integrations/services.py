"""GitHub integration services: connecting repositories, syncing them, and writing GitHub's rows.

The per-row upserts (`issue_upsert`, `pull_request_upsert`, ...) take the JSON object GitHub
returns (REST list items and webhook payload objects have the same shape) and are shared by
the sync and the webhook processing (issue 5). They are keyed on GitHub's ids, safe to replay,
and never let an older `updated_at` overwrite a newer row.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.models import (
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    Review,
    WorkflowRun,
)

# --- payload -> row values -------------------------------------------------------------


def _time(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _login(user: dict | None) -> str:
    return (user or {}).get("login") or ""


def _logins(users: list | None) -> list[str]:
    return sorted(u["login"] for u in users or [] if u and u.get("login"))


def _labels(labels: list | None) -> list[str]:
    return sorted((label["name"] if isinstance(label, dict) else str(label)) for label in labels or [])


def _issue_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "number": data["number"],
        "title": (data.get("title") or "")[:1024],
        "state": data.get("state") or "",
        "state_reason": data.get("state_reason") or "",
        "author": _login(data.get("user")),
        "assignees": _logins(data.get("assignees")),
        "labels": _labels(data.get("labels")),
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data["updated_at"]),
        "closed_at": _time(data.get("closed_at")),
        "html_url": data.get("html_url") or "",
        "deleted_at": None,
    }


def _pull_request_values(data: dict) -> dict:
    head, base = data.get("head") or {}, data.get("base") or {}
    reviewers = _logins(data.get("requested_reviewers"))
    reviewers += sorted(f"team:{t['slug']}" for t in data.get("requested_teams") or [] if t.get("slug"))
    return {
        "github_id": data["id"],
        "number": data["number"],
        "title": (data.get("title") or "")[:1024],
        "state": data.get("state") or "",
        "author": _login(data.get("user")),
        "assignees": _logins(data.get("assignees")),
        "labels": _labels(data.get("labels")),
        "requested_reviewers": reviewers,
        "draft": bool(data.get("draft")),
        "head_sha": head.get("sha") or "",
        "head_ref": head.get("ref") or "",
        "base_ref": base.get("ref") or "",
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data["updated_at"]),
        "closed_at": _time(data.get("closed_at")),
        "merged_at": _time(data.get("merged_at")),
        "merge_commit_sha": data.get("merge_commit_sha") or "",
        "html_url": data.get("html_url") or "",
        "deleted_at": None,
    }


def _alert_values(data: dict) -> dict:
    dependency = data.get("dependency") or {}
    package = dependency.get("package") or {}
    advisory = data.get("security_advisory") or {}
    vulnerability = data.get("security_vulnerability") or {}
    return {
        "number": data["number"],
        "state": data.get("state") or "",
        "severity": vulnerability.get("severity") or advisory.get("severity") or "",
        "package": package.get("name") or "",
        "ecosystem": package.get("ecosystem") or "",
        "manifest_path": dependency.get("manifest_path") or "",
        "ghsa_id": advisory.get("ghsa_id") or "",
        "cve_id": advisory.get("cve_id") or "",
        "summary": (advisory.get("summary") or "")[:1024],
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
        "fixed_at": _time(data.get("fixed_at")),
        "dismissed_at": _time(data.get("dismissed_at")),
        "auto_dismissed_at": _time(data.get("auto_dismissed_at")),
        "html_url": data.get("html_url") or "",
    }


def _workflow_run_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "workflow_id": data.get("workflow_id"),
        "workflow_name": data.get("name") or "",
        "run_number": data.get("run_number") or 0,
        "run_attempt": data.get("run_attempt") or 1,
        "event": data.get("event") or "",
        "head_branch": data.get("head_branch") or "",
        "head_sha": data.get("head_sha") or "",
        "status": data.get("status") or "",
        "conclusion": data.get("conclusion") or "",
        "created_at": _time(data["created_at"]),
        "run_started_at": _time(data.get("run_started_at")),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
        "html_url": data.get("html_url") or "",
    }


def _deployment_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "environment": data.get("environment") or "",
        "ref": data.get("ref") or "",
        "sha": data.get("sha") or "",
        "task": data.get("task") or "",
        "creator": _login(data.get("creator")),
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
    }


def _release_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "tag_name": data.get("tag_name") or "",
        "name": (data.get("name") or "")[:255],
        "draft": bool(data.get("draft")),
        "prerelease": bool(data.get("prerelease")),
        "author": _login(data.get("author")),
        "created_at": _time(data["created_at"]),
        "published_at": _time(data.get("published_at")),
        "html_url": data.get("html_url") or "",
    }


def _review_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "author": _login(data.get("user")),
        "state": (data.get("state") or "").upper(),
        "submitted_at": _time(data.get("submitted_at")),
        "html_url": data.get("html_url") or "",
    }


# --- writing rows ----------------------------------------------------------------------


def _rows_upsert(model, *, repository: Repository, rows: list[dict], key: str = "github_id", version: str | None):
    """Insert or update `rows` (values dicts) of one repository in one transaction; count what happened.

    Existing rows are locked while compared, so a webhook writing the same row waits for
    us (or we for it) and the newer `version` wins whatever the order.
    """
    counts: Counter = Counter()
    latest: dict = {}
    for values in rows:  # a page may hold the same row twice when the list shifted under us
        previous = latest.get(values[key])
        if previous is None or not version or values[version] >= previous[version]:
            latest[values[key]] = values
    now = timezone.now()
    with transaction.atomic():
        existing = {
            getattr(row, key): row
            for row in model.objects.select_for_update().filter(repository=repository, **{f"{key}__in": list(latest)})
        }
        to_create, to_update, changed_fields = [], [], set()
        for value_key, values in latest.items():
            row = existing.get(value_key)
            if row is None:
                to_create.append(model(team_id=repository.team_id, repository=repository, synced_at=now, **values))
                continue
            if version and getattr(row, version) and values[version] and getattr(row, version) > values[version]:
                counts["stale"] += 1
                continue
            changed = [field for field, value in values.items() if getattr(row, field) != value]
            if not changed:
                counts["unchanged"] += 1
                continue
            for field in changed:
                setattr(row, field, values[field])
            row.synced_at = now
            changed_fields.update(changed)
            to_update.append(row)
        if to_create:
            # A concurrent webhook may have inserted one of these first; its row stands.
            model.objects.bulk_create(to_create, ignore_conflicts=True)
        if to_update:
            model.objects.bulk_update(to_update, [*sorted(changed_fields), "synced_at"])
    counts["created"] += len(to_create)
    counts["updated"] += len(to_update)
    return counts


def _row_upsert(model, *, repository: Repository, values: dict, key: str = "github_id", version: str | None):
    _rows_upsert(model, repository=repository, rows=[values], key=key, version=version)
    return model.objects.get(repository=repository, **{key: values[key]})


def issue_upsert(*, repository: Repository, data: dict) -> Issue | None:
    """Write one issue from GitHub's issue JSON (a pull request in the issues list is skipped: None)."""
    if data.get("pull_request"):
        return None
    return _row_upsert(Issue, repository=repository, values=_issue_values(data), version="updated_at")


def pull_request_upsert(*, repository: Repository, data: dict) -> PullRequest:
    """Write one pull request from GitHub's pull request JSON."""
    return _row_upsert(PullRequest, repository=repository, values=_pull_request_values(data), version="updated_at")


def alert_upsert(*, repository: Repository, data: dict) -> DependabotAlert:
    """Write one Dependabot alert from GitHub's alert JSON (keyed on its number)."""
    return _row_upsert(
        DependabotAlert, repository=repository, values=_alert_values(data), key="number", version="updated_at"
    )


def workflow_run_upsert(*, repository: Repository, data: dict) -> WorkflowRun:
    """Write one GitHub Actions workflow run from GitHub's workflow run JSON."""
    return _row_upsert(WorkflowRun, repository=repository, values=_workflow_run_values(data), version="updated_at")


def deployment_upsert(*, repository: Repository, data: dict, status: dict | None = None) -> Deployment:
    """Write one deployment from GitHub's deployment JSON, with its latest deployment status JSON if given."""
    deployment = _row_upsert(Deployment, repository=repository, values=_deployment_values(data), version="updated_at")
    if status:
        deployment_status_apply(deployment=deployment, data=status)
    return deployment


def deployment_status_apply(*, deployment: Deployment, data: dict) -> Deployment:
    """Record a deployment status JSON on its deployment unless a newer status is already there."""
    status_at = _time(data.get("updated_at") or data.get("created_at"))
    updated = (
        Deployment.objects.filter(pk=deployment.pk)
        .exclude(status_updated_at__gt=status_at)
        .update(status=data.get("state") or "", status_updated_at=status_at, synced_at=timezone.now())
    )
    if updated:
        deployment.refresh_from_db(fields=["status", "status_updated_at", "synced_at"])
    return deployment


def release_upsert(*, repository: Repository, data: dict) -> Release:
    """Write one release from GitHub's release JSON."""
    return _row_upsert(Release, repository=repository, values=_release_values(data), version=None)


def review_upsert(*, repository: Repository, data: dict, pull_request: PullRequest | None = None) -> Review | None:
    """Write one pull request review from GitHub's review JSON (None when its pull request is unknown)."""
    if pull_request is None:
        number = str(data.get("pull_request_url") or "").rstrip("/").rsplit("/", 1)[-1]
        pull_request = (
            PullRequest.objects.filter(repository=repository, number=number).first() if number.isdigit() else None
        )
        if pull_request is None:
            return None
    values = {**_review_values(data), "pull_request_id": pull_request.pk}
    return _row_upsert(Review, repository=repository, values=values, version=None)
