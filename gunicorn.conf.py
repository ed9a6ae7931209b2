"""Gunicorn's settings for devopsboard, read from the working directory by `gunicorn devopsboard.wsgi`.

The Dockerfile, docker-compose.yml and the webhook benchmark all serve with these, so the
benchmark measures what ships. Every setting can be overridden on the command line.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, (2 x cores) + 1 as gunicorn's documentation advises: every page waits on
# PostgreSQL, and a worker waiting on it leaves its core to another. sched_getaffinity counts
# the cores a container may use (os.cpu_count() would count the host's). WEB_CONCURRENCY wins.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
graceful_timeout = 30
timeout = 30
# The workers' heartbeat file on tmpfs, not the container's disk (gunicorn's advice for Docker).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's own advice)
# No access log: the app logs every request itself, as JSON with its request id (devopsboard/logging.py).
accesslog = None
