"""Processing stored deliveries: claim one, run its handler, record the outcome; drain, sweep, replay, prune.

An inbox (Sentry's pattern): the endpoint only verifies and stores; everything else happens
here, in workers. A delivery is claimed with a conditional UPDATE, so any number of
overlapping drains, sweeps and replays process it once.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import DomainError
from core.tasks import task_enqueue
from integrations.models import Connection, WebhookDelivery
from integrations.webhooks import figures, handlers, queue
from integrations.webhooks.request import NotAGitHubEvent, payload_parse
from teams.audit import audit_record

logger = structlog.get_logger(__name__)

Status = WebhookDelivery.Status

MAX_ATTEMPTS = 5
# Backoff after failed attempt n: 30 s, 2 min, 8 min, 32 min (plus jitter).
BACKOFF_BASE_SECONDS = 30
# A claimed delivery whose worker died is claimable again after this. A live worker that takes longer
# keeps its claim anyway: its transaction holds the row's lock, which a new claim waits for, and it
# commits only if the claim is still its own (so a delivery is never processed twice).
LEASE = timedelta(seconds=30)
# Faults that may pass (the database restarting, a lock timeout, a deadlock): retried with backoff.
# Anything else (a payload a handler cannot use, a value the database refuses) would fail again: failed at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# The periodic sweep leaves fresh deliveries to the drain requested on commit.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 5000
DRAIN_BATCH = 100
# Deliveries deleted per statement by the retention task.
EXPIRE_BATCH = 2000
# A drain hands over to a fresh message after this much work, so one task never runs long.
DRAIN_BUDGET_SECONDS = 60


class ReplayError(DomainError):
    """A delivery that cannot be replayed; the message says why, for a person."""


class ClaimLost(Exception):
    """Another worker took the delivery over after this one's lease ran out; this one's work is rolled back."""


def retention_days() -> int:
    return settings.WEBHOOK_RETENTION_DAYS


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

    A transient fault (TRANSIENT_ERRORS) is recorded on the row and retried later with backoff,
    at most MAX_ATTEMPTS times; any other error fails the delivery at once with its error, to
    be replayed by a person once fixed.
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
            mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.RECEIVED, processing_started_at=now)
            if not mine.select_for_update().exists():  # the row's lock: a new claim waits for this transaction
                raise ClaimLost
            outcome = handlers.handle(delivery=delivery, payload=payload)
            if not mine.update(
                status=outcome.status, error=outcome.note[:2000], processed_at=timezone.now(), next_attempt_at=None
            ):
                raise ClaimLost
    except ClaimLost:
        return Attempt("skipped")
    except Exception as error:  # recorded on the delivery: retried if transient, failed at once otherwise
        message = f"{error.__class__.__name__}: {error}"[:2000]
        failed = delivery.attempts >= MAX_ATTEMPTS or not isinstance(error, TRANSIENT_ERRORS)
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
            exc_info=not isinstance(error, (ReplayError, NotAGitHubEvent, *TRANSIENT_ERRORS)),
        )
        if failed:
            figures.outcome_counted(outcome="failed")
        return Attempt("failed") if failed else Attempt("retry", delay)
    figures.outcome_counted(outcome=outcome.status)
    return Attempt(outcome.status)


def deliveries_drain(
    *, batch: int = DRAIN_BATCH, budget_seconds: float = DRAIN_BUDGET_SECONDS, helper: bool = False
) -> int:
    """Process every delivery waiting now, oldest first; hand over to a new drain if time runs out.

    Clears the drain flag first (see `queue`): whatever is stored after a listing below asks for
    a drain of its own. Claims make a concurrent drain, sweep or replay of the same delivery
    harmless. A delivery that must be retried gets a task due at its backoff time.

    A drain whose first listing is a full batch (a backlog: the worker was down, or a burst)
    asks for one helper drain, which may ask for another: the backlog is shared out over the
    worker's processes. Helpers leave the flag alone and take each batch in random order
    (fewer lost claims against the drain they help).
    """
    if not helper:
        queue.drain_flag_clear()
    deadline = time.monotonic() + budget_seconds
    done = 0
    first = True
    while True:
        ids = list(_claimable(timezone.now()).order_by("received_at", "pk").values_list("pk", flat=True)[:batch])
        if first and len(ids) == batch:
            queue.deliveries_drain_request(helper=True)
        first = False
        if helper:
            random.shuffle(ids)
        for delivery_id in ids:
            attempt = delivery_process(delivery_id=delivery_id)
            done += attempt.outcome != "skipped"
            if attempt.outcome == "retry":
                queue.delivery_enqueue(delivery_id=delivery_id, countdown=attempt.retry_in)
            if time.monotonic() > deadline:  # checked after each delivery, so every drain makes progress
                queue.deliveries_drain_request()
                return done
        if len(ids) < batch:
            return done


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
        task_enqueue(queue.PROCESS_TASK, args=(delivery_id,))  # lost to a broker outage: the sweep hands it over
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
    enqueued = sum(queue.delivery_enqueue(delivery_id=pk) for pk in ids)
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


def deliveries_expire(*, days: int | None = None, batch: int = EXPIRE_BATCH) -> int:
    """Delete the deliveries finished and received more than INTAKE_RETENTION_DAYS ago; the data they wrote stays.

    In batches, each its own short statement, so the acknowledgements never queue behind one long delete.
    A delivery still waiting is kept whatever its age (the sweep hands it over). GitHub redelivers for a few
    days only, so a GUID deleted after weeks is never seen again.
    """
    days = settings.INTAKE_RETENTION_DAYS if days is None else days
    old = WebhookDelivery.objects.filter(received_at__lt=timezone.now() - timedelta(days=days)).exclude(
        status=Status.RECEIVED
    )
    deleted = 0
    while ids := list(old.order_by().values_list("pk", flat=True)[:batch]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return deleted


def connection_automation_set(*, connection: Connection, automation: dict, by) -> Connection:
    """Set which board the connection's events update (validated by the caller's form)."""
    connection.automation = automation
    connection.save(update_fields=["automation"])
    audit_record(action="webhook.automation_updated", actor=by, team=connection.team, obj=connection, data=automation)
    return connection
