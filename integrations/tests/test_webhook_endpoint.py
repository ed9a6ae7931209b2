"""The webhook endpoint: verify, store, answer; nothing else in the request."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings

from integrations.models import Connection, PullRequest, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    broker,
    connect_repositories,
    examples,
    post_delivery,
    sign,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services
from integrations.webhooks.request import payload_parse

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def connection(team):
    return ConnectionFactory(team=team)


@pytest.fixture
def pull_payload():
    return examples("pull_request")[0]


def test_a_signed_json_delivery_is_stored_and_acknowledged(client, connection, pull_payload):
    response = post_delivery(client, connection, "pull_request", pull_payload, guid="guid-1")

    assert response.status_code == 202
    assert response.json()["guid"] == "guid-1"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.guid, delivery.event, delivery.action) == ("guid-1", "pull_request", "opened")
    assert delivery.repository_full_name == "Codertocat/Hello-World"
    assert delivery.status == "received"
    assert delivery.team_id == connection.team_id
    assert json.loads(bytes(delivery.body)) == pull_payload
    assert delivery.headers["X-GitHub-Hook-ID"] == "42"


def test_the_request_itself_writes_no_rows_and_calls_nothing(client, connection, pull_payload):
    connect_repositories(connection, [pull_payload])
    post_delivery(client, connection, "pull_request", pull_payload)
    # Processing happens after commit, in a worker: the request stored the delivery only.
    assert not PullRequest.objects.exists()


def test_a_form_encoded_delivery_is_accepted_with_the_signature_over_the_raw_form(client, connection, pull_payload):
    response = post_delivery(client, connection, "pull_request", pull_payload, form=True)

    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert payload_parse(body=bytes(delivery.body), content_type=delivery.headers["Content-Type"]) == (pull_payload)
    connect_repositories(connection, [pull_payload])
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"
    assert PullRequest.objects.filter(github_id=pull_payload["pull_request"]["id"]).exists()


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=0123", "sha256=" + "f" * 63],
    ids=["missing", "wrong", "sha1-only", "truncated"],
)
def test_a_bad_or_missing_signature_gets_401_and_stores_nothing(client, connection, pull_payload, signature):
    response = post_delivery(client, connection, "pull_request", pull_payload, signature=signature)

    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_signed_with_another_connections_secret_is_refused(client, connection, pull_payload):
    response = post_delivery(client, connection, "pull_request", pull_payload, secret="someone-elses-secret")
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_an_unknown_connection_gets_404(client, pull_payload):
    response = client.post(
        "/integrations/github/webhook/999999/", data=b"{}", content_type="application/json", headers={}
    )
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_repeated_delivery_guid_is_acknowledged_and_not_processed_again(client, connection, pull_payload):
    connect_repositories(connection, [pull_payload])
    post_delivery(client, connection, "pull_request", pull_payload, guid="same")
    delivery = WebhookDelivery.objects.get()
    webhook_services.delivery_process(delivery_id=delivery.pk)

    again = post_delivery(client, connection, "pull_request", pull_payload, guid="same")

    assert again.status_code == 200
    assert "Already received" in again.json()["detail"]
    delivery.refresh_from_db()
    assert WebhookDelivery.objects.count() == 1
    assert (delivery.status, delivery.attempts) == ("processed", 1)


@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        (b"not json at all", "application/json", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g1"}),
        (b"[1, 2, 3]", "application/json", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g2"}),
        (b"{}", "application/json", {"X-GitHub-Delivery": "g3"}),
        (b"{}", "application/json", {"X-GitHub-Event": "push"}),
        (b"other=1", "application/x-www-form-urlencoded", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g5"}),
        (b"<xml/>", "text/xml", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g6"}),
        (b"{}", "application/json", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g\x007"}),
        (b"{}", "application/json", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "g8", "User-Agent": "a\x00b"}),
    ],
    ids=[
        "not-json",
        "json-array",
        "no-event-header",
        "no-delivery-header",
        "form-without-payload",
        "xml",
        "nul-in-guid",
        "nul-in-a-kept-header",
    ],
)
def test_a_signed_body_that_is_not_a_github_event_gets_400(client, connection, body, content_type, headers):
    response = client.post(
        connection.webhook_path(),
        data=body,
        content_type=content_type,
        headers={**headers, "X-Hub-Signature-256": sign(body)},
    )
    assert response.status_code == 400
    assert "not a GitHub event" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "in_transaction",
    [
        pytest.param(True, id="psycopg-cursor"),
        pytest.param(False, id="libpq", marks=pytest.mark.django_db(transaction=True)),
    ],
)
def test_nul_characters_in_the_payloads_fields_are_dropped_from_the_columns_not_the_body(
    client, connection, pull_payload, in_transaction
):
    pull_payload["action"] = "open\u0000ed"
    pull_payload["repository"]["full_name"] = "Codertocat/\u0000Hello-World"

    response = post_delivery(client, connection, "pull_request", pull_payload)

    assert response.status_code == 202, response.content
    delivery = WebhookDelivery.objects.get()
    assert (delivery.action, delivery.repository_full_name) == ("opened", "Codertocat/Hello-World")
    assert b"open\\u0000ed" in bytes(delivery.body)  # the raw body is kept exactly as sent


def test_an_event_we_do_not_use_is_stored_and_marked_ignored(client, connection):
    payload = examples("star")[0]
    response = post_delivery(client, connection, "star", payload)

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "ignored"
    assert "star" in delivery.error
    assert delivery.processed_at is not None


def test_an_event_of_a_repository_the_connection_does_not_cover_is_marked_ignored(client, connection, pull_payload):
    post_delivery(client, connection, "pull_request", pull_payload)
    delivery = WebhookDelivery.objects.get()

    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "ignored"
    delivery.refresh_from_db()
    assert delivery.status == "ignored"
    assert "Codertocat/Hello-World" in delivery.error
    assert not PullRequest.objects.exists()


def test_a_ping_is_answered_and_teaches_us_the_hook_id(client, connection):
    payload = examples("ping")[0]
    response = post_delivery(client, connection, "ping", payload, hook_id=str(payload["hook_id"]))

    assert response.status_code == 200
    assert response.json()["detail"] == "pong"
    delivery = WebhookDelivery.objects.get()
    assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed"
    connection.refresh_from_db()
    assert connection.webhook_hook_id == payload["hook_id"]


def test_get_is_not_allowed(client, connection):
    assert client.get(connection.webhook_path()).status_code == 405


def _post_two_with_redis_down(client, connection, pull_payload, capture):
    connect_repositories(connection, [pull_payload])
    with broker("redis://127.0.0.1:1/0"):
        with capture(execute=True):
            first = post_delivery(client, connection, "pull_request", pull_payload)
        with capture(execute=True):
            second = post_delivery(client, connection, "pull_request", examples("pull_request")[1])
    return first, second


@pytest.mark.slow
def test_with_redis_down_two_deliveries_are_acknowledged_within_two_seconds(
    client, connection, pull_payload, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    _post_two_with_redis_down(client, connection, pull_payload, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 2


def test_with_redis_down_a_delivery_is_still_acknowledged_and_swept_later(
    client, connection, pull_payload, django_capture_on_commit_callbacks
):
    first, second = _post_two_with_redis_down(client, connection, pull_payload, django_capture_on_commit_callbacks)

    assert (first.status_code, second.status_code) == (202, 202)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"received"}
    # Broker back: the sweep hands the stored deliveries to the (here eager) task.
    with broker("memory://") as app:
        app.conf.task_always_eager = True
        assert webhook_services.deliveries_sweep(grace=timedelta(0)) == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}
    assert PullRequest.objects.count() == 1


PG_DOWN_SCRIPT = """
import time, django
django.setup()
from django.test import Client
client = Client()
client.get("/integrations/github/webhook/1/")  # warm up imports and URL resolution (405, no database)
started = time.monotonic()
response = client.post("/integrations/github/webhook/1/", data=b"{}", content_type="application/json",
                       headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": "x", "X-Hub-Signature-256": "sha256=0"})
print(response.status_code, round(time.monotonic() - started, 3), response.json()["detail"])
"""


@pytest.mark.slow
def test_with_postgresql_down_the_endpoint_answers_503_within_a_second():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "devopsboard.settings",
        "DJANGO_DEBUG": "1",
        "LOG_LEVEL": "CRITICAL",
        # A closed port: what GitHub's request meets when PostgreSQL is stopped.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/webhooks_down",
    }
    result = subprocess.run(
        [sys.executable, "-c", PG_DOWN_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, seconds, detail = result.stdout.strip().splitlines()[-1].split(" ", 2)
    assert status == "503"
    assert float(seconds) < 1.0
    assert "database is unavailable" in detail


def test_a_connection_without_a_secret_accepts_nothing(client, team, pull_payload):
    connection = ConnectionFactory(team=team)
    Connection.objects.filter(pk=connection.pk).update(webhook_secret="")
    connection.refresh_from_db()
    response = post_delivery(client, connection, "pull_request", pull_payload, secret="")
    assert response.status_code == 401


def test_a_body_over_githubs_25_mb_limit_is_refused_before_anything_is_read(client, connection):
    response = client.post(
        connection.webhook_path(),
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(26 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_payload_larger_than_djangos_upload_limit_is_accepted(client, connection, pull_payload, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # GitHub sends up to 25 MB; Django's default is 2.5 MB
    pull_payload["pull_request"]["body"] = "x" * 10_000
    response = post_delivery(client, connection, "pull_request", pull_payload)
    assert response.status_code == 202
    assert len(bytes(WebhookDelivery.objects.get().body)) > 10_000
