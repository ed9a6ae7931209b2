"""Prometheus metrics: Celery task figures, domain gauges read at scrape time, and the registry /metrics serves.

HTTP and database metrics come from django-prometheus's middleware and database backends.
Under gunicorn (and a prefork Celery worker) several processes count: with
PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps each process's counters in files there
and `metrics_registry()` adds them up (gunicorn.conf.py and `_reset_multiprocess_dir` empty the
directory on start, so a restart does not count old processes twice). Domain gauges are
computed at scrape time with a few GROUP BY queries in the one process that answers the scrape (never over
the webhook deliveries: their figures are kept as they happen, integrations.webhooks.figures).
"""

import os
import shutil
import time
from pathlib import Path

import redis
import structlog
from celery import signals
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily

from integrations.models import DependabotAlert, Repository
from integrations.webhooks import figures as webhook_figures
from kanban.models import Card, Column
from teams.models import Team

logger = structlog.get_logger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

TASKS = Counter("devopsboard_celery_tasks_total", "Celery tasks finished, by task and outcome.", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "devopsboard_celery_task_seconds",
    "Celery task run time.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
TASK_FAILURES = Counter("devopsboard_celery_task_failures_total", "Celery tasks that raised.", ["task", "exception"])
TASK_RETRIES = Counter("devopsboard_celery_task_retries_total", "Celery task retries scheduled.", ["task"])


def _gauge(name, documentation, labels=()):
    return GaugeMetricFamily(name, documentation, labels=list(labels))


class DomainCollector:
    """What the teams have and how fresh it is, read from the database and the broker at scrape time."""

    def describe(self):
        # Declared so that registering does not call collect() (and query) at start-up.
        return []

    def collect(self):
        now = timezone.now()
        for produce in (self._teams, self._repositories, self._webhooks, self._alerts, self._boards):
            try:
                yield from produce(now)
            except DatabaseError as error:
                logger.warning("metrics.database_unavailable", part=produce.__name__, error=str(error)[:200])
        yield from self._queue_length()

    def _teams(self, now):
        gauge = _gauge("devopsboard_teams", "Teams.")
        gauge.add_metric([], Team.objects.count())
        yield gauge

    def _repositories(self, now):
        by_status = _gauge("devopsboard_github_repositories", "Connected repositories by sync status.", ["sync_status"])
        age = _gauge(
            "devopsboard_github_sync_age_seconds",
            "Seconds since the repository's last successful sync (since it was connected when it never synced).",
            ["team", "repository"],
        )
        rate = _gauge(
            "devopsboard_github_rate_limit_remaining",
            "GitHub API requests left in the current rate-limit window, as last seen by a sync.",
            ["team", "repository"],
        )
        points = _gauge(
            "devopsboard_github_graphql_points_remaining",
            "GitHub GraphQL points left in the current rate-limit window, as last seen by a sync.",
            ["team", "repository"],
        )
        counts: dict[str, int] = {}
        rows = Repository.objects.values_list(
            "team__slug",
            "full_name",
            "sync_status",
            "sync_enabled",
            "last_success_at",
            "created_at",
            "rate_limit_remaining",
            "graphql_rate_limit_remaining",
        )
        for team, name, status, enabled, success_at, created_at, remaining, points_left in rows:
            counts[status] = counts.get(status, 0) + 1
            if enabled:
                age.add_metric([team, name], (now - (success_at or created_at)).total_seconds())
            if remaining is not None:
                rate.add_metric([team, name], remaining)
            if points_left is not None:
                points.add_metric([team, name], points_left)
        for status, n in counts.items():
            by_status.add_metric([status], n)
        yield from (by_status, age, rate, points)

    def _webhooks(self, now):
        # Kept as deliveries arrive and drains finish (integrations.webhooks.figures): no query of the
        # deliveries table, whose size grows with the traffic. The received counter is a process counter.
        found = webhook_figures.waiting_read()
        if found is None:
            return
        waiting, since = found
        backlog = _gauge(
            "devopsboard_webhook_deliveries_waiting",
            "Webhook deliveries waiting to be processed, as a worker last counted them.",
        )
        backlog.add_metric([], waiting)
        lag = _gauge(
            "devopsboard_webhook_processing_lag_seconds", "Age of the oldest delivery still waiting to be processed."
        )
        lag.add_metric([], max(now.timestamp() - since, 0.0) if since else 0.0)
        yield from (backlog, lag)

    def _alerts(self, now):
        gauge = _gauge(
            "devopsboard_dependabot_alerts_open", "Open Dependabot alerts by severity.", ["team", "severity"]
        )
        rows = (
            DependabotAlert.objects.filter(state="open")
            .values("team__slug", "severity")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            gauge.add_metric([row["team__slug"], row["severity"] or "unknown"], row["n"])
        yield gauge

    def _boards(self, now):
        wip = _gauge(
            "devopsboard_board_wip", "Open cards in each column that is not done.", ["team", "board", "column"]
        )
        rows = (
            Card.objects.filter(archived_at__isnull=True, column__is_done=False)
            .values("team__slug", "board__name", "column__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            wip.add_metric([row["team__slug"], row["board__name"], row["column__name"]], row["n"])
        limit = _gauge(
            "devopsboard_board_wip_limit", "WIP limit of each column that has one.", ["team", "board", "column"]
        )
        limited = Column.objects.filter(~Q(wip_limit=None)).values_list(
            "board__team__slug", "board__name", "name", "wip_limit"
        )
        for team, board, column, value in limited:
            limit.add_metric([team, board, column], value)
        yield from (wip, limit)

    def _queue_length(self):
        gauge = _gauge("devopsboard_celery_queue_length", "Tasks waiting in the broker.", ["queue"])
        if not settings.REDIS_URL:
            yield gauge  # no broker, tasks run in-process: nothing waits, and the series stays declared
            return
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            gauge.add_metric(["celery"], client.llen("celery"))
        except redis.RedisError as error:
            logger.warning("metrics.broker_unavailable", error=str(error)[:200])
            return
        yield gauge


_domain = DomainCollector()
_registered = False


def register() -> None:
    """Register the domain collector once per process (for single-process serving)."""
    global _registered
    if not _registered:
        REGISTRY.register(_domain)
        _registered = True


def metrics_registry(*, domain: bool = True):
    """The registry a scrape reads: every process's figures under multiprocess mode, else this process's."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    if domain:
        registry.register(_domain)
    return registry


def multiprocess_dir_reset(path: str) -> None:
    """Empty the multiprocess directory, so figures of processes from a previous start are not counted."""
    shutil.rmtree(path, ignore_errors=True)
    Path(path).mkdir(parents=True, exist_ok=True)


# --- Celery ---------------------------------------------------------------------------

_started: dict[str, float] = {}


@signals.task_prerun.connect
def _start_timer(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _count_task(sender=None, task_id=None, state=None, **kwargs):
    name = getattr(sender, "name", "unknown")
    TASKS.labels(task=name, outcome=(state or "unknown").lower()).inc()
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(task=name).observe(time.monotonic() - started)


@signals.task_failure.connect
def _count_failure(sender=None, exception=None, **kwargs):
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown"), exception=type(exception).__name__).inc()


@signals.task_retry.connect
def _count_retry(sender=None, **kwargs):
    TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


@signals.worker_init.connect
def _reset_multiprocess_dir(**kwargs):
    # The worker's main process starts before its pool forks: the right moment to forget old children.
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        multiprocess_dir_reset(path)


@signals.worker_process_shutdown.connect
def _forget_child(pid=None, **kwargs):
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid or os.getpid())


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs):
    """Expose the worker's task figures on CELERY_METRICS_PORT for Prometheus to scrape."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        start_http_server(int(port), registry=metrics_registry(domain=False))
