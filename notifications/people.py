"""A person's own notifications: who hears an event in their inbox, who also gets it by e-mail, reading them.

`person_notify` subscribes to core.events beside the channels' fan-out. The emitter names the people concerned
(`usernames` for a mention, `reviewer_ids`, `owner_id`); only members of the event's team ever hear it, and
nobody hears their own doing (`by_id`). The words are the channels' (`messages.message_render`), with the
person addressed as "you" where the message names who was mentioned.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core.events import Event
from core.tasks import task_enqueue
from notifications.messages import message_render
from notifications.models import PERSONAL_EVENTS, EmailPreference, Notification, default_email_events
from notifications.services import ChannelError
from teams.auth_views import mail_configured
from teams.models import Team


def _recipients(team: Team, event: str, context: dict[str, Any]) -> list[Any]:
    """The team's members the event concerns, but not the person who caused it."""
    members = get_user_model().objects.filter(memberships__team=team, is_active=True)
    if event == Event.MENTIONED:
        names = {str(name).lower() for name in context.get("usernames") or []}
        members = members.alias(lower_name=Lower("username")).filter(lower_name__in=names)
    elif event == Event.POSTMORTEM_REVIEW_REQUESTED:
        members = members.filter(pk__in=[int(pk) for pk in context.get("reviewer_ids") or []])
    else:  # the action items' events
        owner_id = context.get("owner_id")
        members = members.filter(pk=int(owner_id)) if owner_id else members.none()
    if context.get("by_id"):
        members = members.exclude(pk=int(context["by_id"]))
    return list(members.only("pk", "email"))


def email_events_of(user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each person's e-mailed events (the defaults for one who never chose)."""
    chosen = dict(EmailPreference.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "events"))
    return {user_id: chosen.get(user_id, default_email_events()) for user_id in user_ids}


def person_notify(*, team: Team, event: str, **context: Any) -> list[Notification]:
    """Put `event` in the inbox of each member it concerns; queue an e-mail for those who want one."""
    if event not in PERSONAL_EVENTS:
        return []
    recipients = _recipients(team, event, context)
    if not recipients:
        return []
    words = {**context, "people": "you"} if event == Event.MENTIONED else context
    message = message_render(event=event, team_name=team.name, context=words)
    link = f"{settings.SITE_URL}{context.get('path', '')}"
    body = message.body.removesuffix(link).strip() if context.get("path") else message.body
    made = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, team=team, event=event, title=message.title, body=body, path=context.get("path", "")
            )
            for user in recipients
        ]
    )
    if mail_configured():
        wanted = email_events_of([user.pk for user in recipients])
        emails = {user.pk: user.email for user in recipients}
        for notification in made:
            if emails[notification.recipient_id] and event in wanted[notification.recipient_id]:
                task_enqueue("notifications.email_person", args=(notification.pk,))
    return made


def notification_email(*, notification: Notification) -> bool:
    """Mail one notification to its recipient, once; returns whether it was sent now."""
    address = notification.recipient.email
    if not address:
        return False
    # Claimed before sending, so a task run twice mails once; a failed send gives the claim back for the retry.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    lines = [notification.body, f"{settings.SITE_URL}{notification.path}" if notification.path else ""]
    lines += ["", f"Choose which e-mails you get: {settings.SITE_URL}{reverse('notification-settings')}"]
    try:
        send_mail(
            subject=notification.title,
            message="\n".join(line for line in lines if line is not None).strip() + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


def email_preferences_update(*, user: Any, events: Iterable[str]) -> EmailPreference:
    """Set which personal events `user` also gets by e-mail (the others only in the app)."""
    chosen = list(dict.fromkeys(events))
    if any(event not in PERSONAL_EVENTS for event in chosen):
        raise ChannelError(f"Choose among: {', '.join(PERSONAL_EVENTS)}.")
    preference, _ = EmailPreference.objects.update_or_create(user=user, defaults={"events": chosen})
    return preference


def notification_open(*, notification: Notification) -> Notification:
    """Mark a notification read (opening it)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, person: Any, team: Team | None = None) -> int:
    """Mark every unread notification of `person` (in `team`, or in all their teams) read; returns how many."""
    mine = Notification.objects.of(person)
    if team is not None:
        mine = mine.for_team(team)
    return mine.unread().update(read_at=timezone.now())


def notifications_of(person: Any) -> Any:
    """`person`'s notifications in the teams they are still a member of, newest first."""
    return Notification.objects.of(person).filter(team__memberships__user=person).select_related("team")
