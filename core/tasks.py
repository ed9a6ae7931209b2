"""Sending Celery tasks: by name, after the current transaction commits, with one connection attempt.

`task_enqueue` is how code asks for a task. By name (`app.signature`), so a service asks for a task
without importing the module that defines it (that module imports the service). After commit, so a
worker never looks for a row that a rollback took back (at once in autocommit: in a worker, or a view
outside `atomic`). With eager tasks (no broker configured) the task runs at once, in this process.

`task_send` sends now, for code that already runs after its commit and must know at once whether the
broker took the task (the webhook queue counts what it handed over; "Sync now" answers the person).
A broker that does not answer raises at once (kombu's `OperationalError` or the connection's error):
one attempt, so an outage never holds a request.
"""

from collections.abc import Callable
from datetime import datetime

import structlog
from celery import current_app
from django.db import transaction

logger = structlog.get_logger(__name__)


def task_enqueue(
    name: str,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    countdown: int | None = None,
    eta: datetime | None = None,
    on_failure: Callable[[Exception], object] | None = None,
) -> None:
    """Send the task `name` once the current transaction commits; a broker failure is logged, never raised.

    `on_failure` receives the broker's error, to record it where a person looks.
    """

    def send() -> None:
        try:
            task_send(name, args=args, kwargs=kwargs, countdown=countdown, eta=eta)
        except Exception as error:  # any broker failure: the caller's commit stands; the task is what is lost
            logger.warning("task.enqueue_failed", task=name, error=error.__class__.__name__)
            if on_failure is not None:
                on_failure(error)

    transaction.on_commit(send)


def task_send(
    name: str,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    countdown: int | None = None,
    eta: datetime | None = None,
) -> None:
    """Send the task `name` now, with one connection attempt; raises when the broker does not answer."""
    signature = current_app.signature(name, args=args, kwargs=kwargs)
    if current_app.conf.task_always_eager:
        signature.apply_async(countdown=countdown, eta=eta)
        return
    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        signature.apply_async(countdown=countdown, eta=eta, connection=connection, retry=False)
