import random

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from notifications.models import Delivery, HookDelivery, Notification
from notifications.people import notification_email
from notifications.periodic import action_items_announce, failing_syncs_announce
from notifications.services import TransientFailure, delivery_send
from notifications.webhooks import hook_send

MAX_RETRIES = 3


def retry_countdown(retries: int) -> float:
    """Seconds before the next attempt: exponential from NOTIFICATIONS_RETRY_SECONDS, with jitter, at most 10 min."""
    base = settings.NOTIFICATIONS_RETRY_SECONDS * 2**retries
    return min(base * random.uniform(0.8, 1.2), 600)


@shared_task(name="notifications.deliver", bind=True, max_retries=MAX_RETRIES, time_limit=90, soft_time_limit=75)
def deliver(self: Task, delivery_id: int) -> str | None:
    """Send one delivery to its channel; transient failures retry with backoff, and the last attempt is final."""
    delivery = Delivery.objects.select_related("channel__team").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        return delivery_send(delivery=delivery, last_attempt=self.request.retries >= MAX_RETRIES).status
    except TransientFailure as failure:
        raise self.retry(exc=failure, countdown=retry_countdown(self.request.retries)) from None


@shared_task(name="notifications.announce_action_items", time_limit=300, soft_time_limit=270)
def announce_action_items() -> int:
    """Daily: action items due in 3 days and those overdue since yesterday, to the channels that asked."""
    return action_items_announce(today=timezone.localdate())


@shared_task(name="notifications.announce_failing_syncs", time_limit=120, soft_time_limit=100)
def announce_failing_syncs() -> int:
    """Every 10 minutes: GitHub syncs failing for over an hour (once per failure streak)."""
    return failing_syncs_announce(now=timezone.now())


@shared_task(
    name="notifications.deliver_webhook", bind=True, max_retries=MAX_RETRIES, time_limit=90, soft_time_limit=75
)
def deliver_webhook(self: Task, delivery_id: int) -> str | None:
    """POST one outbound webhook delivery; transient failures retry with backoff under the same delivery id."""
    delivery = HookDelivery.objects.select_related("webhook__team").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        return hook_send(delivery=delivery, last_attempt=self.request.retries >= MAX_RETRIES).status
    except TransientFailure as failure:
        raise self.retry(exc=failure, countdown=retry_countdown(self.request.retries)) from None


@shared_task(
    name="notifications.email_person",
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OSError,),  # smtplib's errors and refused connections
    max_retries=MAX_RETRIES,
    retry_backoff=True,
)
def email_person(notification_id: int) -> bool:
    """Mail one notification to its recipient (who asked for this event by e-mail); once, even if run twice."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return False
    return notification_email(notification=notification)
