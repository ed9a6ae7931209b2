"""Webhook figures for /metrics, kept as they happen so that a scrape never counts the deliveries table.

Counters (prometheus_client: gunicorn's workers add up in multiprocess mode, a Celery worker serves its own):
deliveries stored, deliveries finished by outcome. The backlog (how many wait, since when) is a snapshot in
the cache that a worker writes after each drain and sweep from the partial index on waiting deliveries; a
stored delivery marks "waiting since" when nothing was marked, so the lag grows while no worker runs. A
cache outage loses a figure, never a delivery.
"""

import time

import structlog
from django.core.cache import cache
from django.db.models import Count, Min
from prometheus_client import Counter

from integrations.models import WebhookDelivery

logger = structlog.get_logger(__name__)

# Labelled, so that no value is made at import: in multiprocess mode a value is a file in PROMETHEUS_MULTIPROC_DIR,
# which a Celery worker creates (and empties) only once it starts (devopsboard.metrics).
RECEIVED = Counter(
    "devopsboard_webhook_deliveries_received",
    "Webhook deliveries stored (a redelivery already stored is not), by source.",
    ["source"],
)
FINISHED = Counter(
    "devopsboard_webhook_deliveries_finished", "Webhook deliveries processed to an end, by outcome.", ["outcome"]
)

WAITING_KEY = "webhooks:waiting"
SINCE_KEY = "webhooks:waiting-since"


def delivery_counted(*, waiting: bool) -> None:
    """Count a stored delivery; one that waits for a worker marks the backlog's start unless one is marked."""
    RECEIVED.labels(source="github").inc()
    if waiting:
        try:
            cache.add(SINCE_KEY, time.time(), timeout=None)
        except Exception:  # a cache outage must not hold the acknowledgement: only the lag figure is late
            logger.warning("webhook.figure_lost", figure="waiting_since")


def outcome_counted(*, outcome: str) -> None:
    FINISHED.labels(outcome=outcome).inc()


def waiting_refresh() -> tuple[int, float | None]:
    """Record how many deliveries wait and the oldest one's arrival (epoch seconds), from the partial index."""
    row = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RECEIVED).aggregate(
        n=Count("pk"), oldest=Min("received_at")
    )
    oldest = row["oldest"].timestamp() if row["oldest"] else None
    try:
        cache.set(WAITING_KEY, row["n"], timeout=None)
        if oldest is None:
            cache.delete(SINCE_KEY)
        else:
            cache.set(SINCE_KEY, oldest, timeout=None)
    except Exception:  # the next drain or sweep records it again
        logger.warning("webhook.figure_lost", figure="waiting")
    return row["n"], oldest


def waiting_read() -> tuple[int, float | None] | None:
    """The backlog as last recorded: (deliveries waiting, the oldest one's arrival or None); None on a cache outage."""
    try:
        found = cache.get_many([WAITING_KEY, SINCE_KEY])
    except Exception:  # the scrape goes on without these figures
        logger.warning("webhook.figures_unavailable")
        return None
    return int(found.get(WAITING_KEY) or 0), found.get(SINCE_KEY)
