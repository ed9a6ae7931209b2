"""Cost of the retro meeting's live poll: unchanged (204 from the cache) and changed (re-render).

15 participants each poll every 2 s: 7.5 polls/s for one meeting. Measured in-process through
Django's test client (the whole middleware stack, a logged-in session, no network), median of
several runs after a warm-up, next to a trivial view (`bench/trivial/`, the framework's ceiling
through the same middleware) in the same run. Uses a throwaway database `bench_retros` on the
server of DATABASE_URL and the Redis of REDIS_URL when set (the cache the poll reads).

Workers: a sync gunicorn worker serves one request at a time, so a meeting keeps
7.5 × (seconds per poll) workers busy; the figure printed is that load and the workers it takes
at 70 % utilisation, for a quiet meeting (every poll unchanged) and a busy one (every poll
re-renders, i.e. something changes at least every 2 s).
"""

import math
import os
import secrets
import sys
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database, time_ms

DB_NAME = "bench_retros"
PARTICIPANTS = 15
POLL_SECONDS = 2
UTILISATION = 0.7


def main(*, short: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("retros: needs DATABASE_URL pointing at PostgreSQL (a database bench_retros is created there).")
        return
    recreate_database(url, DB_NAME)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{DB_NAME}"))
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
    os.environ["LOG_LEVEL"] = "WARNING"
    try:
        _run(short=short)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, DB_NAME, drop_only=True)


def _meeting(team, people):
    """A 15-person anonymous retro in the discuss phase: 45 notes in 9 groups, every vote cast."""
    from retros.models import Phase
    from retros.services import (
        action_create,
        group_add_note,
        group_create,
        note_add,
        retro_advance_phase,
        retro_create,
        safety_answer,
        vote_cast,
    )

    facilitator = people[0]
    retro = retro_create(team=team, title="Bench retro", by=facilitator)

    def advance(phase):
        nonlocal retro
        while retro.phase != phase:
            retro = retro_advance_phase(retro=retro, by=facilitator)

    for n, person in enumerate(people):
        safety_answer(retro=retro, value=1 + n % 5, by=person)
    advance(Phase.REFLECT)
    for n, person in enumerate(people * 3):
        note_add(
            retro=retro,
            prompt=retro.prompts[n % 3],
            text=f"note {n} " + "words " * 12,
            by=person,
            secret=secrets.token_hex(32),
        )
    advance(Phase.GROUP)
    groups = [group_create(retro=retro, title=f"theme {g}", by=facilitator) for g in range(9)]
    for n, note in enumerate(retro.notes.all()):
        group_add_note(note=note, group=groups[n % 9], by=facilitator)
    advance(Phase.VOTE)
    for n, person in enumerate(people):
        secret = secrets.token_hex(32)
        for k in range(3):
            vote_cast(retro=retro, group=groups[(n + k) % 9], by=person, secret=secret)
    advance(Phase.DISCUSS)
    for g in groups[:3]:
        action_create(retro=retro, text=f"act on {g.title}", by=facilitator, owner=people[1], group=g)
    return retro


def _run(*, short: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.ROOT_URLCONF = "benchmarks.webhook_urls"  # the app's URLs plus the trivial view
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from kanban.tests.factories import make_board
    from retros import live
    from teams.models import Membership
    from teams.services import team_create
    from teams.tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    cache.clear()
    people = [UserFactory.create(username=f"bench{n}") for n in range(PARTICIPANTS)]
    team = team_create(name="Bench", by=people[0])
    Membership.objects.bulk_create([Membership(team=team, user=p, role="member") for p in people[1:]])
    make_board(team)  # action items need a board for their cards
    retro = _meeting(team, people)
    client = Client()
    client.force_login(people[1])
    page = client.get(retro.get_absolute_url(), secure=True)
    assert page.status_code == 200
    runs = 30 if short else 200
    headers = {"HX-Request": "true"}
    poll = retro.get_absolute_url() + "poll/?v={}"

    def trivial():
        assert client.post("/bench/trivial/", b"", content_type="application/json", secure=True).status_code == 202

    # Read once: nothing changes while the unchanged poll is timed, and the timed call is the poll alone.
    unchanged_url = poll.format(live.current_version(retro.pk))

    def unchanged():
        response = client.get(unchanged_url, headers=headers, secure=True)
        assert response.status_code == 204

    def changed():
        response = client.get(poll.format(0), headers=headers, secure=True)  # a version the client never saw: re-render
        assert response.status_code == 200

    from django.db import connection

    def queries(fn) -> int:
        seen: list[str] = []

        def count(execute, sql, *args):
            seen.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            fn()
        return len(seen)

    rows = []
    for name, fn in (
        ("trivial view", trivial),
        ("poll, unchanged (204)", unchanged),
        ("poll, changed (render)", changed),
    ):
        rows.append((name, time_ms(fn, runs=runs, warmups=3)[0], queries(fn)))
    base = rows[0][1]
    rate = PARTICIPANTS / POLL_SECONDS
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"{PARTICIPANTS} participants polling every {POLL_SECONDS} s = {rate:.1f} polls/s; "
        f"cache: {backend}; {runs} runs each"
    )
    print(
        f"{'request':<24} | {'median':>9} | {'x trivial':>9} | {'queries':>7} | "
        f"{'busy workers':>12} | {'workers @70%':>12}"
    )
    for name, ms, n in rows:
        busy = rate * ms / 1000
        workers = max(1, math.ceil(busy / UTILISATION))
        print(f"{name:<24} | {ms:>6.2f} ms | {ms / base:>9.2f} | {n:>7} | {busy:>12.3f} | {workers:>12}")
    sys.stdout.flush()
