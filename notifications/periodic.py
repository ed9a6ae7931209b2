"""What the periodic tasks announce: action items coming due or overdue, GitHub syncs failing for over an hour."""

from datetime import date, datetime, timedelta

from django.db.models import Q
from django.urls import reverse

from core.events import Event, emit, person
from integrations.models import Repository
from notifications.models import SyncFailureNotice
from notifications.services import event_notify
from postmortems.models import ActionItem

DUE_SOON_DAYS = 3
SYNC_FAILING_FOR = timedelta(hours=1)


def action_items_announce(*, today: date) -> int:
    """Announce open action items due in 3 days, and those that became overdue yesterday (once each: by date)."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue_since = today - timedelta(days=1)
    items = (
        ActionItem.objects.overdue(today + timedelta(days=DUE_SOON_DAYS + 1))
        .filter(Q(due_date=soon) | Q(due_date=overdue_since))
        .select_related("owner", "postmortem__team")
        .order_by("id")
    )
    count = 0
    for item in items:
        event = Event.ACTION_ITEM_DUE_SOON if item.due_date == soon else Event.ACTION_ITEM_OVERDUE
        emit(  # the channels and the owner's own inbox hear it (notifications.people)
            team=item.postmortem.team,
            event=event,
            description=item.description,
            title=item.postmortem.title,
            owner=person(item.owner),
            owner_id=item.owner_id,
            due_date=item.due_date.isoformat() if item.due_date else "",
            path=item.get_absolute_url(),
        )
        count += 1
    return count


def failing_syncs_announce(*, now: datetime) -> int:
    """Announce each repository whose sync has failed with no success for over an hour, once per failure streak."""
    cutoff = now - SYNC_FAILING_FOR
    failing = (
        Repository.objects.filter(sync_status=Repository.SyncStatus.FAILED, last_error_at__isnull=False)
        .filter(Q(last_success_at__lt=cutoff) | Q(last_success_at__isnull=True, created_at__lt=cutoff))
        .select_related("team")
    )
    notices = {notice.repository_id: notice for notice in SyncFailureNotice.objects.filter(repository__in=failing)}
    count = 0
    for repository in failing:
        notice = notices.get(repository.pk)
        if notice is not None and notice.last_success_at == repository.last_success_at:
            continue  # this streak was announced already
        since = repository.last_success_at or repository.created_at
        event_notify(
            team=repository.team,
            event=Event.SYNC_FAILING,
            repository=repository.full_name,
            since=f"{since:%Y-%m-%d %H:%M} UTC",
            error=repository.last_error.splitlines()[0][:300] if repository.last_error else "no details",
            path=reverse("github:index", kwargs={"team": repository.team.slug}),
        )
        SyncFailureNotice.objects.update_or_create(
            repository=repository, defaults={"last_success_at": repository.last_success_at}
        )
        count += 1
    return count
