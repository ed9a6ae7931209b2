"""GitHub-shaped demo data for the demo team, written through the same upserts as the sync (no network)."""

import random
import secrets
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from integrations.github.upserts import (
    alert_upsert,
    deployment_upsert,
    issue_upsert,
    pull_request_upsert,
    release_upsert,
    review_upsert,
    workflow_run_upsert,
)
from integrations.models import Connection, PullRequest, Repository

FULL_NAME = "demo-org/shop"
PEOPLE = ["ada", "grace", "linus", "margaret", "ken"]
LABELS = ["bug", "feature", "chore", "security"]
# The secret that demo data of earlier versions was seeded with: anyone could sign deliveries with it.
FIXED_SECRET_OF_OLD_SEEDS = "demo-webhook-secret"  # noqa: S105


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(login: str) -> dict:
    return {"login": login, "type": "User"}


def _old_fixed_secret_replace(*, team) -> None:
    """Give a demo connection seeded with the old fixed secret a generated one (a generated one is kept)."""
    for connection in Connection.objects.for_team(team).filter(demo=True):
        if connection.webhook_secret == FIXED_SECRET_OF_OLD_SEEDS:
            connection.webhook_secret = secrets.token_urlsafe(32)
            connection.save(update_fields=["webhook_secret"])


def seed(*, team, user, stdout) -> None:
    """Create a demo repository with issues, PRs, alerts, runs, deployments and releases (once)."""
    if Repository.objects.for_team(team).filter(full_name=FULL_NAME).exists():
        _old_fixed_secret_replace(team=team)
        return
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(4)  # reproducible demo data
    connection = Connection.objects.create(
        team=team,
        name="Demo (not connected to GitHub)",
        demo=True,
        token="demo-token-not-valid-on-github",  # noqa: S106
        webhook_secret=secrets.token_urlsafe(32),
        created_by=user,
    )
    repository = Repository.objects.create(
        team=team,
        connection=connection,
        github_id=424242,
        owner="demo-org",
        name="shop",
        full_name=FULL_NAME,
        html_url=f"https://github.com/{FULL_NAME}",
        default_branch="main",
        last_success_at=now,
        sync_progress={"step": "done", "summary": "demo data, seeded without GitHub"},
        rate_limit_remaining=4990,
        graphql_rate_limit_remaining=4995,
    )
    url = f"https://github.com/{FULL_NAME}"
    for number in range(1, 41):
        created = now - timedelta(days=rng.randint(1, 80), hours=rng.randint(0, 23))
        closed = created + timedelta(days=rng.randint(1, 10)) if number % 3 == 0 else None
        issue_upsert(
            repository=repository,
            data={
                "id": 900000 + number,
                "number": number,
                "title": rng.choice(["Checkout fails", "Slow search", "Add dark mode", "Upgrade Django", "Fix typo"])
                + f" ({number})",
                "state": "closed" if closed and closed < now else "open",
                "user": _user(rng.choice(PEOPLE)),
                "assignees": [_user(rng.choice(PEOPLE))],
                "labels": [{"name": rng.choice(LABELS)}],
                "created_at": _iso(created),
                "updated_at": _iso(min(closed or created, now)),
                "closed_at": _iso(closed) if closed and closed < now else None,
                "html_url": f"{url}/issues/{number}",
            },
        )
    for number in range(41, 71):
        created = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(1, 23))
        merged = created + timedelta(hours=rng.randint(2, 72)) if number % 5 else None
        merged = merged if merged and merged < now else None
        state = "closed" if merged else "open"
        pull = pull_request_upsert(
            repository=repository,
            data={
                "id": 910000 + number,
                "number": number,
                "title": rng.choice(["Speed up cart", "Refactor payments", "Bump lodash", "New landing page"])
                + f" ({number})",
                "state": state,
                "user": _user(rng.choice(PEOPLE)),
                "assignees": [],
                "labels": [{"name": rng.choice(LABELS)}],
                "requested_reviewers": [] if merged else [_user(rng.choice(PEOPLE))],
                "draft": number % 11 == 0,
                "head": {"sha": f"{number:040x}", "ref": f"feature-{number}"},
                "base": {"ref": "main"},
                "created_at": _iso(created),
                "updated_at": _iso(merged or created),
                "closed_at": _iso(merged) if merged else None,
                "merged_at": _iso(merged) if merged else None,
                "merge_commit_sha": f"{number:040x}" if merged else None,
                "html_url": f"{url}/pull/{number}",
            },
        )
        review_upsert(
            repository=repository,
            pull_request=pull,
            data={
                "id": 920000 + number,
                "user": _user(rng.choice(PEOPLE)),
                "state": "APPROVED" if merged else rng.choice(["COMMENTED", "CHANGES_REQUESTED"]),
                "submitted_at": _iso(created + timedelta(hours=1)),
                "html_url": f"{url}/pull/{number}#review",
            },
        )
        PullRequest.objects.filter(pk=pull.pk).update(
            review_state="approved" if merged else "changes_requested",
            ci_state="success" if merged or number % 3 else "failure",
            first_commit_at=created - timedelta(hours=rng.randint(1, 48)),
            details_synced_at=F("updated_at"),
        )
    states = ["open", "open", "fixed", "dismissed", "auto_dismissed"]
    for number in range(1, 13):
        created = now - timedelta(days=rng.randint(1, 90))
        state = states[number % len(states)]
        closed_at = _iso(created + timedelta(days=3))
        severity = ["low", "medium", "high", "critical"][number % 4]
        alert_upsert(
            repository=repository,
            data={
                "number": number,
                "state": state,
                "dependency": {
                    "package": {"name": rng.choice(["django", "lodash", "requests", "axios"]), "ecosystem": "pip"},
                    "manifest_path": "requirements.txt",
                },
                "security_advisory": {
                    "ghsa_id": f"GHSA-demo-{number:04d}",
                    "cve_id": f"CVE-2026-{1000 + number}",
                    "summary": "Demo vulnerability",
                    "severity": severity,
                },
                "security_vulnerability": {"severity": severity},
                "created_at": _iso(created),
                "updated_at": closed_at if state != "open" else _iso(created),
                "fixed_at": closed_at if state == "fixed" else None,
                "dismissed_at": closed_at if state == "dismissed" else None,
                "auto_dismissed_at": closed_at if state == "auto_dismissed" else None,
                "html_url": f"{url}/security/dependabot/{number}",
            },
        )
    for index in range(120):
        created = now - timedelta(hours=18 * index + rng.randint(0, 5))
        workflow = "Deploy" if index % 4 == 0 else "CI"
        conclusion = "failure" if rng.random() < 0.15 else "success"
        workflow_run_upsert(
            repository=repository,
            data={
                "id": 930000 + index,
                "name": workflow,
                "workflow_id": 1 if workflow == "CI" else 2,
                "run_number": 500 - index,
                "event": "push",
                "head_branch": "main" if index % 3 else f"feature-{index}",
                "head_sha": f"{index:040x}",
                "status": "completed",
                "conclusion": conclusion,
                "created_at": _iso(created),
                "run_started_at": _iso(created),
                "updated_at": _iso(created + timedelta(minutes=rng.randint(3, 15))),
                "html_url": f"{url}/actions/runs/{930000 + index}",
            },
        )
    for index in range(25):
        created = now - timedelta(days=3 * index + 1, hours=rng.randint(0, 8))
        state = "failure" if index % 7 == 3 else "success"
        deployment_upsert(
            repository=repository,
            data={
                "id": 940000 + index,
                "environment": "production",
                "ref": "main",
                "sha": f"{index:040x}",
                "task": "deploy",
                "creator": _user("github-actions"),
                "created_at": _iso(created),
                "updated_at": _iso(created),
            },
            status={"state": state, "created_at": _iso(created + timedelta(minutes=7))},
        )
    for index in range(6):
        created = now - timedelta(days=14 * index + 2)
        release_upsert(
            repository=repository,
            data={
                "id": 950000 + index,
                "tag_name": f"v2.{6 - index}.0",
                "name": f"Shop 2.{6 - index}",
                "author": _user("ada"),
                "created_at": _iso(created),
                "published_at": _iso(created),
                "html_url": f"{url}/releases/tag/v2.{6 - index}.0",
            },
        )
    stdout.write(f"GitHub demo data: {FULL_NAME} with issues, pull requests, alerts, runs, deployments, releases.")
