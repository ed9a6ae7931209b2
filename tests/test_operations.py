"""Liveness, readiness, metrics and structured logs."""

import json
import logging

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite, pytest.mark.production]


def test_healthz_answers_200_while_the_process_serves(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "release": "dev"}


def test_readyz_reports_each_check_when_everything_answers(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    if settings.REDIS_URL:
        assert body["checks"]["broker"]["ok"] is True


def test_readyz_answers_503_when_the_broker_is_down(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_readyz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "detail": "connection refused",
    }


def test_every_log_line_of_a_request_is_json_with_its_request_id(client, caplog):
    from devopsboard.logging import configure_logging

    handler_config = configure_logging(level="INFO", fmt="json")["formatters"]["structured"]
    formatter = handler_config.pop("()")(**handler_config)
    with caplog.at_level(logging.INFO, logger="django_structlog"):
        client.get("/healthz", HTTP_X_REQUEST_ID="req-123")
    lines = [formatter.format(record) for record in caplog.records if record.name.startswith("django_structlog")]
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert entry["request_id"] == "req-123"


def test_secrets_are_redacted_from_log_lines():
    from devopsboard.logging import redact_secrets

    event = redact_secrets(None, "info", {"event": "connect", "token": "ghp_abc", "repo": "a/b"})
    assert event == {"event": "connect", "token": "[redacted]", "repo": "a/b"}


def test_a_nul_character_in_a_filter_is_a_clear_400_not_a_server_error(client_in, team):
    api = client_in.get(f"/api/v1/teams/{team.slug}/cards/?q=a%00b")
    assert api.status_code == 400
    assert "NUL" in api.json()["detail"]
    page = client_in.get(f"/t/{team.slug}/?q=%00")
    assert page.status_code == 400


def test_a_nul_character_in_a_form_or_json_body_is_a_clear_400(client_in, team, api_client):
    form = client_in.post(
        f"/api/v1/teams/{team.slug}/cards/", "title=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 400
    assert "NUL" in form.json()["detail"]
    body = api_client.post(
        f"/api/v1/teams/{team.slug}/cards/", {"title": "a\x00b", "assignees": ["x\x00"]}, format="json"
    )
    assert body.status_code == 400
    assert "NUL" in body.json()["detail"]


def _events(caplog) -> list[dict]:
    return [record.msg for record in caplog.records if isinstance(record.msg, dict)]


def test_a_task_logs_the_request_id_and_team_of_the_request_that_enqueued_it(celery_worker, client, caplog):
    import time

    from integrations.tests.factories import RepositoryFactory
    from teams.tests.factories import MembershipFactory

    membership = MembershipFactory(role="member")
    repository = RepositoryFactory(team=membership.team, connection__team=membership.team, sync_enabled=False)
    client.force_login(membership.user)
    with caplog.at_level(logging.INFO):
        response = client.post(
            f"/t/{membership.team.slug}/github/repositories/{repository.pk}/sync/", HTTP_X_REQUEST_ID="req-shared-1"
        )
        assert response.status_code == 302
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(e["event"] == "task_succeeded" for e in _events(caplog)):
            time.sleep(0.1)
    events = _events(caplog)
    enqueued = next(e for e in events if e["event"] == "task_enqueued")
    started = next(e for e in events if e["event"] == "task_started")
    assert enqueued["request_id"] == started["request_id"] == "req-shared-1"
    assert started["task_id"] == enqueued["child_task_id"]
    assert started["team"] == membership.team.slug
    assert started["user_id"] == membership.user.pk


def test_a_login_logs_neither_the_password_nor_the_session_cookie(client, caplog, user):
    from devopsboard.logging import configure_logging

    user.set_password("correct horse battery staple")
    user.save()
    config = configure_logging(level="INFO", fmt="json")["formatters"]["structured"]
    formatter = config.pop("()")(**config)
    with caplog.at_level(logging.INFO):
        client.post("/accounts/login/", {"username": user.username, "password": "correct horse battery staple"})
        client.get("/healthz", HTTP_AUTHORIZATION="Token abcdef0123456789")
    output = "\n".join(formatter.format(record) for record in caplog.records)
    assert "request_finished" in output
    assert "correct horse battery staple" not in output
    assert "abcdef0123456789" not in output
    assert client.cookies["sessionid"].value not in output


def test_secrets_are_redacted_at_any_depth_and_by_any_name_that_says_secret():
    from devopsboard.logging import redact_secrets

    event = redact_secrets(
        None,
        "info",
        {"event": "connect", "github_token": "ghp_abc", "request": {"HTTP_AUTHORIZATION": "Bearer x", "path": "/"}},
    )
    assert event == {
        "event": "connect",
        "github_token": "[redacted]",
        "request": {"HTTP_AUTHORIZATION": "[redacted]", "path": "/"},
    }
