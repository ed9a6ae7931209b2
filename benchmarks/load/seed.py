"""Seed the load run's database: teams of 10 people with a board, a retro, GitHub data, sessions and tokens.

Run by benchmarks.load.run inside the app's settings (its own database). Writes what the locust users need
(session keys, ids, secrets) as JSON to the path given. Sessions are created here, as a login would, so the
run measures the pages and not 800 password hashes at start.
"""

import importlib
import io
import json
import sys

PEOPLE_PER_TEAM = 10


def _session(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def seed(teams: int) -> list[dict]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from integrations import demo as github_demo
    from integrations.models import Connection
    from kanban import demo as kanban_demo
    from kanban.models import Board
    from retros.services import retro_create
    from teams.models import Membership, Team
    from tokens.services import token_create

    password = make_password("load-run-password")
    out = []
    quiet = io.StringIO()
    for n in range(teams):
        team = Team.objects.create(slug=f"load-{n}", name=f"Load {n}")
        people = User.objects.bulk_create(
            User(username=f"load-{n}-{k}", email=f"load-{n}-{k}@example.com", password=password)
            for k in range(PEOPLE_PER_TEAM)
        )
        Membership.objects.bulk_create(
            Membership(team=team, user=person, role="owner" if k == 0 else "member") for k, person in enumerate(people)
        )
        kanban_demo.seed(team=team, user=people[0], stdout=quiet)
        github_demo.seed(team=team, user=people[0], stdout=quiet)
        board = Board.objects.for_team(team).get()
        retro = retro_create(team=team, title="Load retro", by=people[0])
        connection = Connection.objects.for_team(team).get()
        columns = list(board.columns.values_list("pk", flat=True))
        out.append(
            {
                "team": team.slug,
                "board": board.pk,
                "columns": columns,
                "cards": list(board.cards.values_list("pk", flat=True)),
                "retro": retro.pk,
                "connection": connection.pk,
                "webhook_secret": connection.webhook_secret,
                "token": token_create(user=people[0], name="load")[1],
                "sessions": [_session(person) for person in people],
            }
        )
    return out


if __name__ == "__main__":
    import django

    django.setup()
    teams, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "w") as handle:
        json.dump(seed(teams), handle)
