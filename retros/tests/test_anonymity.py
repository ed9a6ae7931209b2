"""After a whole anonymous retro, nothing links a note, vote or safety answer to its author.

Three people run the retro through the real pages. Then we look where a link could hide: a
dump of every retro model and of the audit trail, the captured logs, and every page and API
answer anybody received.
"""

import io
import json
import logging
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from retros.models import Note, Retro, SafetyAnswer, Vote
from retros.tests.factories import make_team
from teams.models import Team

pytestmark = pytest.mark.django_db

NOTES = {0: ["Deploys on Friday hurt", "Pairing helped"], 1: ["Flaky tests again"], 2: ["More demos", "Less meetings"]}
VOTES = {0: [0, 0], 1: [0, 1], 2: [1]}  # indexes into the groups, per person
ANSWERS = {0: 2, 1: 4, 2: 5}
NOTE_BLOCK = re.compile(r'<li class="retro-note[^"]*"[^>]*>.*?</li>', re.S)


class Meeting:
    def __init__(self, team: Team, users: list[User]) -> None:
        self.team, self.users = team, users
        self.clients = []
        for user in users:
            client = Client()
            client.force_login(user)
            self.clients.append(client)
        self.responses: list[tuple[int, str]] = []  # (index of the person who received it, body)

    def post(self, who, path, data=None, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.clients[who].post(path, data or {}, headers=headers)
        assert response.status_code in (200, 204, 302), response.content.decode()[:500]
        self.responses.append((who, response.content.decode()))
        return response

    def get(self, who, path, **params):
        response = self.clients[who].get(path, params)
        assert response.status_code == 200
        self.responses.append((who, response.content.decode()))
        return response.content.decode()


def run_anonymous_retro(team: Team, users: list[User]) -> tuple[Meeting, Retro]:
    meeting = Meeting(team, users)
    meeting.post(
        0,
        f"/t/{team.slug}/retros/new/",
        {
            "title": "Anonymous week",
            "format": "start_stop_continue",
            "anonymous": "on",
            "vote_budget": 3,
            "group_vote_cap": 2,
        },
    )
    retro = Retro.objects.get()
    url = retro.get_absolute_url()
    for who, value in ANSWERS.items():
        meeting.post(who, url + "safety/", {"value": value}, htmx=who == 1)
    for _ in range(2):
        meeting.post(0, url + "phase/")
    for who, texts in NOTES.items():
        for text in texts:
            meeting.post(who, url + "notes/", {"prompt": "Start", "text": text}, htmx=who == 2)
    for who in NOTES:
        page = meeting.get(who, url)
        for other, texts in NOTES.items():
            for text in texts:
                assert (text in page) == (other == who), f"{text!r} seen by person {who} before the reveal"
    meeting.post(0, url + "reveal/")
    meeting.post(0, url + "phase/")  # group
    meeting.post(1, url + "groups/", {"title": "Delivery"})
    group = retro.groups.get()
    for note in Note.objects.filter(text__in=["Deploys on Friday hurt", "Flaky tests again"]):
        meeting.post(2, url + "notes/group/", {"note": note.pk, "group": group.pk})
    meeting.post(0, url + "phase/")  # vote: the loose notes become groups
    groups = list(retro.groups.order_by("position"))
    for who, picks in VOTES.items():
        for pick in picks:
            meeting.post(who, url + "vote/", {"group": groups[pick].pk}, htmx=who == 0)
    meeting.post(0, url + "phase/")  # discuss
    meeting.post(1, url + "actions/", {"text": "Freeze deploys on Fridays", "owner": users[1].pk})
    meeting.post(0, url + "phase/")  # summary
    for who in range(3):
        meeting.get(who, url)
        meeting.get(who, url + "poll/", v="0")
        meeting.get(who, url + "summary.md")
        meeting.get(who, f"/t/{team.slug}/retros/")
        api = APIClient()
        api.force_authenticate(users[who])
        for path in (f"/api/v1/teams/{team.slug}/retros/", f"/api/v1/teams/{team.slug}/retros/{retro.pk}/"):
            answer = api.get(path)
            assert answer.status_code == 200
            meeting.responses.append((who, answer.content.decode()))
    return meeting, retro


def test_nothing_links_a_note_vote_or_safety_answer_to_its_author(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    team, users = make_team()
    meeting, retro = run_anonymous_retro(team, users)
    notes, votes, answers = list(Note.objects.all()), list(Vote.objects.all()), list(SafetyAnswer.objects.all())
    assert len(notes) == 5 and len(votes) == 5 and len(answers) == 3
    item_ids = {str(x.pk) for x in notes + votes + answers}

    # 1. The database: the rows name nobody, carry no time, keep no tag; counters point at no item.
    out = io.StringIO()
    call_command("dumpdata", "retros", "teams.auditevent", "kanban.card", "kanban.cardevent", stdout=out)
    rows = json.loads(out.getvalue())
    by_model: dict[str, list[dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    for row in by_model["retros.note"]:
        assert set(row["fields"]) == {"retro", "prompt", "text", "author", "owner_tag", "group", "hidden"}
        assert row["fields"]["author"] is None and row["fields"]["owner_tag"] == ""
    for row in by_model["retros.vote"]:
        assert set(row["fields"]) == {"retro", "group", "voter", "owner_tag"}
        assert row["fields"]["voter"] is None and row["fields"]["owner_tag"] == ""
    for row in by_model["retros.safetyanswer"]:
        assert set(row["fields"]) == {"retro", "value"}
    for row in by_model.get("retros.participation", []):
        assert set(row["fields"]) == {"retro", "user", "votes_used", "safety_answered"}
    # Writing order is not recoverable: keys are random, and rows come back in content order.
    assert [n.text for n in notes] == sorted(n.text for n in notes)
    for row in by_model["teams.auditevent"]:
        text = json.dumps(row["fields"])
        assert not any(item in text for item in item_ids), row
        assert not any(note.text in text for note in notes), row
        assert row["fields"]["action"] not in ("retro.note_added", "retro.voted", "retro.safety_answered")

    # 2. The logs: no item id, no note text, no group id in a path next to a user.
    logged = "\n".join(f"{record.msg} {record.args}" for record in caplog.records)
    assert "request_started" in logged  # the request log was captured, so this can fail
    for item in item_ids:
        assert item not in logged
    for note in notes:
        assert note.text not in logged
    assert "/vote/" in logged and not re.search(r"/groups/\d+/vote", logged)

    # 3. Every answer anybody received: notes never next to a name, no author field in the API.
    usernames = [u.username for u in users]
    for who, body in meeting.responses:
        for block in NOTE_BLOCK.findall(body):
            assert not any(name in block for name in usernames), block
        if body.startswith("{"):
            for note in json.loads(body).get("notes", []):
                assert "author" not in note
        for other, texts in NOTES.items():
            if other != who and "Reflect" in body and "Your notes are private" in body:
                assert not any(text in body for text in texts)
