"""Postmortem list and search server time at 10,000 postmortems on PostgreSQL, next to a trivial page.

Uses a throwaway database `bench_postmortems` on the server of DATABASE_URL (created and dropped here).
Each postmortem has ~1 KB of text, two tags, five timeline entries and an action item. Times are
measured in-process through Django's test client (middleware, view, template), median and p90 of
several runs after a warm-up. The trivial page is the same list for a team with no postmortems.
"""

import os
import random
import sys
import time
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database, time_ms

SIZE, SHORT_SIZE = 10_000, 1_000
DB_NAME = "bench_postmortems"
WORDS = [
    "database",
    "replica",
    "failover",
    "latency",
    "timeout",
    "deploy",
    "rollback",
    "cache",
    "eviction",
    "queue",
    "consumer",
    "backlog",
    "certificate",
    "expiry",
    "dns",
    "resolver",
    "kubernetes",
    "node",
    "pressure",
    "memory",
    "leak",
    "disk",
    "full",
    "index",
    "migration",
    "lock",
    "contention",
    "payment",
    "checkout",
    "login",
    "session",
    "token",
    "rate",
    "limit",
    "retry",
    "storm",
    "config",
    "flag",
    "canary",
    "region",
    "network",
    "partition",
    "load",
    "balancer",
    "health",
    "check",
    "alert",
    "pager",
    "escalation",
    "customer",
    "impact",
    "error",
    "budget",
]


def _text(rng, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _fill(team, n: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from postmortems.models import ActionItem, Postmortem, Tag, TimelineEntry

    rng = random.Random(11)
    now = timezone.now()
    rows = []
    for i in range(n):
        start = now - timedelta(hours=3 * i)
        fields = {name: _text(rng, 30) for name in ("summary", "impact", "trigger", "detection", "resolution")}
        rows.append(
            Postmortem(
                team=team,
                title=f"Incident {i}: {_text(rng, 4)}",
                severity=f"SEV{rng.randint(1, 4)}",
                status=rng.choice(["draft", "in_review", "published", "published"]),
                started_at=start,
                detected_at=start + timedelta(minutes=rng.randint(1, 30)),
                resolved_at=start + timedelta(minutes=rng.randint(31, 300)),
                contributing_factors=[_text(rng, 10), _text(rng, 10)],
                went_well=[_text(rng, 8)],
                went_wrong=[_text(rng, 8)],
                got_lucky=[_text(rng, 8)],
                **fields,
            )
        )
    postmortems = Postmortem.objects.bulk_create(rows, batch_size=1000)
    entries, tags, items = [], [], []
    for pm in postmortems:
        texts = [_text(rng, 12) for _ in range(5)]
        entries += [
            TimelineEntry(postmortem=pm, at=pm.started_at + timedelta(minutes=m), text=t) for m, t in enumerate(texts)
        ]
        names = rng.sample(WORDS, 2)
        tags += [Tag(postmortem=pm, name=name) for name in names]
        items.append(
            ActionItem(postmortem=pm, description=_text(rng, 6), due_date=(pm.started_at + timedelta(weeks=4)).date())
        )
        parts = [pm.title, pm.summary, pm.impact, pm.trigger, pm.detection, pm.resolution, *pm.contributing_factors]
        pm.search_text = "\n".join([*parts, *pm.went_well, *pm.went_wrong, *pm.got_lucky, *names, *texts])
    TimelineEntry.objects.bulk_create(entries, batch_size=2000)
    Tag.objects.bulk_create(tags, batch_size=2000)
    ActionItem.objects.bulk_create(items, batch_size=2000)
    Postmortem.objects.bulk_update(postmortems, ["search_text"], batch_size=1000)


def main(*, short: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("postmortems: needs DATABASE_URL pointing at PostgreSQL (a database bench_postmortems is created there).")
        return
    recreate_database(url, DB_NAME)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{DB_NAME}"))
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    try:
        _run(short=short)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, DB_NAME, drop_only=True)


def _run(*, short: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from postmortems.models import Postmortem
    from teams.services import team_create
    from teams.tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    user = UserFactory(username="bench", password=None)
    empty = team_create(name="Empty", by=user)
    team = team_create(name="Bench", by=user)
    n = SHORT_SIZE if short else SIZE
    started = time.perf_counter()
    _fill(team, n)
    connection.cursor().execute("ANALYZE")
    print(f"filled {n} postmortems in {time.perf_counter() - started:.0f} s")
    client = Client()
    client.force_login(user)
    runs = 5 if short else 15
    detail_id = Postmortem.objects.for_team(team).order_by("-started_at").values_list("pk", flat=True)[5]

    def page(path):
        def get():
            response = client.get(path, secure=True)
            assert response.status_code == 200, (path, response.status_code)

        return get

    cases = [
        ("trivial: list of an empty team", f"/t/{empty.slug}/postmortems/"),
        ("list, newest first", f"/t/{team.slug}/postmortems/"),
        ("list, page 40", f"/t/{team.slug}/postmortems/?page=40"),
        ("list, tag + severity filter", f"/t/{team.slug}/postmortems/?tag=replica&severity=SEV2"),
        ("list, sorted by time to restore", f"/t/{team.slug}/postmortems/?sort=ttr"),
        ("search, one common word", f"/t/{team.slug}/postmortems/?q=failover"),
        ("search, two words", f"/t/{team.slug}/postmortems/?q=checkout+timeout"),
        ("search, word absent", f"/t/{team.slug}/postmortems/?q=zeppelin"),
        ("detail", f"/t/{team.slug}/postmortems/{detail_id}/"),
        ("API list, q=failover", f"/api/v1/teams/{team.slug}/postmortems/?q=failover"),
    ]
    # The trivial page first and last: the machine's speed drifts, and the first pages run on cold caches.
    trivial = cases[0][1]
    results = [(label, *time_ms(page(path), runs=runs)) for label, path in cases]
    results.append(("trivial again", *time_ms(page(trivial), runs=runs)))
    base = min(results[0][1], results[-1][1])
    print(f"{'page':<34} | {'median':>9} | {'p90':>9} | {'x trivial':>9}")
    for label, median, p90 in results:
        print(f"{label:<34} | {median:>6.1f} ms | {p90:>6.1f} ms | {median / base:>9.2f}")
    sys.stdout.flush()
