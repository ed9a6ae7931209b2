"""Telling the workers that deliveries wait: one drain task per burst; never raising into a request.

A request publishes nothing per delivery. After its commit it sets a "drain requested" flag on
the broker's Redis (`SET NX` with an expiry: one round trip) and publishes one
`webhooks.drain_deliveries` task only when it set the flag. A drain clears the flag BEFORE it
lists the waiting deliveries, so a delivery committed after that listing finds the flag clear
and asks for a drain of its own; one committed before it is in the listing. The flag expires by
itself in case its drain message is lost. When Redis or the broker is down the delivery stays
stored and the periodic sweep (and a starting worker's sweep) hands it over later.

Tasks are sent by name and at once (core.tasks.task_send: this module runs after the commit and counts what
went), so it does not import the tasks that call it; with eager tasks (no broker configured) they run at
once, in this process.
"""

import functools

import redis
import structlog
from celery import current_app

from core.tasks import task_send

logger = structlog.get_logger(__name__)

DRAIN_FLAG = "webhooks:drain"
DRAIN_FLAG_SECONDS = 5
DRAIN_TASK = "webhooks.drain_deliveries"
PROCESS_TASK = "webhooks.process_delivery"


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    # One attempt with short timeouts: a Redis outage must not hold the acknowledgement.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False)


def _flag_redis() -> redis.Redis | None:
    """The broker's Redis, None for a broker that is not Redis (then each delivery publishes a drain)."""
    url = current_app.conf.broker_url or ""
    return _redis_client(url) if url.startswith(("redis://", "rediss://", "unix://")) else None


def delivery_enqueue(*, delivery_id: int, countdown: int | None = None) -> bool:
    """Send one delivery's processing task; False (logged) when the broker is unavailable."""
    try:
        task_send(PROCESS_TASK, args=(delivery_id,), countdown=countdown)
    except Exception as error:  # any broker failure: the row is safe and the sweep will enqueue it
        logger.warning("webhook.enqueue_failed", delivery_id=delivery_id, error=error.__class__.__name__)
        return False
    return True


def delivery_announce(*, delivery_id: int) -> bool:
    """Tell the workers a delivery waits (with eager tasks: process it now); never raises."""
    if current_app.conf.task_always_eager:
        return delivery_enqueue(delivery_id=delivery_id)
    return deliveries_drain_request()


def deliveries_drain_request(*, helper: bool = False) -> bool:
    """Publish a drain unless one is already pending (helpers always); False when the broker is unavailable."""
    if helper and current_app.conf.task_always_eager:
        return False  # in-process tasks: the drain asking processes the backlog itself
    client = None if helper else _flag_redis()
    try:
        if client is not None and not client.set(DRAIN_FLAG, b"1", nx=True, ex=DRAIN_FLAG_SECONDS):
            return True  # a drain is pending: its listing comes after this delivery's commit
        task_send(DRAIN_TASK, kwargs={"helper": helper} if helper else None)
    except Exception as error:  # any Redis or broker failure: the row is safe and the sweep will enqueue it
        logger.warning("webhook.drain_request_failed", error=error.__class__.__name__)
        if client is not None:
            drain_flag_clear(quiet=True)  # let the next delivery try again rather than wait for the expiry
        return False
    return True


def drain_flag_clear(*, quiet: bool = False) -> None:
    """Clear the drain flag (a drain does, before its listing)."""
    client = _flag_redis()
    if client is None:
        return
    try:
        client.delete(DRAIN_FLAG)
    except redis.RedisError:
        if not quiet:
            raise
