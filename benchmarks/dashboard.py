"""Dashboard server time with 50 repositories, 5,000 PRs, 2,000 runs and 500 alerts on PostgreSQL.

Uses a throwaway database `bench_dashboard_<the database of DATABASE_URL>` on the server of DATABASE_URL (created
and dropped here). Times are in-process through Django's test client (middleware, views, templates; no
network), the median of several runs after a warm-up, next to `/healthz` (a trivial page)
measured in the same run. Query counts are deterministic and printed beside the times.
"""

import os
import random
import sys
from datetime import timedelta
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database, time_ms

DB_NAME = "bench_dashboard"
FULL = {"repositories": 50, "pulls": 5000, "runs": 2000, "alerts": 500, "deployments": 2000, "issues": 1000}
SHORT = {"repositories": 10, "pulls": 1000, "runs": 400, "alerts": 100, "deployments": 120, "issues": 200}


def _fill(team, sizes: dict) -> None:
    from django.utils import timezone

    from integrations.models import Connection, DependabotAlert, Deployment, Issue, PullRequest, Repository, WorkflowRun

    rng = random.Random(7)
    now = timezone.now()
    connection = Connection.objects.create(team=team, api_url="http://127.0.0.1:9", token="t", webhook_secret="s")
    repos = Repository.objects.bulk_create(
        [
            Repository(
                team=team,
                connection=connection,
                owner="bench",
                name=f"r{i}",
                full_name=f"bench/r{i}",
                default_branch="main",
                github_id=i + 1,
            )
            for i in range(sizes["repositories"])
        ]
    )

    def base(i):
        repo = repos[i % len(repos)]
        return {
            "team": team,
            "repository": repo,
            "github_id": i + 1,
            "html_url": f"https://github.com/{repo.full_name}",
        }

    def ago(days):
        return now - timedelta(days=days, seconds=rng.randrange(86400))

    PullRequest.objects.bulk_create(
        [
            PullRequest(
                **base(i),
                number=i,
                title=f"PR {i}",
                author="dependabot[bot]" if i % 5 == 0 else "dev",
                state="open" if i % 10 == 0 else "closed",
                created_at=(c := ago(rng.randrange(120))),
                updated_at=c,
                merged_at=None if i % 10 == 0 else c + timedelta(hours=rng.randrange(1, 96)),
                merge_commit_sha="" if i % 10 == 0 else f"{i:040x}",
                first_commit_at=c - timedelta(hours=rng.randrange(1, 48)),
                review_state="approved",
                ci_state="success",
            )
            for i in range(sizes["pulls"])
        ],
        batch_size=1000,
    )
    WorkflowRun.objects.bulk_create(
        [
            WorkflowRun(
                **base(i),
                workflow_name=("CI", "Deploy")[i % 2],
                run_number=i,
                head_branch="main",
                status="completed",
                conclusion="failure" if i % 7 == 0 else "success",
                created_at=(c := ago(rng.randrange(40))),
                updated_at=c,
            )
            for i in range(sizes["runs"])
        ],
        batch_size=1000,
    )
    DependabotAlert.objects.bulk_create(
        [
            DependabotAlert(
                **base(i),
                number=i,
                severity=("critical", "high", "medium", "low")[i % 4],
                state="open" if i % 3 else "fixed",
                created_at=(c := ago(rng.randrange(200))),
                updated_at=c,
                fixed_at=None if i % 3 else c + timedelta(days=rng.randrange(1, 30)),
            )
            for i in range(sizes["alerts"])
        ],
        batch_size=1000,
    )
    Deployment.objects.bulk_create(
        [
            Deployment(
                **base(i),
                environment="production",
                status="success",
                created_at=(c := ago(rng.randrange(90))),
                updated_at=c,
                status_updated_at=c,
                succeeded_at=c,
            )
            for i in range(sizes["deployments"])
        ],
        batch_size=1000,
    )
    _ship(repos)
    Issue.objects.bulk_create(
        [
            Issue(
                **base(i),
                number=i,
                title=f"Issue {i}",
                state="closed",
                labels=["incident"] if i % 10 == 0 else [],
                created_at=(c := ago(rng.randrange(90))),
                updated_at=c,
                closed_at=c + timedelta(hours=5),
            )
            for i in range(sizes["issues"])
        ],
        batch_size=1000,
    )


def _ship(repos) -> None:
    """Every deployment compared (as the sync leaves them); each merged PR's merge commit shipped by the
    repository's first deployment after its merge (a ShippedCommit row), as GitHub's compare would say."""
    import bisect

    from integrations.models import CommitsState, Deployment, PullRequest, ShippedCommit

    Deployment.objects.filter(repository__in=repos).update(commits=CommitsState.COMPARED)
    deployments: dict[int, list] = {}
    for row in (
        Deployment.objects.filter(repository__in=repos)
        .order_by("succeeded_at")
        .values_list("repository_id", "succeeded_at", "id")
    ):
        deployments.setdefault(row[0], []).append(row[1:])
    shipped = []
    for repository_id, merged_at, sha in PullRequest.objects.filter(
        repository__in=repos, merged_at__isnull=False
    ).values_list("repository_id", "merged_at", "merge_commit_sha"):
        following = deployments.get(repository_id, [])
        index = bisect.bisect_left([at for at, _ in following], merged_at)
        if index < len(following):
            shipped.append(ShippedCommit(repository_id=repository_id, deployment_id=following[index][1], sha=sha))
    ShippedCommit.objects.bulk_create(shipped, batch_size=1000)


def main(*, short: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("dashboard: needs DATABASE_URL pointing at PostgreSQL (a database bench_dashboard is created there).")
        return
    # Named after the database of DATABASE_URL: two sessions sharing a server do not drop each other's.
    name = f"{DB_NAME}_{urlparse(url).path.strip('/')}".rstrip("_")
    recreate_database(url, name)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{name}"))
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    try:
        _run(SHORT if short else FULL, runs=5 if short else 11)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, name, drop_only=True)


def _run(sizes: dict, *, runs: int) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from teams.services import team_create
    from teams.tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    user = UserFactory.create(username="bench")
    team = team_create(name="Bench", by=user)
    _fill(team, sizes)
    # The same pages for a team with one repository: their queries must not grow with the repositories.
    small = team_create(name="Bench one", by=user)
    _fill(small, {name: max(1, count // sizes["repositories"]) for name, count in sizes.items()})
    connection.cursor().execute("ANALYZE")
    client = Client()
    client.force_login(user)

    def get(path):
        response = client.get(path, secure=True)
        assert response.status_code == 200, (path, response.status_code)

    pages = {"trivial page (/healthz)": "/healthz"} | {
        "dashboard (all panels)": f"/t/{team.slug}/",
        "DORA API (90 days)": f"/api/v1/teams/{team.slug}/metrics/dora/?days=90",
        "report (HTML)": f"/t/{team.slug}/report/",
        "DORA trends (26 weeks)": f"/t/{team.slug}/dora/trends/",
        "drill-down: deployments": f"/t/{team.slug}/dora/deployment_frequency/?days=90",
        "drill-down: lead time": f"/t/{team.slug}/dora/lead_time_for_changes/?days=90",
        "drill-down: failures": f"/t/{team.slug}/dora/change_failure_rate/?days=90",
        "drill-down: restore": f"/t/{team.slug}/dora/time_to_restore/?days=90",
        "pull request list": f"/t/{team.slug}/data/pulls/",
    }
    print(", ".join(f"{n:,} {k}" for k, n in sizes.items()))
    print(f"{'page':<26} | {'median':>9} | {'x trivial':>9} | {'queries':>7} | {'1 repository':>12}")
    baseline = None

    def count(path: str) -> int:
        queries: list[str] = []
        with connection.execute_wrapper(
            lambda execute, sql, *args, queries=queries: queries.append(sql) or execute(sql, *args)
        ):
            get(path)
        return len(queries)

    for name, path in pages.items():
        queries = count(path)
        one = count(path.replace(f"/{team.slug}/", f"/{small.slug}/"))
        median, _ = time_ms(lambda path=path: get(path), runs=runs)
        baseline = baseline or median
        print(f"{name:<26} | {median:>6.1f} ms | {median / baseline:>9.1f} | {queries:>7} | {one:>12}")
    sys.stdout.flush()
