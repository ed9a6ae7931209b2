"""Storing a verified delivery before anything else happens (an inbox), in one statement.

GitHub keeps `X-GitHub-Delivery` on redelivery, so the row is keyed on (connection, guid) and
a repeat is acknowledged and dropped by `INSERT … ON CONFLICT DO NOTHING`. The same statement,
through Django's cursor, on SQLite and PostgreSQL.
https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from integrations.models import Connection, WebhookDelivery
from integrations.webhooks.figures import delivery_counted
from integrations.webhooks.handlers import is_handled
from integrations.webhooks.queue import delivery_announce

Status = WebhookDelivery.Status


@dataclass(frozen=True)
class WebhookKey:
    """What verifying a delivery takes: the connection's team and its plain secret."""

    team_id: int
    secret: str


def connection_webhook_key(*, connection_id: int) -> WebhookKey | None:
    """The connection's key for verifying deliveries, None for no such connection (one indexed SELECT)."""
    row = Connection.objects.filter(pk=connection_id).values_list("team_id", "webhook_secret").first()
    return WebhookKey(team_id=row[0], secret=row[1] or "") if row else None


@dataclass(frozen=True)
class Stored:
    """What the endpoint needs to answer about a delivery it just stored."""

    id: int
    status: str


def delivery_store(
    *, connection_id: int, key: WebhookKey, guid: str, event: str, headers: dict, body: bytes, payload: dict
) -> Stored | None:
    """Store a verified delivery and announce it on commit; None when its GUID is already stored.

    An event we have no handler for is stored already marked ignored.
    """
    repository = payload.get("repository")
    full_name = repository.get("full_name", "") if isinstance(repository, dict) else ""
    handled = is_handled(event)
    now = timezone.now()
    values: dict[str, Any] = {
        "team": key.team_id,
        "connection": connection_id,
        "guid": guid,
        "event": event,
        "action": _text(payload.get("action") or "", 64),
        "repository_full_name": _text(full_name, 201),
        "headers": headers,
        "body": body,
        "status": (Status.RECEIVED if handled else Status.IGNORED).value,
        "attempts": 0,
        "error": "" if handled else f"We do not use {event} events.",
        "received_at": now,
        "processed_at": None if handled else now,
    }
    delivery_id = _insert_unless_stored(values)
    if delivery_id is None:
        return None
    delivery_counted(waiting=handled)
    if handled:
        # Runs at once in autocommit; after the caller's commit inside a transaction.
        transaction.on_commit(lambda: delivery_announce(delivery_id=delivery_id))
    return Stored(delivery_id, values["status"])


def _text(value, limit: int) -> str:
    """A payload value for a text column: PostgreSQL text cannot hold NUL (JSON can, as \\u0000)."""
    return str(value).replace("\x00", "")[:limit]


def _insert_unless_stored(values: dict) -> int | None:
    """INSERT … ON CONFLICT (connection, guid) DO NOTHING RETURNING id: the new row's id, None for a repeat.

    One statement that commits by itself in autocommit: no savepoint, no exception for a redelivery.
    """
    db = connections[router.db_for_write(WebhookDelivery)]
    meta = WebhookDelivery._meta
    fields = {field.name: field for field in meta.concrete_fields}
    params = [fields[name].get_db_prep_save(value, db) for name, value in values.items()]
    with db.cursor() as cursor:
        cursor.execute(_insert_sql(db.alias, tuple(values)), params)
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _insert_sql(alias: str, names: tuple[str, ...]) -> str:
    meta, quote = WebhookDelivery._meta, connections[alias].ops.quote_name
    fields = {field.name: field for field in meta.concrete_fields}
    columns = ", ".join(quote(fields[name].column or fields[name].attname) for name in names)
    table, placeholders = quote(meta.db_table), ", ".join(["%s"] * len(names))
    conflict = f"ON CONFLICT ({quote('connection_id')}, {quote('guid')}) DO NOTHING RETURNING {quote('id')}"
    # Only identifiers from the model's metadata are formatted in; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}"  # noqa: S608
