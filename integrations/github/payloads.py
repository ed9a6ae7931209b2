"""GitHub's JSON → our rows' field values: pure functions, no ORM, no HTTP.

REST list items and webhook payload objects have the same shapes, so the sync and the
webhook handlers share these. Each `*_fields` returns the values of one model row.
https://docs.github.com/en/rest  https://docs.github.com/en/webhooks/webhook-events-and-payloads
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def web_url(value) -> str:
    """A link to show: http(s) only, so a `javascript:` or `data:` URL from a payload never reaches a page."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def parse_time(value: str | None) -> datetime | None:
    """A GitHub ISO 8601 time, None for none."""
    return parse_datetime(value) if value else None


def _login(user: dict | None) -> str:
    return (user or {}).get("login") or ""


def _logins(users: list | None) -> list[str]:
    return sorted(u["login"] for u in users or [] if u and u.get("login"))


def _labels(labels: list | None) -> list[str]:
    return sorted((label["name"] if isinstance(label, dict) else str(label)) for label in labels or [])


def issue_fields(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "number": data["number"],
        "title": (data.get("title") or "")[:1024],
        "state": data.get("state") or "",
        "state_reason": data.get("state_reason") or "",
        "author": _login(data.get("user")),
        "assignees": _logins(data.get("assignees")),
        "labels": _labels(data.get("labels")),
        "created_at": parse_time(data["created_at"]),
        "updated_at": parse_time(data["updated_at"]),
        "closed_at": parse_time(data.get("closed_at")),
        "html_url": web_url(data.get("html_url")),
        "deleted_at": None,
    }


def pull_request_fields(data: dict) -> dict:
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
        "created_at": parse_time(data["created_at"]),
        "updated_at": parse_time(data["updated_at"]),
        "closed_at": parse_time(data.get("closed_at")),
        "merged_at": parse_time(data.get("merged_at")),
        "merge_commit_sha": data.get("merge_commit_sha") or "",
        "html_url": web_url(data.get("html_url")),
        "deleted_at": None,
    }


def alert_fields(data: dict) -> dict:
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
        "created_at": parse_time(data["created_at"]),
        "updated_at": parse_time(data.get("updated_at") or data["created_at"]),
        "fixed_at": parse_time(data.get("fixed_at")),
        "dismissed_at": parse_time(data.get("dismissed_at")),
        "auto_dismissed_at": parse_time(data.get("auto_dismissed_at")),
        "html_url": web_url(data.get("html_url")),
    }


def workflow_run_fields(data: dict) -> dict:
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
        "created_at": parse_time(data["created_at"]),
        "run_started_at": parse_time(data.get("run_started_at")),
        "updated_at": parse_time(data.get("updated_at") or data["created_at"]),
        "html_url": web_url(data.get("html_url")),
    }


def deployment_fields(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "environment": data.get("environment") or "",
        "ref": data.get("ref") or "",
        "sha": data.get("sha") or "",
        "task": data.get("task") or "",
        "creator": _login(data.get("creator")),
        "created_at": parse_time(data["created_at"]),
        "updated_at": parse_time(data.get("updated_at") or data["created_at"]),
    }


def release_fields(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "tag_name": data.get("tag_name") or "",
        "name": (data.get("name") or "")[:255],
        "draft": bool(data.get("draft")),
        "prerelease": bool(data.get("prerelease")),
        "author": _login(data.get("author")),
        "created_at": parse_time(data["created_at"]),
        "published_at": parse_time(data.get("published_at")),
        "html_url": web_url(data.get("html_url")),
    }


def review_fields(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "author": _login(data.get("user")),
        "state": (data.get("state") or "").upper(),
        "submitted_at": parse_time(data.get("submitted_at")),
        "html_url": web_url(data.get("html_url")),
    }


def review_from_graphql(node: dict) -> dict:
    """A GraphQL `PullRequestReview` in the shape of GitHub's REST review JSON (what `review_fields` reads)."""
    return {
        "id": node["databaseId"],
        "user": node.get("author"),
        "state": node.get("state") or "",
        "submitted_at": node.get("submittedAt"),
        "html_url": node.get("url"),
    }


# GraphQL's StatusState of a commit's check rollup → our ci_state (the same outcome `ci_state` gives
# for check runs: any failure fails, anything unfinished is pending).
# EXPECTED: a required status that has not reported yet.
ROLLUP_CI_STATES = {
    "SUCCESS": "success",
    "FAILURE": "failure",
    "ERROR": "failure",
    "PENDING": "pending",
    "EXPECTED": "pending",
}


def rollup_ci_state(rollup: dict | None) -> str:
    """ci_state of a head commit's `statusCheckRollup` ("" when the commit has no checks)."""
    return ROLLUP_CI_STATES.get((rollup or {}).get("state") or "", "")


def pull_details_from_graphql(node: dict) -> dict:
    """The detail columns of a PullRequest row from a GraphQL `PullDetails` node (reviews apart)."""
    first = ((node.get("firstCommit") or {}).get("nodes") or [{}])[0] or {}
    head = ((node.get("headCommit") or {}).get("nodes") or [{}])[0] or {}
    return {
        "ci_state": rollup_ci_state((head.get("commit") or {}).get("statusCheckRollup")),
        "first_commit_at": parse_time((first.get("commit") or {}).get("authoredDate")),
    }


def ci_state(check_runs: list) -> str:
    if not check_runs:
        return ""
    if any(
        run.get("conclusion") in ("failure", "timed_out", "cancelled", "action_required", "startup_failure")
        for run in check_runs
    ):
        return "failure"
    if any(run.get("status") != "completed" for run in check_runs):
        return "pending"
    return "success"


def review_state(reviews: list) -> str:
    latest: dict[str, str] = {}
    for review in sorted(reviews, key=lambda r: r.get("submitted_at") or ""):
        state = (review.get("state") or "").upper()
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[_login(review.get("user"))] = state
        elif state == "COMMENTED":
            latest.setdefault(_login(review.get("user")), state)
    states = set(latest.values())
    if "CHANGES_REQUESTED" in states:
        return "changes_requested"
    if "APPROVED" in states:
        return "approved"
    return "commented" if "COMMENTED" in states else ""


def repository_fields(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "owner": data["owner"]["login"],
        "name": data["name"],
        "full_name": data["full_name"],
        "html_url": web_url(data.get("html_url")),
        "default_branch": data.get("default_branch") or "",
        "private": bool(data.get("private")),
    }


CHECK_SUCCESS = {"success", "neutral", "skipped"}


def check_suite_state(suite: dict) -> str:
    """success | failure | pending of a check suite JSON."""
    if suite.get("status") == "completed":
        return "success" if suite.get("conclusion") in CHECK_SUCCESS else "failure"
    return "pending"


def push_time(value) -> datetime | None:
    """A time of a push payload: some are Unix timestamps, others ISO 8601."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return parse_time(value)


CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+([\w.-]+/[\w.-]+)?#(\d+)", re.IGNORECASE)


def closing_references(body: str, full_name: str) -> list[int]:
    """Numbers of this repository's issues a pull request body closes ("Fixes #12", "closes o/r#3")."""
    numbers = []
    for repo, number in CLOSING.findall(body):
        if not repo or repo.lower() == full_name.lower():
            numbers.append(int(number))
    return sorted(set(numbers))
