"""Sending a Celery task from a request without waiting out the broker: one connection attempt, by name.

Tasks are sent by name (`app.signature`), so a service can ask for a task without importing the
module that defines it (that module imports the service). With eager tasks (no broker configured)
the task runs at once, in this process. A broker that does not answer raises at once (kombu's
`OperationalError` or the connection's error); callers decide what the person sees.
"""

from celery import current_app


def task_publish(task_name: str, *, args: tuple = (), kwargs: dict | None = None, countdown: int | None = None) -> None:
    signature = current_app.signature(task_name, args=args, kwargs=kwargs)
    if current_app.conf.task_always_eager:
        signature.apply_async(countdown=countdown)
        return
    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        signature.apply_async(countdown=countdown, connection=connection, retry=False)
