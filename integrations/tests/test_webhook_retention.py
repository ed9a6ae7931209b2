"""Retention: the delivery log keeps INTAKE_RETENTION_DAYS of finished deliveries, pruned by a beat task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.models import Issue, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services
from integrations.webhooks.tasks import prune_deliveries

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def deliver(client, team):
    connection = ConnectionFactory(team=team)

    def deliver(number: int, *, age_days: int, process: bool = True) -> WebhookDelivery:
        payload = examples("issues")[15]
        payload["issue"].update(id=7000 + number, number=number, title=f"Issue {number}")
        payload.pop("label", None)
        connect_repositories(connection, [payload])
        response = post_delivery(client, connection, "issues", payload)
        assert response.status_code in (200, 202), response.content
        delivery = WebhookDelivery.objects.get(guid=response.json()["guid"])
        if process:
            webhook_services.delivery_process(delivery_id=delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - timedelta(days=age_days))
        return delivery

    return deliver


def test_the_daily_beat_task_deletes_finished_deliveries_past_the_retention_and_keeps_what_they_wrote(
    deliver, settings
):
    settings.INTAKE_RETENTION_DAYS = 30
    settings.WEBHOOK_RETENTION_DAYS = 14
    old = [deliver(n, age_days=31 + n) for n in range(1, 4)]
    waiting_old = deliver(10, age_days=40, process=False)
    body_only = deliver(11, age_days=20)
    recent = deliver(12, age_days=1)

    assert prune_deliveries.apply().get() == {"bodies": 4, "deleted": 3}  # bodies first, past 14 days

    left = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert left == {waiting_old.pk, body_only.pk, recent.pk}
    assert not left & {delivery.pk for delivery in old}
    assert WebhookDelivery.objects.get(pk=body_only.pk).body is None
    assert WebhookDelivery.objects.get(pk=waiting_old.pk).body is not None
    assert set(Issue.objects.values_list("number", flat=True)) == {1, 2, 3, 11, 12}


def test_expiry_deletes_in_batches_until_none_is_left(deliver):
    for n in range(1, 6):
        deliver(n, age_days=60)
    assert webhook_services.deliveries_expire(days=30, batch=2) == 5
    assert not WebhookDelivery.objects.exists()


def test_retention_is_30_days_by_default_and_the_prune_runs_daily_on_beat():
    assert settings.INTAKE_RETENTION_DAYS == 30
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["webhooks.prune_deliveries"] == 24 * 3600
    assert schedule["postmortems.prune_alert_bodies"] == 24 * 3600
