"""GitHub webhook deliveries: store the raw request, process it later, replay, sweep, prune, reconcile.

An inbox (Sentry's pattern): the endpoint only verifies and stores; everything else
happens here, in workers. A delivery is claimed with a conditional UPDATE, so any number
of overlapping drains, sweeps and replays process it once.
"""

from __future__ import annotations

import functools
import hmac
import random
import time
import urllib.parse
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.github import events
from integrations.models import Connection, WebhookDelivery
from teams.audit import audit_record

logger = structlog.get_logger(__name__)

Status = WebhookDelivery.Status

MAX_ATTEMPTS = 5
# Backoff after failed attempt n: 30 s, 2 min, 8 min, 32 min (plus jitter).
BACKOFF_BASE_SECONDS = 30
# A claimed delivery whose worker died is claimable again after this (longer than the task time limit).
LEASE = timedelta(minutes=5)
# The periodic sweep leaves fresh deliveries to the message enqueued on commit.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 5000
# After the broker refused a message, stop trying for a while: each try may cost a connect timeout.
BROKER_PAUSE_SECONDS = 5.0
MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
# Headers worth keeping with the delivery (never a secret: GitHub sends none).
KEPT_HEADERS = (
    "X-GitHub-Event",
    "X-GitHub-Delivery",
    "X-GitHub-Hook-ID",
    "X-GitHub-Hook-Installation-Target-ID",
    "X-GitHub-Hook-Installation-Target-Type",
    "X-Hub-Signature-256",
    "User-Agent",
    "Content-Type",
)
# Where WSGI puts them: read straight from request.META, on every delivery's path.
_KEPT_META = tuple(
    (name, "CONTENT_TYPE" if name == "Content-Type" else "HTTP_" + name.upper().replace("-", "_"))
    for name in KEPT_HEADERS
)


def kept_headers(meta: dict) -> dict[str, str]:
    """The KEPT_HEADERS a request carries, by their HTTP names, from its WSGI environ."""
    return {name: meta[key] for name, key in _KEPT_META if key in meta}


class NotAGitHubEvent(ValueError):
    """The request is signed but does not carry a GitHub event."""


class ReplayError(Exception):
    """A delivery that cannot be replayed; the message says why, for a person."""


def retention_days() -> int:
    return settings.WEBHOOK_RETENTION_DAYS


# --- receiving ---------------------------------------------------------------------------


def signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) in constant time.

    https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    """
    if not secret or not header:
        return False
    expected = b"sha256=" + hmac.digest(secret.encode(), body, "sha256").hex().encode()
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def payload_parse(*, body: bytes, content_type: str) -> dict:
    """The event payload of a raw body, sent as `application/json` or as a form with a `payload` field.

    orjson: on every acknowledgement's path, and several times faster than the standard library.
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(body.decode("utf-8"), max_num_fields=100)
            if "payload" not in fields:
                raise NotAGitHubEvent("The form has no `payload` field.")
            raw: str | bytes = fields["payload"][0]
        elif kind in ("application/json", "") or kind.endswith("+json"):
            raw = body
        else:
            raise NotAGitHubEvent(f"Content type {kind} is not one GitHub sends; pick application/json.")
        payload = orjson.loads(raw)
    except (UnicodeDecodeError, orjson.JSONDecodeError) as error:
        raise NotAGitHubEvent(f"The payload is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise NotAGitHubEvent("The payload is not a JSON object.")
    return payload


@dataclass(frozen=True)
class WebhookKey:
    """What verifying a delivery takes: the connection's team, its plain secret and that secret's version."""

    team_id: int
    secret: str
    version: str  # the stored ciphertext: a changed secret has a new one
    cached: bool  # taken from this process's memory, not read from the database just now


class ConnectionChanged(Exception):
    """The connection's secret changed (or the connection went) since its key was read."""


_keys: dict[int, WebhookKey] = {}
KEY_CACHE_SIZE = 1000


def connection_webhook_key(*, connection_id: int, cached_ok: bool = True) -> WebhookKey | None:
    """The connection's key for verifying deliveries, None for no such connection.

    On every delivery's path. On PostgreSQL a key seen before comes from memory without a
    query: delivery_store's INSERT only succeeds if the secret's version is still the stored
    one, so a changed secret is never trusted (the caller reads the key again). Elsewhere, one
    indexed SELECT with no model instance; the decryption is cached on the ciphertext.
    """
    from integrations.fields import decrypt

    db = connections[router.db_for_read(Connection)]
    known = _keys.get(connection_id)
    if cached_ok and known is not None and db.vendor == "postgresql":
        return known
    row = _checked_connection(db, lambda: _lookup(db, connection_id))
    if row is None:
        _keys.pop(connection_id, None)
        return None
    team_id, stored = row
    fresh = known is None or known.version != stored
    secret = (decrypt(stored) if stored else "") if fresh else known.secret
    if len(_keys) >= KEY_CACHE_SIZE:
        _keys.clear()
    _keys[connection_id] = WebhookKey(team_id, secret, stored, cached=True)
    return WebhookKey(team_id, secret, stored, cached=False)


def _checked_connection(db, query):
    """Run the request's first query without Django's `SELECT 1` health check round trip before it.

    With CONN_HEALTH_CHECKS Django checks a reused connection before its first query in a
    request. The queries here are safe to repeat (a read, or an INSERT that does nothing the
    second time), so they check the connection themselves: on a stale one, the query runs
    again once on a fresh connection, which is what the health check buys.
    """
    reused = db.connection is not None and db.health_check_enabled and not db.health_check_done
    db.health_check_done = db.health_check_done or reused
    try:
        return query()
    except (OperationalError, InterfaceError):
        if not reused or db.in_atomic_block:
            raise
        db.close()
        return query()


def _lookup(db, connection_id: int):
    with db.cursor() as cursor:
        cursor.execute(_lookup_sql(db.alias), [connection_id])
        return cursor.fetchone()


@functools.cache
def _lookup_sql(alias: str) -> str:
    meta, quote = Connection._meta, connections[alias].ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("team", "webhook_secret"))
    # Only identifiers from the model's metadata are formatted in; the id is a parameter.
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608


@dataclass(frozen=True)
class Stored:
    """What the endpoint needs to answer about a delivery it just stored."""

    id: int
    status: str


def delivery_store(
    *, connection_id: int, key: WebhookKey, guid: str, event: str, headers: dict, body: bytes, payload: dict
) -> Stored | None:
    """Store a delivery verified with `key` and ask for a drain on commit; None when the GUID is already stored.

    GitHub keeps `X-GitHub-Delivery` on redelivery, so a repeat is acknowledged and dropped.
    An event we have no handler for is stored already marked ignored. Raises ConnectionChanged
    (and stores nothing) when the connection's secret is no longer the one of `key`.
    """
    repository = payload.get("repository")
    full_name = repository.get("full_name", "") if isinstance(repository, dict) else ""
    handled = events.is_handled(event)
    now = timezone.now()
    values = {
        "team": key.team_id,
        "connection": connection_id,
        "guid": guid,
        "event": event,
        "action": _text(payload.get("action") or "", 64),
        "repository_full_name": _text(full_name, 201),
        "head_sha": _text(events.head_sha(event, payload), 40),
        "headers": headers,
        "body": body,
        "status": (Status.RECEIVED if handled else Status.IGNORED).value,
        "attempts": 0,
        "error": "" if handled else f"We do not use {event} events.",
        "received_at": now,
        "processed_at": None if handled else now,
    }
    delivery_id = _insert_unless_stored(values, version=key.version)
    if delivery_id is None:
        return None
    if handled:
        # Runs at once in autocommit; after the caller's commit inside a transaction.
        transaction.on_commit(lambda: delivery_announce(delivery_id=delivery_id))
    return Stored(delivery_id, values["status"])


def _text(value, limit: int) -> str:
    """A payload value for a text column: PostgreSQL text cannot hold NUL (JSON can, as \\u0000)."""
    return str(value).replace("\x00", "")[:limit]


def _insert_unless_stored(values: dict, *, version: str) -> int | None:
    """INSERT ... ON CONFLICT (connection, guid) DO NOTHING RETURNING id: the new row's id, None for a repeat.

    One statement that commits by itself: no transaction round trips, no exception for a
    redelivery, in the acknowledgement's hot path. On PostgreSQL the same statement reads
    the connection's team and checks its secret's version (ConnectionChanged if it moved).
    """
    db = connections[router.db_for_write(WebhookDelivery)]
    meta = WebhookDelivery._meta
    if db.vendor != "postgresql":
        params = [meta.get_field(name).get_db_prep_save(value, db) for name, value in values.items()]
        with db.cursor() as cursor:
            cursor.execute(_insert_sql(db.alias, tuple(values)), params)
            row = cursor.fetchone()
        return row[0] if row else None
    del values["team"]
    names = tuple(values)

    def insert():
        with db.wrap_database_errors:
            db.close_if_health_check_failed()
            db.ensure_connection()
        if db.autocommit and not db.in_atomic_block and not db.execute_wrappers:
            return _store_statement_run(db, names, [values["connection"], version, *values.values()])
        # Inside a transaction psycopg must send its BEGIN first, and execute wrappers (instrumentation)
        # expect a cursor: go through a psycopg cursor.
        from psycopg.types.json import Jsonb

        params = [values["connection"], version, *(Jsonb(v) if k == "headers" else v for k, v in values.items())]
        with _binding_cursor(db) as cursor:
            cursor.execute(_checked_insert_sql(db.alias, names), params)
            return cursor.fetchone()

    matched, delivery_id = _checked_connection(db, insert)
    if not matched:
        raise ConnectionChanged
    return delivery_id


# The INSERT of every acknowledgement runs as one libpq call on a statement prepared once per
# connection: psycopg's cursor layer (adapting, query conversion, result rows) costs the web
# process more CPU than PostgreSQL spends storing the row (docs/benchmarks.md, Webhooks). Only
# in autocommit, outside any transaction; the values are plain (ints, str, bytes, datetimes).
_STORE_STATEMENT = b"devopsboard_webhook_store"
_store_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _store_param(value) -> bytes | None:
    """One value in libpq's text format (the body as it is: it travels binary)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, dict):
        return orjson.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat().encode()
    return str(value).encode()


def _store_statement_run(db, names: tuple[str, ...], params: list) -> tuple[int, int | None]:
    """Run the checked INSERT through libpq (text parameters, the body binary); (owner rows, new id)."""
    from psycopg import pq

    conn = db.connection
    pgconn = conn.pgconn
    sql = _checked_insert_sql_numbered(db.alias, names)
    encoded = [_store_param(value) for value in params]
    formats = _store_formats(names)
    started = time.monotonic()
    with db.wrap_database_errors:
        for _ in range(2):
            if conn.prepare_threshold is None:  # prepared statements turned off (a pooler)
                result = pgconn.exec_params(sql, encoded, param_formats=formats)
            else:
                if conn not in _store_prepared:
                    _store_result_check(conn, pgconn.prepare(_STORE_STATEMENT, sql), pq.ExecStatus.COMMAND_OK)
                    _store_prepared[conn] = True
                result = pgconn.exec_prepared(_STORE_STATEMENT, encoded, param_formats=formats)
            missing = result.error_field(pq.DiagnosticField.SQLSTATE) == b"26000"  # statement not there
            if not missing:
                break
            _store_prepared.pop(conn, None)  # someone ran DEALLOCATE ALL (a pooler's reset): prepare again
        _store_result_check(conn, result, pq.ExecStatus.TUPLES_OK)
    if db.queries_logged:
        db.queries_log.append({"sql": sql.decode(), "time": f"{time.monotonic() - started:.3f}"})
    matched, delivery_id = result.get_value(0, 0), result.get_value(0, 1)
    return int(matched), None if delivery_id is None else int(delivery_id)


def _store_result_check(conn, result, expected) -> None:
    import psycopg
    from psycopg import pq

    if result.status == expected:
        return
    if conn.pgconn.status != pq.ConnStatus.OK:
        raise psycopg.OperationalError("the connection to PostgreSQL is lost")
    raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


@functools.cache
def _store_formats(names: tuple[str, ...]) -> list[int]:
    return [0, 0] + [1 if name == "body" else 0 for name in names]  # the body travels binary


@functools.cache
def _checked_insert_sql_numbered(alias: str, names: tuple[str, ...]) -> bytes:
    """The checked INSERT with libpq's $1..$n placeholders."""
    parts = _checked_insert_sql(alias, names).split("%s")
    numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
    return numbered.encode()


@functools.cache
def _checked_insert_sql(alias: str, names: tuple[str, ...]) -> str:
    db = connections[alias]
    quote, meta, owner = db.ops.quote_name, WebhookDelivery._meta, Connection._meta
    team = quote(owner.get_field("team").column)
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(quote(field.column) for field in [meta.get_field("team"), *fields])
    # INSERT ... SELECT needs typed parameters where INSERT ... VALUES infers them from the columns.
    casts = ", ".join(f"CAST(%s AS {field.cast_db_type(db)})" for field in fields)
    conflict = f"ON CONFLICT ({quote('connection_id')}, {quote('guid')}) DO NOTHING RETURNING {quote('id')}"
    owner_where = f"{quote(owner.pk.column)} = %s AND {quote(owner.get_field('webhook_secret').column)} = %s"
    # Only identifiers and types from the models' metadata are formatted in; every value is a parameter.
    return (
        f"WITH owner AS (SELECT {team} FROM {quote(owner.db_table)} WHERE {owner_where}), "  # noqa: S608
        f"stored AS (INSERT INTO {quote(meta.db_table)} ({columns}) SELECT owner.{team}, {casts} FROM owner "
        f"{conflict}) SELECT (SELECT count(*) FROM owner), (SELECT {quote('id')} FROM stored)"
    )


def _binding_cursor(db):
    """A cursor that sends parameters apart from the SQL (PostgreSQL), wrapped like Django's own.

    Django's psycopg cursors bind on the client: the raw body (up to 25 MB) would travel as
    a hex literal twice its size that both sides encode and parse, the biggest CPU cost of
    an acknowledgement. Binary parameters skip that, and the statement is prepared once per
    connection unless DATABASE_PREPARE_THRESHOLD turns prepared statements off (poolers).
    Django's wrapper keeps its error translation (the 503 path) and query logging.
    """
    if db.vendor != "postgresql":
        return db.cursor()
    import psycopg

    with db.wrap_database_errors:
        db.close_if_health_check_failed()
        db.ensure_connection()
        raw = psycopg.Cursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


@functools.cache
def _insert_sql(alias: str, names: tuple[str, ...]) -> str:
    meta, quote = WebhookDelivery._meta, connections[alias].ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    table, placeholders = quote(meta.db_table), ", ".join(["%s"] * len(names))
    conflict = f"ON CONFLICT ({quote('connection_id')}, {quote('guid')}) DO NOTHING RETURNING {quote('id')}"
    # Only identifiers from the model's metadata are formatted in; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}"  # noqa: S608


# --- handing deliveries to the workers ---------------------------------------------------
#
# Publishing a Celery message costs the request more than storing the delivery, so the
# request publishes nothing per delivery: it sets a "drain requested" flag on the broker's
# Redis (SET NX, one round trip) and publishes one `webhooks.drain_deliveries` task only
# when it set the flag. The drain clears the flag BEFORE it lists waiting deliveries, so a
# delivery committed after that list always finds the flag clear and requests another
# drain. The flag expires by itself (DRAIN_FLAG_SECONDS) in case its drain message is lost;
# the periodic sweep and the worker's start-up sweep remain the backstop.
#
# Under load even that round trip is most of a request's cost beyond storing, so a web
# process that saw the flag set (it set it, or SET NX found it set) trusts that for
# FLAG_TRUST_SECONDS and asks nothing: a drain was pending when it looked. To keep that
# safe, a drain does not finish before FLAG_TRUST_SECONDS (plus a margin) have passed since
# it cleared the flag: its last listing then sees every delivery committed by a process that
# skipped the round trip on an observation made before the clear. Intervals are measured by
# each process's own monotonic clock, so no clocks need to agree.

DRAIN_FLAG = "webhooks:drain"
DRAIN_FLAG_SECONDS = 5
FLAG_TRUST_SECONDS = 0.25
FLAG_TRUST_MARGIN_SECONDS = 0.1
DRAIN_BATCH = 100
# A drain hands over to a fresh message after this much work, so one task never runs long.
DRAIN_BUDGET_SECONDS = 60

_broker_paused_until = 0.0


def _broker_failed(what: str, error: Exception, **context) -> None:
    global _broker_paused_until
    _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
    logger.warning(what, error=error.__class__.__name__, **context)


def delivery_announce(*, delivery_id: int) -> bool:
    """Tell the workers a delivery waits; never raise: a delivery nobody was told of is swept up later.

    With eager tasks (development without Redis) the delivery is processed at once instead.
    """
    if time.monotonic() < _flag_seen_until[0]:
        return True  # the flag was set a moment ago: the pending drain (or its last listing) sees this delivery
    from devopsboard.celery import app

    if app.conf.task_always_eager:
        return delivery_enqueue(delivery_id=delivery_id)
    return deliveries_drain_request()


def deliveries_drain_request() -> bool:
    """Publish one drain task unless one is already pending; False when the broker is unavailable."""
    if time.monotonic() < _broker_paused_until:
        return False
    try:
        if not _drain_flag_set():
            return True  # a drain is pending: it will see this delivery
    except Exception as error:  # any Redis failure; the row is safe and the sweep will enqueue it
        _broker_failed("webhook.drain_request_failed", error)
        return False
    try:
        _publish("drain_deliveries", ())
    except Exception as error:  # as above; let the next delivery try again rather than wait for the flag
        _broker_failed("webhook.drain_request_failed", error)
        _drain_flag_clear(quiet=True)
        return False
    return True


_redis_clients: dict = {}
_local_flag_until = [0.0]
# Until when this process trusts its last sight of the drain flag on Redis (see above).
_flag_seen_until = [0.0]


def _drain_flag_redis():
    """A Redis client on the broker's Redis (short timeouts), or None for a broker that is not Redis."""
    from devopsboard.celery import app

    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = _redis_clients.get(url)
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One attempt with short timeouts: a Redis outage must not hold the acknowledgement.
        client = _redis_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0), retry_on_timeout=False
        )
    return client


def _drain_flag_set() -> bool:
    """Set the drain flag; True when this call set it (nobody had asked for a drain yet)."""
    from devopsboard.celery import app

    client = _drain_flag_redis()
    if client is None:
        if not (app.conf.broker_url or "").startswith("memory://"):
            return True  # a broker we keep no flag on: one drain message per delivery, as safe as before
        # The in-process broker: the flag lives in this process, like its queue (trusted the same way).
        now = time.monotonic()
        _flag_seen_until[0] = now + FLAG_TRUST_SECONDS
        if _local_flag_until[0] > now:
            return False
        _local_flag_until[0] = now + DRAIN_FLAG_SECONDS
        return True
    seen_at = time.monotonic()  # taken before asking: the flag was set no earlier than this
    newly_set = bool(client.set(DRAIN_FLAG, b"1", nx=True, ex=DRAIN_FLAG_SECONDS))
    _flag_seen_until[0] = seen_at + FLAG_TRUST_SECONDS
    return newly_set


def _drain_flag_clear(*, quiet: bool = False) -> None:
    _flag_seen_until[0] = 0.0
    client = _drain_flag_redis()
    if client is None:
        _local_flag_until[0] = 0.0
        return
    try:
        client.delete(DRAIN_FLAG)
    except Exception:
        if not quiet:
            raise


def delivery_enqueue(*, delivery_id: int, countdown: int | None = None) -> bool:
    """Send one delivery's processing task; never raise: a delivery the broker did not take is swept up later."""
    if time.monotonic() < _broker_paused_until:
        return False
    try:
        _publish("process_delivery", (delivery_id,), countdown=countdown)
    except Exception as error:  # any broker failure; the row is safe and the sweep will enqueue it
        _broker_failed("webhook.enqueue_failed", error, delivery_id=delivery_id)
        return False
    return True


_fast_pools: dict = {}


def _publish(task_name: str, args: tuple, *, countdown: int | None = None, kwargs: dict | None = None) -> None:
    """Publish a task of webhook_tasks without Celery's connection retries (they take seconds when Redis is down)."""
    from devopsboard.celery import app
    from integrations import webhook_tasks

    task = getattr(webhook_tasks, task_name)
    if app.conf.task_always_eager:
        task.apply_async(args, kwargs, countdown=countdown)
        return
    url = app.conf.broker_url
    pool = _fast_pools.get(url)
    if pool is None:
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0, "socket_connect_timeout": 1}
        pool = _fast_pools[url] = app.connection_for_write(transport_options=options).Pool(limit=10)
    with pool.acquire(block=True, timeout=1) as connection:
        task.apply_async(args, kwargs, countdown=countdown, retry=False, connection=connection)


def broker_pause_reset() -> None:
    """Forget a broker failure (tests, and the worker start-up sweep which knows the broker is up)."""
    global _broker_paused_until
    _broker_paused_until = 0.0
    _local_flag_until[0] = 0.0
    _flag_seen_until[0] = 0.0


# --- processing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    outcome: str  # processed | ignored | retry | failed | skipped
    retry_in: int = 0


def _backoff_seconds(attempts: int) -> int:
    base = BACKOFF_BASE_SECONDS * 4 ** max(attempts - 1, 0)
    return base + random.randint(0, base // 4)


def _claimable(now):
    return (
        WebhookDelivery.objects.filter(status=Status.RECEIVED)
        .filter(Q(processing_started_at__isnull=True) | Q(processing_started_at__lt=now - LEASE))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def delivery_process(*, delivery_id: int) -> Attempt:
    """Process one stored delivery into rows, once: skipped unless this call wins the claim.

    A failure is recorded on the row and retried later with backoff; after MAX_ATTEMPTS
    the delivery is marked failed with its error, to be replayed by a person.
    """
    now = timezone.now()
    claimed = _claimable(now).filter(pk=delivery_id).update(processing_started_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return Attempt("skipped")
    delivery = WebhookDelivery.objects.select_related("connection", "team").get(pk=delivery_id)
    try:
        if delivery.body is None:
            raise ReplayError(f"The raw payload was pruned after {retention_days()} days.")
        payload = payload_parse(body=bytes(delivery.body), content_type=delivery.headers.get("Content-Type", ""))
        with transaction.atomic():
            outcome = events.handle(delivery=delivery, payload=payload)
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=outcome.status, error=outcome.note[:2000], processed_at=timezone.now(), next_attempt_at=None
            )
    except Exception as error:  # recorded on the delivery and retried (bounded), never swallowed
        message = f"{error.__class__.__name__}: {error}"[:2000]
        failed = delivery.attempts >= MAX_ATTEMPTS or isinstance(error, (ReplayError, NotAGitHubEvent))
        delay = 0 if failed else _backoff_seconds(delivery.attempts)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED if failed else Status.RECEIVED,
            error=message,
            processing_started_at=None,
            next_attempt_at=None if failed else timezone.now() + timedelta(seconds=delay),
        )
        logger.warning(
            "webhook.failed" if failed else "webhook.retry",
            delivery_id=delivery.pk,
            github_event=delivery.event,
            attempts=delivery.attempts,
            error=error.__class__.__name__,
            exc_info=not isinstance(error, (ReplayError, NotAGitHubEvent)),
        )
        return Attempt("failed") if failed else Attempt("retry", delay)
    return Attempt(outcome.status)


def deliveries_drain(
    *, batch: int = DRAIN_BATCH, budget_seconds: float = DRAIN_BUDGET_SECONDS, helper: bool = False
) -> int:
    """Process every delivery waiting now, oldest first; hand over to a new drain if time runs out.

    Clears the drain flag first (see above): whatever is stored after the listing below asks
    for its own drain, or was stored by a process that trusted an earlier sight of the flag,
    which the last listing (FLAG_TRUST_SECONDS after the clear at the earliest) sees. Claims
    make a concurrent drain, sweep or replay of the same delivery harmless. A delivery that
    must be retried gets a task due at its backoff time.

    A drain whose first listing is a full batch (a backlog: the worker was down, or a burst)
    asks for one helper drain, which may ask for another: the backlog is shared out over the
    worker's processes instead of waiting for one. Helpers leave the flag alone, take each
    batch in random order (fewer lost claims against the drain they help) and end as soon as
    a listing is short; the drain that cleared the flag makes the last listing.
    """
    from devopsboard.celery import app

    eager = app.conf.task_always_eager  # eager: every delivery is processed on its own, nobody skips
    if not helper:
        _drain_flag_clear()
    started = time.monotonic()
    trusted = not (helper or eager)  # only the drain that cleared the flag waits out the web processes' trust
    last_listing_at = started + FLAG_TRUST_SECONDS + FLAG_TRUST_MARGIN_SECONDS if trusted else started
    deadline = started + budget_seconds
    done = 0
    first = True
    while True:
        ids = list(_claimable(timezone.now()).order_by("received_at", "pk").values_list("pk", flat=True)[:batch])
        if first and len(ids) == batch and not eager:
            _drain_helper_request()
        first = False
        if helper:
            random.shuffle(ids)
        for delivery_id in ids:
            attempt = delivery_process(delivery_id=delivery_id)
            done += attempt.outcome != "skipped"
            if attempt.outcome == "retry":
                delivery_enqueue(delivery_id=delivery_id, countdown=attempt.retry_in)
            if time.monotonic() > deadline:  # checked after each delivery, so every drain makes progress
                deliveries_drain_request()
                return done
        if len(ids) < batch:
            wait = last_listing_at - time.monotonic()
            if wait <= 0:
                return done
            time.sleep(wait)


def _drain_helper_request() -> None:
    """Publish a helper drain; never raise (the drain asking goes on by itself)."""
    if time.monotonic() < _broker_paused_until:
        return
    try:
        _publish("drain_deliveries", (), kwargs={"helper": True})
    except Exception as error:  # any broker failure: this drain still processes the backlog alone
        _broker_failed("webhook.drain_helper_failed", error)


def delivery_replay(*, delivery: WebhookDelivery, by=None) -> WebhookDelivery:
    """Process a delivery again from its stored payload (the upserts make this safe); enqueued on commit."""
    if delivery.body is None:
        raise ReplayError(
            f"The raw payload of this delivery was pruned after {retention_days()} days; it cannot be replayed."
        )
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.RECEIVED,
            attempts=0,
            error="",
            processing_started_at=None,
            next_attempt_at=None,
            processed_at=None,
        )
        audit_record(
            action="webhook.replayed", actor=by, team=delivery.team, obj=delivery, data={"event": delivery.event}
        )
        delivery_id = delivery.pk
        transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery_id))
    delivery.refresh_from_db()
    return delivery


def deliveries_sweep(*, grace: timedelta = SWEEP_GRACE, limit: int = SWEEP_BATCH) -> int:
    """Enqueue every stored delivery still waiting (broker was down, worker died, backoff elapsed)."""
    now = timezone.now()
    ids = list(
        _claimable(now)
        .filter(received_at__lte=now - grace)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = sum(delivery_enqueue(delivery_id=pk) for pk in ids)
    if ids:
        logger.info("webhook.sweep", waiting=len(ids), enqueued=enqueued)
    return enqueued


def deliveries_prune(*, days: int | None = None) -> int:
    """Drop the raw bodies of deliveries older than the retention period; rows and written data stay."""
    days = retention_days() if days is None else days
    now = timezone.now()
    return (
        WebhookDelivery.objects.filter(received_at__lt=now - timedelta(days=days), pruned_at__isnull=True)
        .exclude(status=Status.RECEIVED)
        .update(body=None, pruned_at=now)
    )


def connection_automation_set(*, connection: Connection, automation: dict, by) -> Connection:
    """Set which board the connection's events update (validated by the caller's form)."""
    connection.automation = automation
    connection.save(update_fields=["automation"])
    audit_record(action="webhook.automation_updated", actor=by, team=connection.team, obj=connection, data=automation)
    return connection


# --- reconciling with GitHub -------------------------------------------------------------

# GitHub redelivers only deliveries of the last 3 days.
# https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
REDELIVERY_WINDOW = timedelta(days=3)
# Each run also looks back this far before the previous run, to catch redeliveries that failed again.
RECONCILE_OVERLAP = timedelta(hours=1)


@dataclass
class Reconciled:
    hooks: int = 0
    failed: int = 0
    redelivered: int = 0
    errors: list[str] | None = None

    def as_dict(self) -> dict:
        return {"hooks": self.hooks, "failed": self.failed, "redelivered": self.redelivered, "errors": self.errors}


def _hook_paths(connection: Connection) -> list[str]:
    """API paths of the hooks that deliver to this connection, from the headers GitHub sent us."""
    paths: dict[str, None] = {}
    recent = (
        WebhookDelivery.objects.filter(connection=connection)
        .exclude(repository_full_name="")
        .order_by("-received_at")
        .values_list("repository_full_name", "headers")[:500]
    )
    for full_name, headers in recent:
        hook_id = str((headers or {}).get("X-GitHub-Hook-ID", ""))
        if not hook_id.isdigit():
            continue
        if (headers or {}).get("X-GitHub-Hook-Installation-Target-Type") == "organization":
            paths[f"/orgs/{full_name.split('/')[0]}/hooks/{hook_id}"] = None
        else:
            paths[f"/repos/{full_name}/hooks/{hook_id}"] = None
    if connection.webhook_hook_id and not paths:
        for full_name in connection.repositories.values_list("full_name", flat=True):
            paths[f"/repos/{full_name}/hooks/{connection.webhook_hook_id}"] = None
    return list(paths)


def connection_reconcile(*, connection: Connection, client=None) -> Reconciled:
    """Request redelivery of the hook's deliveries that failed on our side and that we never stored.

    Lists `GET .../hooks/{hook_id}/deliveries` (newest first, cursor pages) back to the
    previous run (at most GitHub's 3-day window), and for each GUID with no 2xx attempt
    and no stored row, `POST .../deliveries/{id}/attempts` once.
    https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
    """
    from integrations.github.client import GitHubError

    now = timezone.now()
    if client is None:
        from integrations.services import github_client

        client = github_client(connection=connection)
    since = now - REDELIVERY_WINDOW
    if connection.webhook_reconciled_at:
        since = max(since, connection.webhook_reconciled_at - RECONCILE_OVERLAP)
    result = Reconciled(errors=[])
    for path in _hook_paths(connection):
        result.hooks += 1
        try:
            attempts = _failed_attempts(client, path=path, since=since)
            stored = set(
                WebhookDelivery.objects.filter(connection=connection, guid__in=list(attempts)).values_list(
                    "guid", flat=True
                )
            )
            for guid, attempt in attempts.items():
                if guid in stored:
                    continue
                result.failed += 1
                redeliver = f"{path}/deliveries/{attempt['id']}/attempts"
                client._call(
                    lambda url=redeliver: client.github.requester.requestJsonAndCheck("POST", url),
                    what="webhook redelivery",
                )
                result.redelivered += 1
        except GitHubError as error:
            result.errors.append(f"{path}: {error.message}")
    Connection.objects.filter(pk=connection.pk).update(webhook_reconciled_at=now)
    logger.info("webhook.reconciled", connection_id=connection.pk, **result.as_dict())
    return result


def _failed_attempts(client, *, path: str, since) -> dict[str, dict]:
    """The latest attempt of each GUID delivered since `since` that never got a 2xx."""
    from django.utils.dateparse import parse_datetime

    latest: dict[str, dict] = {}
    succeeded: set[str] = set()
    url: str | None = f"{path}/deliveries"
    params: dict | None = {"per_page": 100}
    while url:
        page = client.list_page(url, resource="hook_deliveries", params=params)
        params = None  # the next-page URL carries the cursor and page size
        for item in page.items:
            delivered_at = parse_datetime(item.get("delivered_at") or "")
            if delivered_at is None or delivered_at < since:
                url = None
                continue
            guid = item.get("guid") or ""
            if 200 <= int(item.get("status_code") or 0) < 300:
                succeeded.add(guid)
            elif guid and (guid not in latest or parse_datetime(latest[guid]["delivered_at"]) < delivered_at):
                latest[guid] = item
        if url is not None:
            url = page.next_url
    return {guid: item for guid, item in latest.items() if guid not in succeeded}
