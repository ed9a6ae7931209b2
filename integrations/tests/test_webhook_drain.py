"""Handing deliveries to the workers: one drain message for many deliveries, none left behind."""

import time

import pytest
from django.conf import settings

from integrations import webhook_services
from integrations.models import Connection, Issue, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    broker,
    connect_repositories,
    drain_broker,
    examples,
    post_delivery,
    queued_tasks,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhook_tasks import drain_deliveries

DRAIN = "webhooks.drain_deliveries"


@pytest.fixture
def connection(transactional_db, team):
    return ConnectionFactory(team=team)


@pytest.fixture
def app():
    """Tasks go through the broker (Redis when REDIS_URL is set), as in production; the test reads the queue."""
    with drain_broker(settings.REDIS_URL or "memory://") as app:
        yield app


def _issue(number: int) -> dict:
    payload = examples("issues")[15]  # an "opened" example
    payload["issue"].update(id=9000 + number, number=number, title=f"Bug {number}")
    return payload


def _post(client, connection, number: int):
    payload = _issue(number)
    connect_repositories(connection, [payload])
    response = post_delivery(client, connection, "issues", payload)
    assert response.status_code == 202, response.content
    return WebhookDelivery.objects.get(guid=response.json()["guid"])


def _statuses() -> set[str]:
    return set(WebhookDelivery.objects.values_list("status", flat=True))


def test_many_deliveries_publish_one_drain_which_processes_them_all(client, connection, app):
    for number in range(1, 21):
        _post(client, connection, number)

    assert queued_tasks(app) == [DRAIN]
    assert _statuses() == {"received"}

    assert drain_deliveries.apply().get() == 20
    assert _statuses() == {"processed"}
    assert Issue.objects.count() == 20
    # Nothing waits any more: the next delivery asks for a drain again.
    _post(client, connection, 21)
    assert queued_tasks(app) == [DRAIN]


def test_a_delivery_stored_while_a_drain_runs_gets_a_drain_of_its_own(client, connection, app, monkeypatch):
    first = _post(client, connection, 1)
    assert queued_tasks(app) == [DRAIN]
    process = webhook_services.delivery_process
    late = []

    def process_while_another_arrives(*, delivery_id):
        if not late:  # GitHub delivers again while the drain works through what it listed
            late.append(_post(client, connection, 2))
        return process(delivery_id=delivery_id)

    monkeypatch.setattr(webhook_services, "delivery_process", process_while_another_arrives)
    monkeypatch.setattr(webhook_services, "FLAG_TRUST_SECONDS", 0)  # no last listing after a wait
    monkeypatch.setattr(webhook_services, "FLAG_TRUST_MARGIN_SECONDS", 0)
    assert webhook_services.deliveries_drain() == 1

    assert WebhookDelivery.objects.get(pk=first.pk).status == "processed"
    assert WebhookDelivery.objects.get(pk=late[0].pk).status == "received"
    # The drain cleared its flag before listing, so the late delivery asked for the next drain.
    assert queued_tasks(app) == [DRAIN]
    monkeypatch.setattr(webhook_services, "delivery_process", process)
    assert drain_deliveries.apply().get() == 1
    assert _statuses() == {"processed"}


def test_a_web_process_that_just_saw_the_flag_set_does_not_ask_again(client, connection, app, monkeypatch):
    monkeypatch.setattr(webhook_services, "FLAG_TRUST_SECONDS", 60)
    asked = []
    flag_set = webhook_services._drain_flag_set
    monkeypatch.setattr(webhook_services, "_drain_flag_set", lambda: asked.append(1) or flag_set())

    for number in range(1, 6):
        _post(client, connection, number)

    assert len(asked) == 1  # one look at the flag (a round trip to Redis in production) for five deliveries
    assert queued_tasks(app) == [DRAIN]


def test_a_delivery_from_a_process_that_trusted_an_earlier_sight_of_the_flag_is_drained(
    client, connection, app, monkeypatch
):
    first = _post(client, connection, 1)
    assert queued_tasks(app) == [DRAIN]
    process = webhook_services.delivery_process
    late = []

    def process_while_another_arrives(*, delivery_id):
        if not late:
            # Another web process saw the flag set just before this drain cleared it, so it stores
            # a delivery and asks for no drain: this drain's last listing must see it.
            webhook_services._flag_seen_until[0] = time.monotonic() + webhook_services.FLAG_TRUST_SECONDS
            late.append(_post(client, connection, 2))
        return process(delivery_id=delivery_id)

    monkeypatch.setattr(webhook_services, "delivery_process", process_while_another_arrives)
    started = time.monotonic()
    assert webhook_services.deliveries_drain() == 2

    assert time.monotonic() - started >= webhook_services.FLAG_TRUST_SECONDS
    assert queued_tasks(app) == []  # nobody asked for another drain, and none was needed
    assert {first.pk, late[0].pk} == set(
        WebhookDelivery.objects.filter(status="processed").values_list("pk", flat=True)
    )


def test_a_drain_that_runs_out_of_time_hands_the_rest_to_a_new_drain(client, connection, app):
    for number in range(1, 6):
        _post(client, connection, number)
    queued_tasks(app)

    assert webhook_services.deliveries_drain(batch=2, budget_seconds=0) == 1  # one delivery, then out of time

    assert WebhookDelivery.objects.filter(status="received").count() == 4
    assert queued_tasks(app) == [DRAIN, DRAIN]  # a helper for the backlog (a full first batch), the hand-over
    assert webhook_services.deliveries_drain(batch=2) == 4
    assert _statuses() == {"processed"}


def test_a_backlog_gets_a_helper_drain_which_leaves_the_flag_alone_and_shares_the_work(
    client, connection, app, monkeypatch
):
    for number in range(1, 7):
        _post(client, connection, number)
    assert queued_tasks(app) == [DRAIN]
    published = []
    publish = webhook_services._publish

    def publish_and_note(name, args, **options):
        published.append(options)
        return publish(name, args, **options)

    monkeypatch.setattr(webhook_services, "_publish", publish_and_note)
    done_by_helper = []

    def process_with_a_helper(*, delivery_id, _process=webhook_services.delivery_process):
        if not done_by_helper:  # the helper runs while the first drain is at its first delivery
            done_by_helper.append(None)
            done_by_helper[0] = webhook_services.deliveries_drain(batch=2, helper=True)
        return _process(delivery_id=delivery_id)

    webhook_services._drain_flag_set()  # a web process asked for the drain below
    monkeypatch.setattr(webhook_services, "delivery_process", process_with_a_helper)
    done = webhook_services.deliveries_drain(batch=2)

    assert {"helper": True} in [options.get("kwargs") for options in published]
    assert done_by_helper[0] >= 2 and done + done_by_helper[0] == 6  # each delivery processed once, by one of them
    assert _statuses() == {"processed"}
    assert Issue.objects.count() == 6


def test_a_helper_drain_does_not_clear_the_flag(client, connection, app):
    webhook_services._drain_flag_set()
    queued_tasks(app)

    webhook_services.deliveries_drain(helper=True)

    assert webhook_services._drain_flag_set() is False  # still set: the next delivery asks for no new drain


def test_a_delivery_that_must_be_retried_gets_a_task_due_at_its_backoff(client, connection, app):
    payload = _issue(1)
    del payload["issue"]["created_at"]  # a payload our handler cannot use
    connect_repositories(connection, [payload])
    post_delivery(client, connection, "issues", payload)
    delivery = WebhookDelivery.objects.get()
    queued_tasks(app)

    webhook_services.deliveries_drain()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("received", 1)
    assert delivery.next_attempt_at is not None
    assert queued_tasks(app) == ["webhooks.process_delivery"]


def test_with_the_broker_down_deliveries_are_acknowledged_and_the_sweep_processes_them(client, connection):
    with broker("redis://127.0.0.1:1/0"):
        first = _post(client, connection, 1)
        second = _post(client, connection, 2)

    assert _statuses() == {"received"}
    with drain_broker("memory://") as app:
        app.conf.task_always_eager = True
        assert webhook_services.deliveries_sweep(grace=webhook_services.timedelta(0)) == 2
    assert {first.pk, second.pk} == set(WebhookDelivery.objects.filter(status="processed").values_list("pk", flat=True))


def test_acknowledging_a_delivery_takes_one_query_on_postgresql(client, connection, app, django_assert_num_queries):
    from django.db import connection as db

    payload = _issue(1)
    connect_repositories(connection, [payload])
    post_delivery(client, connection, "issues", payload)  # warm: URL resolution, the connection's key

    # PostgreSQL: one INSERT that also checks the secret is still the one verified with.
    # Elsewhere: the connection's secret, then the INSERT.
    with django_assert_num_queries(1 if db.vendor == "postgresql" else 2):
        response = post_delivery(client, connection, "issues", _issue(2))
    assert response.status_code == 202


def test_a_deleted_connection_gets_404_even_if_its_key_was_seen(client, connection, app):
    payload = _issue(1)
    connect_repositories(connection, [payload])
    assert post_delivery(client, connection, "issues", payload).status_code == 202
    WebhookDelivery.objects.all().delete()
    Connection.objects.filter(pk=connection.pk).delete()

    response = post_delivery(client, connection, "issues", _issue(2))

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_changed_secret_is_used_at_once_despite_the_cache(client, connection, app):
    payload = _issue(1)
    connect_repositories(connection, [payload])
    assert post_delivery(client, connection, "issues", payload).status_code == 202

    connection.webhook_secret = "a-new-secret"
    connection.save(update_fields=["webhook_secret"])

    assert post_delivery(client, connection, "issues", _issue(2)).status_code == 401
    assert post_delivery(client, connection, "issues", _issue(3), secret="a-new-secret").status_code == 202


def _prepared_store_statements() -> int:
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'devopsboard_webhook_store'")
        return cursor.fetchone()[0]


def test_the_store_statement_is_prepared_once_and_again_after_a_pooler_drops_it(client, connection, app):
    from django.db import connection as db

    if db.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite stores through a plain cursor")
    assert post_delivery(client, connection, "issues", _issue(1)).status_code == 202
    assert _prepared_store_statements() == 1

    with db.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's server reset does
    assert post_delivery(client, connection, "issues", _issue(2)).status_code == 202

    assert _prepared_store_statements() == 1
    assert WebhookDelivery.objects.count() == 2


def test_with_prepared_statements_turned_off_the_store_prepares_nothing(client, connection, app):
    from django.db import connection as db

    if db.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite stores through a plain cursor")
    db.close()
    db.ensure_connection()
    db.connection.prepare_threshold = None  # DATABASE_PREPARE_THRESHOLD=none
    try:
        assert post_delivery(client, connection, "issues", _issue(1)).status_code == 202
        assert _prepared_store_statements() == 0
    finally:
        db.close()
    assert WebhookDelivery.objects.count() == 1


def test_query_instrumentation_sees_the_store_statement(client, connection, app):
    from django.db import connection as db

    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with db.execute_wrapper(record):
        assert post_delivery(client, connection, "issues", _issue(1)).status_code == 202

    assert any('INSERT INTO "integrations_webhookdelivery"' in sql for sql in seen)


def _kill_database_connection():
    """What a PostgreSQL restart does to the connection Django keeps; then a new request begins."""
    from django.db import connection as db
    from django.db import connections

    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections["default"].__class__(db.settings_dict, alias="killer")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    # As at the start of a request with CONN_HEALTH_CHECKS: the health check has not run yet.
    db.health_check_enabled, db.health_check_done = True, False


def test_a_stale_database_connection_does_not_fail_the_delivery(client, connection, app):
    from django.db import connection as db

    if db.vendor != "postgresql":
        pytest.skip("PostgreSQL terminates connections; SQLite has none to go stale")
    payload = _issue(1)
    connect_repositories(connection, [payload])
    assert post_delivery(client, connection, "issues", payload).status_code == 202

    _kill_database_connection()
    assert post_delivery(client, connection, "issues", _issue(2)).status_code == 202  # the INSERT first

    _kill_database_connection()
    key = webhook_services.connection_webhook_key(connection_id=connection.pk, cached_ok=False)  # the SELECT first
    assert (key.team_id, key.secret) == (connection.team_id, "whsec_test")
    assert WebhookDelivery.objects.count() == 2
