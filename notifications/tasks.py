import random

from celery import shared_task
from django.conf import settings

from notifications.models import Delivery
from notifications.services import TransientFailure, delivery_send

MAX_RETRIES = 3


def retry_countdown(retries: int) -> float:
    """Seconds before the next attempt: exponential from NOTIFICATIONS_RETRY_SECONDS, with jitter, at most 10 min."""
    base = settings.NOTIFICATIONS_RETRY_SECONDS * 2**retries
    return min(base * random.uniform(0.8, 1.2), 600)


@shared_task(name="notifications.deliver", bind=True, max_retries=MAX_RETRIES, time_limit=90, soft_time_limit=75)
def deliver(self, delivery_id: int) -> str | None:
    """Send one delivery to its channel; transient failures retry with backoff, and the last attempt is final."""
    delivery = Delivery.objects.select_related("channel__team").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        return delivery_send(delivery=delivery, last_attempt=self.request.retries >= MAX_RETRIES).status
    except TransientFailure as failure:
        raise self.retry(exc=failure, countdown=retry_countdown(self.request.retries)) from None
