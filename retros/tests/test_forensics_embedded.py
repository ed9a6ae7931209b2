"""The embedded default keeps the anonymity promise: SQLite, the ballot box in the process (issue 21).

What applies there of the PostgreSQL forensic test (test_forensics.py): four people run an anonymous
retro through the real pages with the cache in the process's memory (no Redis), the truth recorded.
Once the phases are closed the attacker holds the database file, read in its physical order (rowid
on SQLite, ctid elsewhere) and in id order, the process's cache, the audit table and every log line.
SQLite has no transaction ids, row versions or page inspection to read: a rewritten row is rewritten
in place. Each kind of contribution's i-th row is paired with its i-th writer; by chance 3 of the 12
pairings are right, and the test allows MARGIN standard deviations above that.
"""

import logging
import math
from typing import Any, cast

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from retros.models import Note, Phase, Retro, SafetyAnswer, Vote
from retros.tests.factories import make_retro, make_team
from retros.tests.forensic_checks import assert_audit_and_request_log_name_nobody

pytestmark = [pytest.mark.sqlite]

ANSWERS = [2, 5, 1, 4]
NOTES = ["Deploys hurt", "Standups drag", "Docs are stale", "Pairing rocks"]
MARGIN = 4
IN_PROCESS = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "forensics"}}


def _rows(table: str, retro: Retro, column: str, order: str) -> list:
    physical = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        # Names from this module only, never from input.
        by = physical if order == "physical" else "id"
        query = f"SELECT {column} FROM {table} WHERE retro_id = %s ORDER BY {by}"  # noqa: S608
        cursor.execute(query, [retro.pk])
        return [row[0] for row in cursor.fetchall()]


def _hits(guessed: list, truth: list) -> int:
    return sum(1 for g, t in zip(guessed, truth, strict=True) if g == t)


def _box_keys() -> list[str]:
    """What the process's memory holds of ballot boxes: the attacker reads the cache's whole store."""
    memory = cast(Any, caches["default"])._cache  # the attack reads the memory, not the cache's API
    return [key for key in memory if "retro:box" in key]


@pytest.mark.django_db(transaction=True)
def test_the_embedded_default_links_no_contribution_to_its_author(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = IN_PROCESS
    caplog.set_level(logging.INFO)
    team, users = make_team(("owner", "member", "member", "member"))
    retro = make_retro(team, users[0], anonymous=True, vote_budget=2, group_vote_cap=2)
    url = retro.get_absolute_url()
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        client.get(url)
        clients.append(client)

    for person, value in enumerate(ANSWERS):
        assert clients[person].post(url + "safety/", {"value": value}).status_code == 302
    assert _box_keys(), "the open phase's contributions are in the process's cache"
    assert not SafetyAnswer.objects.exists(), "nothing in the tables while the phase is open"
    clients[0].post(url + "phase/")
    clients[0].post(url + "phase/")
    for person, text in enumerate(NOTES):
        clients[person].post(url + "notes/", {"prompt": "Start", "text": text})
    assert not Note.objects.exists()
    clients[0].post(url + "phase/")  # group: the notes are revealed and written
    notes_at_seal = {order: _rows("retros_note", retro, "text", order) for order in ("physical", "id")}
    clients[0].post(url + "phase/")  # vote: every note its own group
    groups = {g.title: g for g in retro.groups.all()}
    votes = [groups[NOTES[(person + 1) % 4]].pk for person in range(4)]  # each votes for the next note
    for person, group in enumerate(votes):
        clients[person].post(url + "vote/", {"group": group})
    assert not Vote.objects.exists()
    clients[0].post(url + "phase/")  # discuss
    retro.refresh_from_db()
    assert retro.phase == Phase.DISCUSS

    # The file in physical order and in id order: the i-th row against the i-th writer.
    bound = 12 * 0.25 + MARGIN * math.sqrt(12 * 0.25 * 0.75)
    for order in ("physical", "id"):
        answers = _rows("retros_safetyanswer", retro, "value", order)
        dots = _rows("retros_vote", retro, "group_id", order)
        assert sorted(answers) == sorted(ANSWERS) and sorted(dots) == sorted(votes)
        for notes in (notes_at_seal[order], _rows("retros_note", retro, "text", order)):
            assert sorted(notes) == sorted(NOTES)
            hits = _hits(answers, ANSWERS) + _hits(notes, NOTES) + _hits(dots, votes)
            assert hits <= bound, f"{order} order follows the writers ({hits} of 12)"
    assert not retro.participations.exists()

    # The process's cache: the boxes died with their phases.
    assert not _box_keys()

    assert_audit_and_request_log_name_nobody(team, caplog)
