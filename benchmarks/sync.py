"""GitHub sync benchmark: requests per resource against the floor ⌈N/100⌉, and wall time.

Serves 10,000 issues+PRs, 500 Dependabot alerts and 2,000 workflow runs (a tenth with --short)
from the local fake GitHub (integrations/tests/github_server.py) over HTTP, and syncs them
with the real PyGithub client into a throwaway database (PostgreSQL `bench_sync` when
DATABASE_URL points at PostgreSQL, else a temporary SQLite file). Baseline measured in the
same run: PyGithub's default iteration of the issues list (`get_issues(state="all")`,
30 per page). Pull request details come by GraphQL, 50 PRs a query (integrations/github/sync_details.py).
"""

import math
import os
import tempfile
import time
from urllib.parse import urlparse, urlunparse

from benchmarks import harness

SIZES = {"issues": 7_000, "pulls": 3_000, "alerts": 500, "runs": 2_000}


def _database() -> tuple[str, callable]:
    """Point DATABASE_URL at a fresh throwaway database; return its URL and a function dropping it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlparse(url)
        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_sync")
            conn.execute("CREATE DATABASE bench_sync")

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS bench_sync")

        return urlunparse(parts._replace(path="/bench_sync")), drop
    folder = tempfile.mkdtemp(prefix="bench_sync_")
    path = os.path.join(folder, "bench.sqlite3")
    return f"sqlite:///{path}", lambda: None


def main(*, short: bool) -> None:
    scale = 10 if short else 1
    sizes = {name: n // scale for name, n in SIZES.items()}
    database_url, drop = _database()
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devopsboard.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        settings.GITHUB_SECONDS_BETWEEN_REQUESTS = None
        settings.GITHUB_RETRY_BACKOFF = 0
        # The fake GitHub listens on http://127.0.0.1, which the outbound policy refuses unless told.
        settings.OUTBOUND_ALLOW_HTTP = True
        settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
        _run(sizes, database_url, scale)
    finally:
        drop()


def _run(sizes: dict, database_url: str, scale: int) -> None:
    from github import Auth, Github

    from integrations.github.sync import repository_sync
    from integrations.models import Connection, Repository
    from integrations.tests.github_server import TOKEN, FakeGitHub
    from teams.models import Team

    fake = FakeGitHub().start()
    fake.rate_limit = fake.rate_remaining = 1_000_000
    try:
        repo = fake.add_repo("bench/big")
        started = time.perf_counter()
        fake.seed(repo, issues=sizes["issues"], pulls=sizes["pulls"], alerts=sizes["alerts"], runs=sizes["runs"])
        for index in range(50):
            # As GitHub leaves them: every success but the newest superseded (`inactive`), a few still running.
            if index % 10 == 0:
                fake.add_deployment(repo, state="in_progress")
            else:
                fake.add_deployment(
                    repo, history=("in_progress", "success"), state="success" if index == 49 else "inactive"
                )
        for _ in range(20):
            fake.add_release(repo)
        items = sizes["issues"] + sizes["pulls"]
        print(
            f"data: {items} issues+PRs ({sizes['pulls']} PRs), {sizes['alerts']} alerts, {sizes['runs']} runs, "
            f"50 deployments, 20 releases (set up in {time.perf_counter() - started:.1f}s); "
            f"database {urlparse(database_url).scheme}"
        )

        # Baseline: PyGithub's own iteration of the issues list, default page size.
        fake.log.clear()
        started = time.perf_counter()
        github = Github(base_url=fake.url, auth=Auth.Token(TOKEN), retry=None, seconds_between_requests=None)
        listed = sum(1 for _ in github.get_repo("bench/big").get_issues(state="all"))
        baseline_wall = time.perf_counter() - started
        baseline_requests = fake.count("issues")
        print(f"baseline: PyGithub get_issues(state='all'): {listed} items, {baseline_requests} requests, ", end="")
        print(f"{baseline_wall:.1f}s")

        team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        connection = Connection.objects.create(team=team, api_url=fake.url, token=TOKEN, webhook_secret="bench")
        repository = Repository.objects.create(
            team=team, connection=connection, owner="bench", name="big", full_name="bench/big"
        )

        fake.log.clear()
        started = time.perf_counter()
        result = repository_sync(repository=repository, full=True)
        wall = time.perf_counter() - started
        floors = {
            "issues": (items, "issues+PRs: the issues endpoint lists both"),
            "pulls": (sizes["pulls"], "PR fields (head, base, draft, reviewers)"),
            "alerts": (sizes["alerts"], "cursor pagination"),
            "runs": (sizes["runs"], "last 90 days"),
        }
        graphql = fake.count("graphql")
        print(
            f"full sync: {wall:.1f}s wall, {len(fake.log)} requests in all "
            f"({len(fake.log) - graphql} REST, {graphql} GraphQL)"
        )
        print(f"  {'resource':<20}{'items':>8}{'requests':>10}{'floor':>8}  note")
        list_total = floor_total = 0
        for resource, (n, note) in floors.items():
            floor = math.ceil(n / 100)
            requests = fake.count(resource)
            list_total += requests
            floor_total += floor
            print(f"  {resource:<20}{n:>8}{requests:>10}{floor:>8}  {note}")
        alone = math.ceil(items / 100)
        print(f"  {'lists total':<20}{'':>8}{list_total:>10}{floor_total:>8}  floor of issues+PRs alone: {alone}")
        details = result.changes.get("pull_details", {}).get("updated", 0)
        print(
            f"  {'pull_details':<20}{details:>8}{fake.count('graphql'):>10}{math.ceil(details / 50):>8}  GraphQL, "
            f"50 open or recently merged PRs a query (reviews, first commit, checks); "
            f"{5000 - fake.graphql.remaining} points"
        )
        for resource in ("repository", "deployments", "releases", "deployment_statuses"):
            print(f"  {resource:<20}{'':>8}{fake.count(resource):>10}")
        harness.require("detail requests of the full sync", fake.count("graphql"), at_most=60 // scale)

        fake.log.clear()
        remaining, points = fake.rate_remaining, fake.graphql.remaining
        started = time.perf_counter()
        repository_sync(repository=repository)
        wall = time.perf_counter() - started
        not_modified = fake.count(status=304)
        print(
            f"unchanged poll: {len(fake.log)} requests ({fake.count('graphql')} GraphQL), {not_modified} of them "
            f"304 Not Modified, {remaining - fake.rate_remaining} counted against the rate limit, "
            f"{points - fake.graphql.remaining} GraphQL points, {wall:.2f}s"
        )

        pulls = sorted(repo.pulls)[:10]
        for number in [*range(1, 41), *pulls]:
            fake.touch_issue(repo, number, title=f"Edited {number}")
        fake.log.clear()
        started = time.perf_counter()
        result = repository_sync(repository=repository)
        wall = time.perf_counter() - started
        print(
            f"incremental after 50 edits (40 issues, 10 PRs): {len(fake.log)} requests "
            f"(issues {fake.count('issues')}, pulls {fake.count('pulls')}, details {fake.count('graphql')}), "
            f"{result.summary()}, {wall:.2f}s"
        )
    finally:
        fake.stop()
