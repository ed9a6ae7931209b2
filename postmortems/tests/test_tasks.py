"""Tasks: the daily reminder e-mail and the sweep of Alertmanager notifications the broker lost."""

from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from kanban.tests.factories import make_board
from postmortems.alertmanager import notification_store
from postmortems.models import AlertNotification, Postmortem, PostmortemSettings
from postmortems.services import action_item_create, action_item_set_done, postmortem_create
from postmortems.tasks import process_pending_alerts, prune_alert_bodies, remind_action_owners
from teams.tests.factories import MembershipFactory


def test_owners_get_one_e_mail_a_day_listing_their_overdue_items(team, user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    other = MembershipFactory(team=team).user
    board = make_board(team)
    pm = postmortem_create(team=team, title="Outage", by=user)
    yesterday = date.today() - timedelta(days=1)
    action_item_create(postmortem=pm, description="late one", by=user, owner=user, due_date=yesterday, board=board)
    action_item_create(postmortem=pm, description="late two", by=user, owner=user, due_date=yesterday)
    done = action_item_create(postmortem=pm, description="finished", by=user, owner=other, due_date=yesterday)
    action_item_set_done(item=done, done=True, by=other)
    action_item_create(postmortem=pm, description="not due", by=user, owner=other, due_date=date.today())
    assert remind_action_owners() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email] and message.subject == "2 overdue action items"
    assert "late one" in message.body and "late two" in message.body and "finished" not in message.body
    assert remind_action_owners() == 0  # not twice the same day


def test_without_mail_configured_no_e_mail_goes_out(team, user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    pm = postmortem_create(team=team, title="Outage", by=user)
    action_item_create(postmortem=pm, description="late", by=user, owner=user, due_date=date(2020, 1, 1))
    assert remind_action_owners() == 0


def test_the_sweep_processes_notifications_the_broker_lost(team):
    PostmortemSettings.of(team, stored=True)  # the row a real intake has: its token lives there
    payload = {
        "groupKey": "g",
        "status": "firing",
        "commonLabels": {"alertname": "Lost", "severity": "critical"},
        "alerts": [{"status": "firing", "labels": {"alertname": "Lost"}, "startsAt": "2026-03-01T10:00:00Z"}],
    }
    notification, _ = notification_store(team=team, payload=payload)
    AlertNotification.objects.filter(pk=notification.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert process_pending_alerts() == 1
    assert Postmortem.objects.for_team(team).get().severity == "SEV1"
    assert process_pending_alerts() == 0


def test_the_daily_task_empties_processed_alert_bodies_past_the_retention_and_keeps_their_incidents(team, settings):
    settings.INTAKE_RETENTION_DAYS = 30
    now = timezone.now()
    rows = {}
    for name, age, processed in [("old", 31, True), ("old-waiting", 40, False), ("recent", 2, True)]:
        payload = {"groupKey": name, "status": "firing", "alerts": [{"labels": {"alertname": name}}]}
        rows[name] = AlertNotification.objects.create(
            team=team,
            group_key=name,
            status="firing",
            payload=payload,
            digest=name,
            received_at=now - timedelta(days=age),
            processed_at=now if processed else None,
        )

    assert prune_alert_bodies.apply().get() == 1
    assert prune_alert_bodies.apply().get() == 0

    kept = {row.group_key: row for row in AlertNotification.objects.all()}
    assert set(kept) == {"old", "old-waiting", "recent"}
    assert kept["old"].payload == {} and kept["old"].digest == "old"
    assert kept["old-waiting"].payload["groupKey"] == "old-waiting"
    assert kept["recent"].payload["groupKey"] == "recent"
