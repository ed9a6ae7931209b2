from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from teams.models import AuditEvent, Invitation

AUDIT_RETENTION_DAYS = 365


@shared_task(name="teams.prune_audit_events", time_limit=300, soft_time_limit=270)
def prune_audit_events(days: int = AUDIT_RETENTION_DAYS) -> int:
    """Delete audit events older than `days`; returns how many went."""
    deleted, _ = AuditEvent.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@shared_task(
    name="teams.send_invitation",
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OSError,),
    max_retries=3,
    retry_backoff=True,
)
def send_invitation(invitation_id: int, url: str) -> None:
    """Mail an invitation's link to its address; quietly nothing if it was revoked or used meanwhile."""
    invitation = Invitation.objects.select_related("team", "created_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.email or not invitation.is_usable():
        return
    context = {"invitation": invitation, "url": url}
    send_mail(
        subject=f"You are invited to {invitation.team.name} on devopsboard",
        message=render_to_string("teams/invitation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
