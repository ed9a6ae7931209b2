"""Domain and Celery metrics for /metrics, next to django-prometheus's HTTP and database metrics.

Gauges are computed at scrape time with a few GROUP BY queries, so they are right in
every web process without shared state. Task counters are incremented in the process
that runs the task (the worker exposes them on CELERY_METRICS_PORT).
"""

import structlog
from celery import signals
from django.conf import settings
from django.db import DatabaseError
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

logger = structlog.get_logger(__name__)

TASKS = Counter("devopsboard_celery_tasks_total", "Celery tasks finished, by task and outcome.", ["task", "outcome"])
TASK_SECONDS = Histogram("devopsboard_celery_task_seconds", "Celery task run time.", ["task"])


class DomainCollector:
    """Counts of the things a team has, read from the database at scrape time."""

    def describe(self):
        # Declared so that registering does not call collect() (and query) at start-up.
        return [
            GaugeMetricFamily("devopsboard_teams", "Teams."),
            GaugeMetricFamily("devopsboard_github_repositories", "Repositories.", labels=["sync_status"]),
            GaugeMetricFamily("devopsboard_webhook_deliveries", "Deliveries.", labels=["status"]),
            GaugeMetricFamily("devopsboard_celery_queue_length", "Queue.", labels=["queue"]),
        ]

    def collect(self):
        from django.apps import apps

        yield from self._grouped(
            "devopsboard_teams",
            "Teams.",
            apps.get_model("teams", "Team").objects.all(),
            None,
        )
        yield from self._grouped(
            "devopsboard_github_repositories",
            "Connected repositories by sync status.",
            apps.get_model("integrations", "Repository").objects.all(),
            "sync_status",
        )
        yield from self._grouped(
            "devopsboard_webhook_deliveries",
            "Stored webhook deliveries by status.",
            apps.get_model("integrations", "WebhookDelivery").objects.all(),
            "status",
        )
        yield from self._queue_length()

    def _grouped(self, name, documentation, queryset, field):
        from django.db.models import Count

        labels = [field] if field else []
        gauge = GaugeMetricFamily(name, documentation, labels=labels)
        try:
            if field:
                for row in queryset.values(field).annotate(n=Count("pk")).order_by():
                    gauge.add_metric([row[field]], row["n"])
            else:
                gauge.add_metric([], queryset.count())
        except DatabaseError as error:
            logger.warning("metrics.database_unavailable", metric=name, error=str(error)[:200])
            return
        yield gauge

    def _queue_length(self):
        if not settings.REDIS_URL:
            return
        import redis

        gauge = GaugeMetricFamily("devopsboard_celery_queue_length", "Tasks waiting in the broker.", labels=["queue"])
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            gauge.add_metric(["celery"], client.llen("celery"))
        except redis.RedisError as error:
            logger.warning("metrics.broker_unavailable", error=str(error)[:200])
            return
        yield gauge


_registered = False


def register() -> None:
    """Register the domain collector once per process."""
    global _registered
    if not _registered:
        REGISTRY.register(DomainCollector())
        _registered = True


@signals.task_postrun.connect
def _count_task(sender=None, state=None, **kwargs):
    TASKS.labels(task=getattr(sender, "name", "unknown"), outcome=(state or "unknown").lower()).inc()


@signals.task_prerun.connect
def _start_timer(task=None, **kwargs):
    if task is not None:
        task._devopsboard_timer = TASK_SECONDS.labels(task=task.name).time()
        task._devopsboard_timer.__enter__()


@signals.task_postrun.connect
def _stop_timer(task=None, **kwargs):
    timer = getattr(task, "_devopsboard_timer", None)
    if timer is not None:
        timer.__exit__(None, None, None)
        task._devopsboard_timer = None


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs):
    """Expose the worker's task counters on CELERY_METRICS_PORT for Prometheus to scrape."""
    import os

    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port))
