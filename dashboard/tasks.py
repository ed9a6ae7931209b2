from celery import shared_task

from dashboard.digest import digests_due_send


@shared_task(name="dashboard.send_weekly_digests", time_limit=600, soft_time_limit=570)
def send_weekly_digests() -> int:
    """Hourly: the weekly digest of each team whose chosen local day and hour have come (once a week)."""
    return digests_due_send()
