"""The Celery application: `celery -A devopsboard worker` / `beat`."""

import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devopsboard.settings")

app = Celery("devopsboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task log lines carry the task id and the request id of the request that enqueued them.
app.steps["worker"].add(DjangoStructLogInitStep)
app.autodiscover_tasks()
# The integrations app keeps its tasks in one package per job.
app.autodiscover_tasks(["integrations.github", "integrations.webhooks"])


@setup_logging.connect
def use_django_logging(**kwargs):
    """Let Django's LOGGING (structlog JSON) configure the worker instead of Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
