"""PostgreSQL or Redis down: pages and the API answer 503 with Retry-After, logged once, never a 500.

The database is made unreachable for real (the connection pointed at a closed port), Redis by
starting a redis-server of the test's own and stopping it.
"""

import contextlib
import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from core import outages
from tokens.services import token_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.production]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


@contextlib.contextmanager
def database_down():
    """Point the default connection at a port where nothing listens; put it back afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": str(_closed_port())})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture(autouse=True)
def _fresh_reports():
    outages.outage_reports_clear()
    yield
    outages.outage_reports_clear()


def _unavailable_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "service.unavailable" in r.getMessage()]


def _server_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or "Internal Server Error" in r.getMessage()]


def test_a_signed_in_page_answers_503_with_retry_after_while_the_database_is_down(client_in, team, caplog):
    with database_down():
        responses = [client_in.get(f"/t/{team.slug}/board/") for _ in range(3)]

    for response in responses:
        assert response.status_code == 503
        assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
        assert response["Content-Type"].startswith("text/plain")
        assert "database is unavailable" in response.content.decode()
    assert len(_unavailable_records(caplog)) == 1, "logged once for the outage, not once per request"
    assert not _server_errors(caplog)
    assert client_in.get(f"/t/{team.slug}/board/").status_code in (200, 302), "served again once it is back"


def test_a_page_whose_view_meets_the_outage_answers_503(caplog):
    # Not signed in: the session is not read, the login view's own query is what fails.
    with database_down():
        response = Client().post("/accounts/login/", {"username": "someone", "password": "secret-enough"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert not _server_errors(caplog)


def test_the_api_answers_a_json_503_while_the_database_is_down(user, team, caplog):
    _, key = token_create(user=user, name="ci")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    with database_down():
        response = api.get(f"/api/v1/teams/{team.slug}/cards/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert response.json() == {"detail": outages.MESSAGES["database"]}
    assert not _server_errors(caplog)


def test_a_webhook_is_refused_with_retry_after_while_the_database_is_down(caplog):
    with database_down():
        response = Client().post("/integrations/github/webhook/1/", b"{}", content_type="application/json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert "not stored" in response.json()["detail"]


def test_the_health_endpoints_keep_their_answers_while_the_database_is_down():
    probe = Client()  # a probe sends no session cookie
    with database_down():
        assert probe.get("/healthz").status_code == 200
        ready = probe.get("/readyz")

    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False


# --- Redis ----------------------------------------------------------------------------


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def own_redis():
    """The cache on a redis-server of this test's own; calling the fixture's value stops that server."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed (apt install redis-server)")
    port = _closed_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        with override_settings(CACHES={"default": cache}):
            from django.core.cache import cache as live

            live.set("up", 1)
            assert live.get("up") == 1  # it was really serving

            def stop() -> None:
                server.terminate()
                server.wait(timeout=10)

            yield stop
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_live_retro_poll_answers_503_while_redis_is_down(client_in, user, own_redis, caplog):
    from retros.tests.factories import make_retro, make_team
    from teams.models import Membership

    team, users = make_team()
    Membership.objects.create(team=team, user=user, role="member")
    retro = make_retro(team, users[0])
    url = f"/t/{team.slug}/retros/{retro.pk}/poll/?v=1"
    assert client_in.get(url).status_code == 200

    own_redis()
    responses = [client_in.get(url, HTTP_HX_REQUEST="true") for _ in range(2)]

    for response in responses:
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
        assert "cache is unavailable" in response.content.decode()
    assert len(_unavailable_records(caplog)) == 1
    assert not _server_errors(caplog)
