"""Handing deliveries to the workers: one drain message for many deliveries, none left behind."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError

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
from integrations.webhooks import handlers, queue
from integrations.webhooks import services as webhook_services
from integrations.webhooks.tasks import drain_deliveries

pytestmark = pytest.mark.sqlite

DRAIN = "webhooks.drain_deliveries"
# The drain flag lives on Redis; another broker gets a drain per delivery.
needs_redis = pytest.mark.redis


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


@needs_redis
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


@needs_redis
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
    assert webhook_services.deliveries_drain() == 1

    assert WebhookDelivery.objects.get(pk=first.pk).status == "processed"
    assert WebhookDelivery.objects.get(pk=late[0].pk).status == "received"
    # The drain cleared its flag before listing, so the late delivery asked for the next drain.
    assert queued_tasks(app) == [DRAIN]
    monkeypatch.setattr(webhook_services, "delivery_process", process)
    assert drain_deliveries.apply().get() == 1
    assert _statuses() == {"processed"}


@needs_redis
def test_a_drain_that_runs_out_of_time_hands_the_rest_to_a_new_drain(client, connection, app):
    for number in range(1, 6):
        _post(client, connection, number)
    queued_tasks(app)

    assert webhook_services.deliveries_drain(batch=2, budget_seconds=0) == 1  # one delivery, then out of time

    assert WebhookDelivery.objects.filter(status="received").count() == 4
    assert queued_tasks(app) == [DRAIN, DRAIN]  # a helper for the backlog (a full first batch), the hand-over
    assert webhook_services.deliveries_drain(batch=2) == 4
    assert _statuses() == {"processed"}


@needs_redis
def test_a_backlog_gets_a_helper_drain_which_leaves_the_flag_alone_and_shares_the_work(
    client, connection, app, monkeypatch
):
    for number in range(1, 7):
        _post(client, connection, number)
    assert queued_tasks(app) == [DRAIN]
    published = []
    publish = queue.task_send

    def publish_and_note(name, **options):
        published.append(options)
        return publish(name, **options)

    monkeypatch.setattr(queue, "task_send", publish_and_note)
    done_by_helper = []

    def process_with_a_helper(*, delivery_id, _process=webhook_services.delivery_process):
        if not done_by_helper:  # the helper runs while the first drain is at its first delivery
            done_by_helper.append(None)
            done_by_helper[0] = webhook_services.deliveries_drain(batch=2, helper=True)
        return _process(delivery_id=delivery_id)

    monkeypatch.setattr(webhook_services, "delivery_process", process_with_a_helper)
    done = webhook_services.deliveries_drain(batch=2)

    assert {"helper": True} in [options.get("kwargs") for options in published]
    assert done_by_helper[0] >= 2 and done + done_by_helper[0] == 6  # each delivery processed once, by one of them
    assert _statuses() == {"processed"}
    assert Issue.objects.count() == 6


@needs_redis
def test_a_helper_drain_does_not_clear_the_flag(client, connection, app):
    queue.deliveries_drain_request()  # a web process asked for a drain
    assert queued_tasks(app) == [DRAIN]

    webhook_services.deliveries_drain(helper=True)

    queue.deliveries_drain_request()
    assert queued_tasks(app) == []  # the flag is still set: the next delivery asks for no new drain


def test_a_delivery_that_must_be_retried_gets_a_task_due_at_its_backoff(client, connection, app, monkeypatch):
    def database_restarting(**kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(handlers, "handle", database_restarting)
    payload = _issue(1)
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
        assert webhook_services.deliveries_sweep(grace=timedelta(0)) == 2
    assert {first.pk, second.pk} == set(WebhookDelivery.objects.filter(status="processed").values_list("pk", flat=True))


def test_acknowledging_a_delivery_takes_two_queries_on_every_database(
    client, connection, app, django_assert_num_queries
):
    payload = _issue(1)
    connect_repositories(connection, [payload])
    post_delivery(client, connection, "issues", payload)  # warm: URL resolution

    # The connection's team and secret, then one INSERT … ON CONFLICT DO NOTHING.
    with django_assert_num_queries(2):
        response = post_delivery(client, connection, "issues", _issue(2))
    assert response.status_code == 202


def test_a_deleted_connection_gets_404(client, connection, app):
    payload = _issue(1)
    connect_repositories(connection, [payload])
    assert post_delivery(client, connection, "issues", payload).status_code == 202
    WebhookDelivery.objects.all().delete()
    Connection.objects.filter(pk=connection.pk).delete()

    response = post_delivery(client, connection, "issues", _issue(2))

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_changed_secret_is_used_at_once(client, connection, app):
    payload = _issue(1)
    connect_repositories(connection, [payload])
    assert post_delivery(client, connection, "issues", payload).status_code == 202

    connection.webhook_secret = "a-new-secret"
    connection.save(update_fields=["webhook_secret"])

    assert post_delivery(client, connection, "issues", _issue(2)).status_code == 401
    assert post_delivery(client, connection, "issues", _issue(3), secret="a-new-secret").status_code == 202


def test_query_instrumentation_sees_the_store_statement(client, connection, app):
    from django.db import connection as db

    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with db.execute_wrapper(record):
        assert post_delivery(client, connection, "issues", _issue(1)).status_code == 202

    assert any('INSERT INTO "integrations_webhookdelivery"' in sql for sql in seen)
