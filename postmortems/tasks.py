from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from postmortems.alertmanager import notification_bodies_prune, notification_process
from postmortems.models import AlertNotification
from postmortems.reminders import action_reminders_send


@shared_task(name="postmortems.process_alert_notification", time_limit=120, soft_time_limit=100)
def process_alert_notification(notification_id: int) -> int | None:
    """Open or update the incident of one stored Alertmanager notification; returns the postmortem id."""
    postmortem = notification_process(notification_id=notification_id)
    return postmortem.pk if postmortem else None


@shared_task(name="postmortems.process_pending_alerts", time_limit=300, soft_time_limit=270)
def process_pending_alerts() -> int:
    """Process notifications the broker lost (oldest first); returns how many were looked at."""
    pending = AlertNotification.objects.filter(
        processed_at__isnull=True, received_at__lt=timezone.now() - timedelta(minutes=1)
    ).order_by("received_at", "id")
    ids = list(pending.values_list("pk", flat=True)[:500])
    for notification_id in ids:
        notification_process(notification_id=notification_id)
    return len(ids)


@shared_task(name="postmortems.remind_action_owners", time_limit=600, soft_time_limit=540)
def remind_action_owners() -> int:
    """Daily: e-mail each owner their overdue action items (once a day); returns how many e-mails went."""
    return action_reminders_send(today=timezone.localdate())


@shared_task(name="postmortems.prune_alert_bodies", time_limit=600, soft_time_limit=540)
def prune_alert_bodies() -> int:
    """Daily: empty the bodies of processed Alertmanager notifications older than INTAKE_RETENTION_DAYS."""
    return notification_bodies_prune()
