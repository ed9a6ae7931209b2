"""The issue's mix, per 20 people: 12 on a live board, 6 in a live retro, 4 on the dashboard, 2 moving cards
through the API, 2 sending signed GitHub webhooks. `HealthzUser` alone measures the trivial ceiling.

Needs LOAD_SEED (the JSON benchmarks/load/seed.py wrote). The app runs with DJANGO_DEBUG=0 over plain http on
loopback, so the session cookie (marked Secure) is sent by hand. Each request is named by its kind, so the
figures come per kind: board poll, board open, column refresh, retro poll, retro open, dashboard, card move
(API), webhook, healthz.
"""

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import FastHttpUser, between, constant, task

TEAMS = json.loads(Path(os.environ["LOAD_SEED"]).read_text()) if os.environ.get("LOAD_SEED") else []
_people = itertools.count()
VERSION = re.compile(rb'data-version="(\d+)"')
# An issues.opened delivery for the seeded repository (integrations/demo.py): the worker upserts the issue.
ISSUE = {
    "action": "opened",
    "issue": {
        "id": 0,
        "number": 0,
        "title": "Load run issue",
        "state": "open",
        "user": {"login": "load", "id": 1},
        "labels": [],
        "created_at": "2026-12-01T00:00:00Z",
        "updated_at": "2026-12-01T00:00:00Z",
        "html_url": "https://github.com/demo-org/shop/issues/0",
        "body": "",
    },
    "repository": {"id": 424242, "full_name": "demo-org/shop", "name": "shop", "owner": {"login": "demo-org"}},
    "sender": {"login": "load", "id": 1},
}


class Person(FastHttpUser):
    """One person of a seeded team, logged in (its session cookie)."""

    abstract = True

    def on_start(self):
        n = next(_people)
        self.team = TEAMS[(n // 10) % len(TEAMS)]
        self.headers = {"Cookie": f"sessionid={self.team['sessions'][n % 10]}"}
        self.prefix = f"/t/{self.team['team']}"

    def get(self, path, name, **kwargs):
        return self.client.get(path, name=name, headers=self.headers, **kwargs)


class BoardViewer(Person):
    """A live board: a full open every 30 s, a poll every 2 s, the changed columns refreshed."""

    weight = 12
    wait_time = constant(2)

    def on_start(self):
        super().on_start()
        self.board = f"{self.prefix}/board/{self.team['board']}/"
        self.version = ""
        self.opened = -1
        self.polls = 0

    def open(self):
        with self.get(self.board, "board open", catch_response=True) as response:
            found = VERSION.search(response.content or b"")
            if response.status_code == 200 and found:
                self.version = found.group(1).decode()
                response.success()
            else:
                response.failure(f"board open {response.status_code}")

    @task
    def live(self):
        if self.polls % 15 == 0:
            self.open()
        self.polls += 1
        with self.get(f"{self.board}changes/?since={self.version}", "board poll", catch_response=True) as response:
            if response.status_code == 204:
                response.success()
                return
            if response.status_code != 200:
                response.failure(f"board poll {response.status_code}")
                return
            response.success()
            changed = response.json()
        self.version = str(changed["version"])
        for column in changed["columns"]:
            self.get(f"{self.board}columns/{column}/", "column refresh")


class RetroViewer(Person):
    """A live retro: the meeting page once, then a poll every 2 s (the live region when it changed)."""

    weight = 6
    wait_time = constant(2)

    def on_start(self):
        super().on_start()
        self.retro = f"{self.prefix}/retros/{self.team['retro']}/"
        self.version = ""
        self.load(self.retro, "retro open")

    def load(self, path, name):
        with self.get(path, name, catch_response=True) as response:
            found = VERSION.search(response.content or b"")
            if response.status_code == 204:
                response.success()
            elif response.status_code == 200 and found:
                self.version = found.group(1).decode()
                response.success()
            else:
                response.failure(f"{name} {response.status_code}")

    @task
    def live(self):
        self.load(f"{self.retro}poll/?v={self.version}", "retro poll")


class DashboardViewer(Person):
    weight = 4
    wait_time = between(5, 15)

    @task
    def dashboard(self):
        self.get(f"{self.prefix}/", "dashboard")


class CardMover(Person):
    """Moves a card of the team's board to another column through the API, as a script would."""

    weight = 2
    wait_time = between(2, 8)

    @task
    def move(self):
        card = random.choice(self.team["cards"])
        body = {"column": random.choice(self.team["columns"]), "position": 0}
        with self.client.post(
            f"/api/v1/teams/{self.team['team']}/cards/{card}/move/",
            json=body,
            name="card move (API)",
            headers={"Authorization": f"Token {self.team['token']}"},
            catch_response=True,
        ) as response:
            # A full column refuses with a 4xx that says why (a WIP limit): an answer, not an error.
            if response.status_code == 200 or 400 <= response.status_code < 500 and "detail" in response.text:
                response.success()
            else:
                response.failure(f"card move {response.status_code}")


class WebhookSender(Person):
    """GitHub: a signed issues delivery with a fresh GUID."""

    weight = 2
    wait_time = between(2, 8)

    @task
    def deliver(self):
        number = random.randint(1000, 100000)
        payload = json.loads(json.dumps(ISSUE))
        payload["issue"].update(id=number, number=number)
        body = json.dumps(payload)  # ASCII: the bytes sent are the bytes signed
        signature = hmac.new(self.team["webhook_secret"].encode(), body.encode(), hashlib.sha256).hexdigest()
        self.client.post(
            f"/integrations/github/webhook/{self.team['connection']}/",
            data=body,
            name="webhook",
            headers={
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": f"sha256={signature}",
                "User-Agent": "GitHub-Hookshot/load",
            },
        )


class HealthzUser(FastHttpUser):
    """The trivial request, flat out: the ceiling the mix is compared with (run alone, named on the command line)."""

    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="healthz")
