"""Fault test with a real worker: nothing is lost while no worker runs, and nothing is processed twice."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from integrations.models import Push, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    broker,
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services

DELIVERIES = 1000


def _processed() -> int:
    return WebhookDelivery.objects.filter(status="processed").count()


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_deliveries_acknowledged_while_no_worker_runs_are_all_processed_once_when_one_starts(
    transactional_db, client, team, monkeypatch
):
    outcomes: Counter = Counter()
    process = webhook_services.delivery_process

    def counting_process(*, delivery_id):
        attempt = process(delivery_id=delivery_id)
        with lock:
            outcomes[(delivery_id, attempt.outcome)] += 1
        return attempt

    lock = threading.Lock()
    monkeypatch.setattr(webhook_services, "delivery_process", counting_process)
    connection = ConnectionFactory(team=team)
    payload = examples("push")[0]
    connect_repositories(connection, [payload])

    with broker(settings.REDIS_URL or "memory://") as app:
        # No worker yet: every delivery is acknowledged and waits, stored, with its message queued.
        for n in range(DELIVERIES):
            payload["after"] = f"{n:040x}"
            response = post_delivery(client, connection, "push", payload, guid=f"push-{n}")
            assert response.status_code == 202, response.content
        assert WebhookDelivery.objects.filter(status="received").count() == DELIVERIES
        assert not Push.objects.exists()

        # A sweep while the original messages are still queued (what the worker's start-up sweep
        # does after a restart) queues every delivery a second time: the claim must let one through.
        assert webhook_services.deliveries_sweep(grace=timedelta(0)) == DELIVERIES
        ids = set(WebhookDelivery.objects.values_list("pk", flat=True))

        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            deadline = time.monotonic() + 300
            # Watch the outcomes in memory, not the database: on SQLite a reader would lock out the worker.
            while time.monotonic() < deadline:
                with lock:
                    if sum(n for (pk, _), n in outcomes.items() if pk in ids) >= 2 * DELIVERIES:
                        break
                time.sleep(0.2)

    assert _processed() == DELIVERIES
    assert Push.objects.count() == DELIVERIES
    assert all(outcomes[(pk, "processed")] == 1 for pk in ids)
    assert sum(outcomes[(pk, "skipped")] for pk in ids) == DELIVERIES  # the duplicates were refused
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert sorted(Push.objects.values_list("after", flat=True)) == [f"{n:040x}" for n in range(DELIVERIES)]
