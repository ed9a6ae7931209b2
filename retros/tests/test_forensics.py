"""An administrator with every tool tries to link an anonymous retro's contributions to their authors.

Four people run an anonymous retro through the real pages (Redis as the cache, PostgreSQL), the
truth (who answered, wrote and voted what, in which order) recorded. Once the phases are closed
the attacker holds: the row order of a dump (ORDER BY ctid), live transaction ids (xmin), every
row version still on the pages (pageinspect, dead ones included), Redis, the audit table and every
log line. For each kind of contribution the attack pairs the i-th row (in the order the attacker
sees) with the i-th author (in the true order of writing): an order leak gives every pair.

One retro cannot tell a shuffle from luck, so the order attack is also measured over TRIALS sealed
boxes of four answers each: by chance a pairing is right one time in four, so 25 % is expected,
and the test allows at most MARGIN standard deviations above that (p ≈ 3·10⁻⁵ of a false alarm);
writing in the order of arrival would score 100 %.
"""

import logging
import math
import random

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from retros.models import Note, Phase, Retro, SafetyAnswer, Vote
from retros.services import retro_advance_phase, safety_answer
from retros.tests.factories import make_retro, make_team
from retros.tests.forensic_checks import assert_audit_and_request_log_name_nobody

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.redis]

ANSWERS = [2, 5, 1, 4]  # person i answers ANSWERS[i]; they answer in the order 0, 1, 2, 3
NOTES = ["Deploys hurt", "Standups drag", "Docs are stale", "Pairing rocks"]  # one each, in that order
TRIALS, MARGIN = 40, 4


def _rows(table: str, retro: Retro, column: str) -> list[tuple]:
    with connection.cursor() as cursor:
        # Names from this module only, never from input.
        query = f"SELECT {column}, xmin::text FROM {table} WHERE retro_id = %s ORDER BY ctid"  # noqa: S608
        cursor.execute(query, [retro.pk])
        return cursor.fetchall()


def _hits(guessed: list, truth: list) -> int:
    return sum(1 for g, t in zip(guessed, truth, strict=True) if g == t)


def _page_versions(table: str, since: int) -> list[tuple[int, int]]:
    """Every tuple on the table's pages written after transaction `since`, dead versions included."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        versions: list[tuple[int, int]] = []
        for page in range(cursor.fetchone()[0]):
            cursor.execute(
                "SELECT t_xmin::text::bigint, t_xmax::text::bigint FROM heap_page_items(get_raw_page(%s, %s))"
                " WHERE t_xmin IS NOT NULL",
                [table, page],
            )
            versions += [(xmin, xmax) for xmin, xmax in cursor.fetchall() if xmin > since]
        return versions


@pytest.mark.django_db(transaction=True)
def test_no_kind_of_contribution_links_to_its_author_better_than_chance(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current() % 4294967296")
        since = cursor.fetchone()[0]
    team, users = make_team(("owner", "member", "member", "member"))
    retro = make_retro(team, users[0], vote_budget=2, group_vote_cap=2)
    url = retro.get_absolute_url()
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        client.get(url)
        clients.append(client)
    store = redis.Redis.from_url(settings.REDIS_URL)

    for person, value in enumerate(ANSWERS):
        assert clients[person].post(url + "safety/", {"value": value}).status_code == 302
    assert store.keys("*retro:box*"), "the open phase's contributions are in Redis"
    assert not SafetyAnswer.objects.exists(), "nothing in the tables while the phase is open"
    clients[0].post(url + "phase/")
    clients[0].post(url + "phase/")
    for person, text in enumerate(NOTES):
        clients[person].post(url + "notes/", {"prompt": "Start", "text": text})
    assert not Note.objects.exists()
    clients[0].post(url + "phase/")  # group (the notes are revealed and written)
    notes_at_seal = _rows("retros_note", retro, "text")  # grouping rewrites them later, in content order
    clients[0].post(url + "phase/")  # vote: every note its own group
    groups = {g.title: g for g in retro.groups.all()}
    votes = [(person, groups[NOTES[(person + 1) % 4]]) for person in range(4)]  # each votes for the next note
    for person, group in votes:
        clients[person].post(url + "vote/", {"group": group.pk})
    assert not Vote.objects.exists()
    clients[0].post(url + "phase/")  # discuss
    retro.refresh_from_db()
    assert retro.phase == Phase.DISCUSS

    # Dump order: the i-th row against the i-th writer (12 pairings, 3 expected by chance).
    answers = _rows("retros_safetyanswer", retro, "value")
    notes = _rows("retros_note", retro, "text")
    dots = _rows("retros_vote", retro, "group_id")
    assert sorted(v for v, _ in answers) == sorted(ANSWERS) and sorted(t for t, _ in notes) == sorted(NOTES)
    assert sorted(g for g, _ in dots) == sorted(g.pk for _, g in votes)
    for notes_seen in (notes_at_seal, notes):
        hits = _hits([v for v, _ in answers], ANSWERS) + _hits([t for t, _ in notes_seen], NOTES)
        hits += _hits([g for g, _ in dots], [g.pk for _, g in votes])
        assert hits <= 12 * 0.25 + MARGIN * math.sqrt(12 * 0.25 * 0.75), "row order follows the writers"

    # Live xmin: one transaction per kind, shared with no row that names a person.
    for rows in (answers, notes_at_seal, notes, dots):
        assert len({xmin for _, xmin in rows}) == 1
    sealed = {int(xmin) for rows in (answers, notes_at_seal, dots) for _, xmin in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text::bigint FROM retros_participation UNION SELECT xmin::text::bigint FROM teams_auditevent"
        )
        naming = {row[0] for row in cursor.fetchall()}
    assert not sealed & naming
    assert not retro.participations.exists()

    # pageinspect: no answer or dot was ever rewritten (no dead version keeps an older state), every
    # version was written by a sealing transaction; notes are rewritten only later (grouping).
    for table in ("retros_safetyanswer", "retros_vote"):
        versions = _page_versions(table, since)
        assert versions and {xmax for _, xmax in versions} == {0}, table
        assert {xmin for xmin, _ in versions} <= sealed, table
    notes_sealed = int(notes_at_seal[0][1])
    assert all(xmin >= notes_sealed for xmin, _ in _page_versions("retros_note", since))

    # Redis: the boxes died with their phases.
    assert not store.keys("*retro:box*")

    assert_audit_and_request_log_name_nobody(team, caplog)


def test_the_order_of_sealed_answers_is_chance_over_many_boxes() -> None:
    """40 boxes of 4 distinct answers: a pairing is right 25 % of the time by chance; writing order gives 100 %."""
    team, users = make_team(("owner", "member", "member", "member"))
    hits = 0
    for _ in range(TRIALS):
        retro = make_retro(team, users[0])
        values = random.sample(range(1, 6), len(users))
        for user, value in zip(users, values, strict=True):
            safety_answer(retro=retro, value=value, by=user)
        retro_advance_phase(retro=retro, by=users[0])
        hits += _hits([v for v, _ in _rows("retros_safetyanswer", retro, "value")], values)
    guesses, chance = TRIALS * len(users), 1 / len(users)
    bound = chance + MARGIN * math.sqrt(chance * (1 - chance) / guesses)
    assert hits / guesses <= bound, (
        f"{hits / guesses:.0%} of answers in writing order (chance: 25 %, bound {bound:.0%})"
    )
