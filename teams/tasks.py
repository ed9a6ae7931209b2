from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from teams.models import AuditEvent

AUDIT_RETENTION_DAYS = 365


@shared_task(name="teams.prune_audit_events", time_limit=300, soft_time_limit=270)
def prune_audit_events(days: int = AUDIT_RETENTION_DAYS) -> int:
    """Delete audit events older than `days`; returns how many went."""
    deleted, _ = AuditEvent.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
