"""The embedded default (SQLite, `make run`) holds a small team writing at once.

A real server process on a fresh SQLite file; eight clients create cards at the same time, half
through the board's quick-add form (a logged-in browser session with CSRF) and half through the API
(token auth). Not one answer may be a server error and every created card must be there.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 8

SETUP = """
from django.contrib.auth import get_user_model
from kanban.models import Board, Column
from teams.models import Membership, Team
user = get_user_model().objects.create_user("writer", password="writer-password-1")
team = Team.objects.create(slug="load", name="Load")
Membership.objects.create(team=team, user=user, role="owner")
board = Board.objects.create(team=team, name="Load")
column = Column.objects.create(board=board, name="To do", position=0)
print(board.pk, column.pk)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args, stdin=None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture
def sqlite_server(tmp_path):
    """`make run`'s configuration (SQLite file, no Redis) served by runserver on a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LOG_LEVEL="ERROR")
    _manage(env, "migrate", "--noinput", "-v0")
    board_id, column_id = _manage(env, "shell", stdin=SETUP).split()[-2:]
    token = re.search(r"Generated token (\S+)", _manage(env, "drf_create_token", "writer")).group(1)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield {"base": base, "token": token, "board": int(board_id), "column": int(column_id)}
    finally:
        server.terminate()
        server.wait(timeout=10)


def _api_writer(server, seconds, results):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {server['token']}"
    url = f"{server['base']}/api/v1/teams/load/cards/"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = session.post(url, json={"board": server["board"], "column": server["column"], "title": "api"})
        results.append(("api", response.status_code, response.headers.get("Content-Type", "")))


def _page_writer(server, seconds, results):
    session = requests.Session()
    base = server["base"]
    session.get(f"{base}/accounts/login/")
    session.post(
        f"{base}/accounts/login/",
        data={"username": "writer", "password": "writer-password-1"},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{base}/accounts/login/"},
    )
    url = f"{base}/t/load/board/{server['board']}/columns/{server['column']}/cards/"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = session.post(
            url,
            data={"title": "page"},
            headers={"X-CSRFToken": session.cookies["csrftoken"], "HX-Request": "true", "Referer": base + "/"},
        )
        results.append(("page", response.status_code, response.headers.get("Content-Type", "")))


def _write_concurrently(server, seconds):
    results: list[tuple[str, int, str]] = []
    threads = [
        threading.Thread(target=_api_writer if i % 2 else _page_writer, args=(server, seconds, results))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [result for result in results if result[1] >= 400]
    assert not failures, f"{len(failures)} of {len(results)} writes failed: {failures[:5]}"
    counts = requests.get(
        f"{server['base']}/api/v1/teams/load/cards/",
        headers={"Authorization": f"Token {server['token']}"},
        timeout=10,
    ).json()["count"]
    assert counts == len(results)
    assert {kind for kind, _, _ in results} == {"api", "page"}
    assert all(content_type.startswith("application/json") for kind, _, content_type in results if kind == "api")
    return results


def test_eight_writers_through_pages_and_the_api_get_no_server_error_on_sqlite(sqlite_server):
    _write_concurrently(sqlite_server, seconds=5)


@pytest.mark.slow
def test_eight_writers_for_thirty_seconds_get_no_server_error_on_sqlite(sqlite_server):
    _write_concurrently(sqlite_server, seconds=30)
