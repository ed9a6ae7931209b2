"""Settings for the webhook benchmark's gunicorn: the app's own, plus a trivial view to compare with."""

from devopsboard.settings import *  # noqa: F403
from devopsboard.settings import REDIS_URL

ROOT_URLCONF = "benchmarks.webhook_urls"
# Acknowledgement is what is measured: tasks go to the broker (Redis when REDIS_URL is set), never
# run in the request; a private queue keeps a running dev worker from taking them.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_DEFAULT_QUEUE = "bench_webhooks"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
