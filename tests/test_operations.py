"""Liveness, readiness, metrics and structured logs."""

import json
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_while_the_process_serves(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


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
