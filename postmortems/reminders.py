"""Reminders for overdue action items: the in-app list (queries.open_action_items) and a daily e-mail."""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from postmortems.models import ActionItem

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def mail_configured() -> bool:
    """Whether e-mail goes anywhere (EMAIL_URL set); without it the in-app list is the only reminder."""
    return settings.EMAIL_BACKEND != CONSOLE_BACKEND


def action_reminders_send(*, today: date) -> int:
    """E-mail each owner with an e-mail address their overdue items not reminded today; returns e-mails sent."""
    if not mail_configured():
        return 0
    overdue = (
        ActionItem.objects.overdue(today)
        .exclude(last_reminded_on=today)
        .filter(owner__isnull=False)
        .exclude(owner__email="")
        .select_related("owner", "postmortem__team")
        .order_by("owner_id", "due_date", "id")
    )
    by_owner: dict = defaultdict(list)
    for item in overdue[:5000]:
        by_owner[item.owner].append(item)
    sent = 0
    for owner, items in by_owner.items():
        lines = [f"- {item.description} (“{item.postmortem.title}”, due {item.due_date})" for item in items]
        body = "These postmortem action items of yours are past their due date:\n\n" + "\n".join(lines)
        body += f"\n\nSee them at {settings.SITE_URL}/t/{items[0].postmortem.team.slug}/postmortems/reminders/\n"
        with transaction.atomic():
            # Marked before sending: a crash after the mail means no second mail today, not a double one.
            ActionItem.objects.filter(pk__in=[item.pk for item in items]).update(last_reminded_on=today)
            send_mail(
                subject=f"{len(items)} overdue action item{'s' if len(items) != 1 else ''}",
                message=body,
                from_email=None,
                recipient_list=[owner.email],
            )
        sent += 1
    return sent
