"""Helpers for webhook tests: signing, GitHub's example payloads, posting deliveries, pointing the broker."""

import hashlib
import hmac
import json
import urllib.parse
import uuid
from contextlib import contextmanager
from functools import cache

import pytest
from django.conf import settings

from integrations.models import Repository
from integrations.webhooks import queue

EXAMPLES = settings.BASE_DIR / "node_modules/@octokit/webhooks-examples/api.github.com/index.json"
SECRET = "whsec_test"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@cache
def _examples() -> dict[str, list[dict]]:
    if not EXAMPLES.exists():
        pytest.fail(f"{EXAMPLES} is missing: run `npm ci` (or `make assets`) to install @octokit/webhooks-examples.")
    return {entry["name"]: entry["examples"] for entry in json.loads(EXAMPLES.read_text())}


def examples(event: str) -> list[dict]:
    """GitHub's real example payloads of one event (a fresh copy each call)."""
    return json.loads(json.dumps(_examples()[event]))


def example_events() -> list[str]:
    return list(_examples())


def connect_repositories(connection, payloads) -> None:
    """Create the connection's Repository rows for every repository the payloads name."""
    names: set[str] = {full for p in payloads if (full := (p.get("repository") or {}).get("full_name"))}
    for full_name in sorted(names):
        owner, name = full_name.split("/")
        Repository.objects.get_or_create(
            team=connection.team,
            full_name=full_name,
            defaults={"connection": connection, "owner": owner, "name": name},
        )


def post_delivery(
    client,
    connection,
    event: str,
    payload: dict,
    *,
    guid: str | None = None,
    form: bool = False,
    secret: str = SECRET,
    signature: str | None = None,
    hook_id: str = "42",
):
    """POST a delivery the way GitHub does, signed with `secret` unless `signature` is given."""
    raw = json.dumps(payload).encode()
    if form:
        body = urllib.parse.urlencode({"payload": raw.decode()}).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body, content_type = raw, "application/json"
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": guid or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": hook_id,
        "X-GitHub-Hook-Installation-Target-Type": "repository",
        "User-Agent": "GitHub-Hookshot/test",
    }
    if signature is None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    elif signature:
        headers["X-Hub-Signature-256"] = signature
    return client.post(connection.webhook_path(), data=body, content_type=content_type, headers=headers)


@contextmanager
def broker(url: str):
    """Send tasks through the broker at `url` (not eagerly) for the duration; restores the app afterwards."""
    from celery import current_app as app  # the project's Celery app, without importing the project

    saved = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools():
        # Celery caches its connection and producer pools per broker URL.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_pools()


@pytest.fixture(autouse=True)
def webhook_encryption_key(settings):
    """Secrets are encrypted with a throwaway key (tests run with DEBUG off, so one is required).

    Autouse in every test module that imports it.
    """
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]


def queued_tasks(app) -> list[str]:
    """Take every message off the default queue of `app`'s broker; the names of their tasks, in order."""
    names: list[str] = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get_nowait()
                except queue.Empty:
                    return names
                names.append(message.headers["task"])
                message.ack()
        finally:
            queue.close()


@contextmanager
def drain_broker(url: str):
    """`broker(url)` with an empty queue and no drain requested, as in a fresh deployment."""
    with broker(url) as app:
        queued_tasks(app)
        queue.drain_flag_clear()
        try:
            yield app
        finally:
            queued_tasks(app)
            queue.drain_flag_clear(quiet=True)
