"""Celery tasks of webhook ingestion: drain stored deliveries, process one, sweep, prune, reconcile."""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from core.tasks import task_enqueue
from integrations.github.client import TransientError
from integrations.models import Connection
from integrations.webhooks import figures
from integrations.webhooks import services as webhook_services
from integrations.webhooks.reconcile import connection_reconcile


@shared_task(
    bind=True,
    name="webhooks.process_delivery",
    time_limit=120,
    soft_time_limit=100,
    # A database blip before the claim: try again; handler failures are retried below, counted on the row.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=webhook_services.MAX_ATTEMPTS,
)
def process_delivery(self, delivery_id: int) -> str:
    """Process a stored delivery (a duplicate message is a no-op: the claim lets one through)."""
    attempt = webhook_services.delivery_process(delivery_id=delivery_id)
    figures.waiting_refresh()
    if attempt.outcome == "retry" and not self.request.is_eager:
        # Bounded by the attempts counted on the row; if this message is lost the sweep retries.
        raise self.retry(countdown=attempt.retry_in, max_retries=webhook_services.MAX_ATTEMPTS)
    return attempt.outcome


@shared_task(
    name="webhooks.drain_deliveries",
    time_limit=webhook_services.DRAIN_BUDGET_SECONDS + 120,
    soft_time_limit=webhook_services.DRAIN_BUDGET_SECONDS + 100,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,  # then the periodic sweep picks the deliveries up
)
def drain_deliveries(helper: bool = False) -> int:
    """Process the deliveries waiting (one message for many deliveries: see integrations.webhooks.queue).

    `helper`: started by a drain that found a backlog, to share it out over the worker's processes.
    """
    done = webhook_services.deliveries_drain(helper=helper)
    figures.waiting_refresh()
    return done


@shared_task(name="webhooks.sweep_deliveries", time_limit=300, soft_time_limit=270)
def sweep_deliveries(grace_seconds: int | None = None) -> int:
    """Enqueue stored deliveries not yet processed (the broker or the worker was down)."""
    grace = webhook_services.SWEEP_GRACE if grace_seconds is None else timedelta(seconds=grace_seconds)
    enqueued = webhook_services.deliveries_sweep(grace=grace)
    figures.waiting_refresh()
    return enqueued


@shared_task(name="webhooks.prune_deliveries", time_limit=600, soft_time_limit=540)
def prune_deliveries() -> dict:
    """Drop raw payloads older than WEBHOOK_RETENTION_DAYS, deliveries older than INTAKE_RETENTION_DAYS."""
    return {"bodies": webhook_services.deliveries_prune(), "deleted": webhook_services.deliveries_expire()}


@shared_task(
    name="webhooks.reconcile_connection",
    time_limit=300,
    soft_time_limit=270,
    autoretry_for=(TransientError,),  # GitHub 5xx or unreachable; anything else waits for the next run
    retry_backoff=60,
    max_retries=3,
)
def reconcile_connection(connection_id: int) -> dict:
    """Ask GitHub for this connection's failed deliveries and request their redelivery."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return {}
    return connection_reconcile(connection=connection).as_dict()


@shared_task(name="webhooks.reconcile_all", time_limit=60, soft_time_limit=50)
def reconcile_all() -> int:
    """Fan out one reconcile task per connection that knows its hook."""
    ids = list(Connection.objects.filter(webhook_hook_id__isnull=False).values_list("pk", flat=True))
    for connection_id in ids:
        task_enqueue("webhooks.reconcile_connection", args=(connection_id,))
    return len(ids)


@worker_ready.connect
def sweep_on_worker_start(sender=None, **kwargs):
    """A worker that starts picks up whatever arrived while no worker (or no broker) was there."""
    task_enqueue("webhooks.sweep_deliveries", args=(0,))
