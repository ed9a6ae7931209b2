"""Celery entry points of the GitHub sync: thin, named, bounded; the work is in services."""

from datetime import timedelta

import structlog
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from core.tasks import task_enqueue
from integrations.github.client import GitHubError, RateLimited, TransientError
from integrations.github.sync import SyncSkipped, repository_sync
from integrations.models import Repository

logger = structlog.get_logger(__name__)


@shared_task(
    bind=True,
    name="github.sync_repository",
    time_limit=900,
    soft_time_limit=840,
    autoretry_for=(TransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
)
def sync_repository(self, repository_id: int, full: bool = False) -> str:
    """Sync one repository; re-schedule itself at the rate-limit reset instead of sleeping."""
    repository = Repository.objects.select_related("connection", "team").filter(pk=repository_id).first()
    if repository is None or not repository.sync_enabled:
        return "gone"
    waiting_until = repository.rate_limit_wait_until()
    if waiting_until and waiting_until > timezone.now():
        # A run is already queued for the reset; a scheduled tick meanwhile would only spend requests.
        return "waiting for the rate limit"
    try:
        result = repository_sync(repository=repository, full=full)
    except SyncSkipped:
        return "already running"
    except RateLimited as error:
        if self.request.is_eager:
            # Without a broker (development) a future run cannot be queued; the page shows the wait.
            return "rate limited"
        task_enqueue("github.sync_repository", args=(repository_id,), kwargs={"full": full}, eta=error.retry_at)
        logger.info("github.sync_rescheduled", repository=repository.full_name, eta=error.retry_at.isoformat())
        return "rescheduled"
    except SoftTimeLimitExceeded:
        # Pages read so far are kept and the cursors point past them: carry on in a fresh task.
        task_enqueue("github.sync_repository", args=(repository_id,), kwargs={"full": full}, countdown=5)
        return "continued"
    except TransientError:
        if self.request.is_eager:
            return "failed"  # in-process (no broker): the client already retried; do not block the caller more
        raise  # retried by autoretry_for, with backoff and jitter, at most max_retries times
    except GitHubError as error:
        # Bad token, missing repository, no permission: retrying cannot help; the UI shows why.
        logger.warning("github.sync_failed", repository=repository.full_name, error=error.message)
        return "failed"
    logger.info("github.sync_done", repository=repository.full_name, summary=result.summary())
    return "done"


SYNC_DUE_BATCH = 200


@shared_task(name="github.sync_due", time_limit=60, soft_time_limit=50)
def sync_due() -> int:
    """Start a sync of every repository whose `next_sync_at` has come (the one periodic sync task).

    Each repository is claimed with a conditional UPDATE that moves its `next_sync_at` one interval
    on, so overlapping runs (two beats, a slow tick) start each sync once (healthchecks' sendalerts).
    A deleted repository has no row left to claim: nothing keeps running for it.
    """
    now = timezone.now()
    due = Repository.objects.filter(sync_enabled=True, next_sync_at__lte=now).order_by("next_sync_at")
    started = 0
    for pk, next_sync_at, interval in due.values_list("pk", "next_sync_at", "sync_interval_minutes")[:SYNC_DUE_BATCH]:
        claimed = Repository.objects.filter(pk=pk, next_sync_at=next_sync_at).update(
            next_sync_at=now + timedelta(minutes=interval)
        )
        if claimed:
            task_enqueue("github.sync_repository", args=(pk,))
            started += 1
    return started
