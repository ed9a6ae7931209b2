"""Gunicorn's settings for devopsboard, read from the working directory by `gunicorn devopsboard.wsgi`.

The Dockerfile, docker-compose.yml, the webhook benchmark and the load run all serve with these, so the
benchmark measures what ships. Every setting can be overridden on the command line.
"""

import os
import shutil as _shutil
import tempfile as _tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, (2 x cores) + 1 as gunicorn's documentation advises: every page waits on
# PostgreSQL, and a worker waiting on it leaves its core to another. sched_getaffinity counts
# the cores a container may use (os.cpu_count() would count the host's). WEB_CONCURRENCY wins.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
# Threads in each worker: live boards and retros poll every 2 s, and a poll that finds nothing changed
# costs about a trivial request (the session and the cache, no table). With one thread per worker such
# polls queue behind page renders; with a few, they are answered between them. Each thread keeps its
# own database connection (CONN_MAX_AGE): workers x threads connections. GUNICORN_THREADS=1: sync workers.
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_class = "gthread" if threads > 1 else "sync"
graceful_timeout = 30
timeout = 30
# The workers' heartbeat file on tmpfs, not the container's disk (gunicorn's advice for Docker).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's own advice)
# No access log: the app logs every request itself, as JSON with its request id (devopsboard/logging.py).
accesslog = None

# Metrics of all workers in one scrape: prometheus_client's multiprocess mode keeps each worker's
# figures in files under PROMETHEUS_MULTIPROC_DIR, which must be in the environment before a worker
# imports prometheus_client. on_starting runs in the master before it forks any worker.


def on_starting(server):
    """Give this server's workers an empty metrics directory (one per bound address unless set)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        where = "-".join(server.cfg.bind).replace(":", "_").replace("/", "_")
        path = os.path.join(_tempfile.gettempdir(), f"devopsboard-metrics-{where}")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    # Emptied, so the figures of a previous start's workers are not counted again.
    _shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    """Fold a dead worker's gauges out of the scrape (its counters stay, as Prometheus expects)."""
    # Imported here, once on_starting has set the directory, as prometheus_client requires.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
