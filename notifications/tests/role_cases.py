"""Who may use each notifications page and API route (see teams/tests/roles.py for the fields).

Everyone in the team sees the channels (masked) and their delivery logs; only owners add, change, delete
and test them: a channel URL holds a token, and a test message speaks in the team's chat. Every member, viewers
included, has an inbox: it holds only their own notifications, so the matrix's actors find theirs empty, and
another's notification opens the inbox and changes nothing (notifications/tests/test_inbox.py).
"""

from core.events import Event
from notifications.models import Delivery, HookDelivery, Notification
from notifications.services import channel_create
from notifications.webhooks import webhook_create
from teams.models import Role
from teams.tests.roles import RoleCase, Setup

URL = "json://127.0.0.1:9/hook/role-matrix-token"


def channel(setup: Setup) -> dict:
    made = channel_create(team=setup.team, by=setup.owner, name="ops", url=URL)
    Delivery.objects.create(channel=made, event="test", title="Test", body="Test")
    return {"channel_id": made.pk, "pk": made.pk}


def webhook(setup: Setup) -> dict:
    made = webhook_create(team=setup.team, by=setup.owner, url="https://hooks.example.com/in", events=["card.created"])
    delivery = HookDelivery.objects.create(webhook=made, event="card.created", payload={"event": "card.created"})
    return {"webhook_id": made.pk, "delivery_id": delivery.pk}


def notification(setup: Setup) -> dict:
    made = Notification.objects.create(
        recipient=setup.owner, team=setup.team, event=Event.MENTIONED, title="Mentioned", path="/"
    )
    return {"notification_id": made.pk}


FORM = {"name": "renamed", "url": "", "events": ["incident.opened"]}

PAGE_CASES = [
    RoleCase("notifications:index", "GET", Role.VIEWER, build=channel),
    RoleCase("notifications:deliveries", "GET", Role.VIEWER, build=channel),
    RoleCase("notifications:channel-new", "GET", Role.OWNER),
    RoleCase(
        "notifications:channel-new",
        "POST",
        Role.OWNER,
        data=lambda o: {"name": "chat", "url": URL, "events": ["incident.opened"]},
        success=(302,),
    ),
    RoleCase("notifications:channel-edit", "GET", Role.OWNER, build=channel),
    RoleCase("notifications:channel-edit", "POST", Role.OWNER, build=channel, data=lambda o: FORM, success=(302,)),
    RoleCase("notifications:channel-delete", "GET", Role.OWNER, build=channel),
    RoleCase("notifications:channel-delete", "POST", Role.OWNER, build=channel, data=lambda o: {"confirm": "yes"}),
    RoleCase("notifications:channel-test", "POST", Role.OWNER, build=channel, success=(302,)),
    RoleCase("notifications:webhooks", "GET", Role.OWNER, build=webhook),
    RoleCase(
        "notifications:webhooks",
        "POST",
        Role.OWNER,
        data=lambda o: {"url": "https://hooks.example.com/new", "events": ["incident.opened"]},
    ),
    RoleCase("notifications:webhook-delete", "POST", Role.OWNER, build=webhook, success=(302,)),
    RoleCase("notifications:webhook-redeliver", "POST", Role.OWNER, build=webhook, success=(302,)),
    RoleCase("notifications:inbox", "GET", Role.VIEWER, build=notification),
    RoleCase("notifications:inbox-unread", "GET", Role.VIEWER, build=notification, htmx=True),
    RoleCase("notifications:inbox-open", "GET", Role.VIEWER, build=notification, success=(302,)),
    RoleCase("notifications:inbox-read-all", "POST", Role.VIEWER, build=notification, success=(302,), changes=False),
]

API_CASES = [
    RoleCase("channel-list", "GET", Role.VIEWER, build=channel),
    RoleCase("channel-detail", "GET", Role.VIEWER, build=channel),
    RoleCase("channel-deliveries", "GET", Role.VIEWER, build=channel),
    RoleCase("channel-list", "POST", Role.OWNER, data=lambda o: {"name": "chat", "url": URL}, success=(201,)),
    RoleCase("channel-detail", "PATCH", Role.OWNER, build=channel, data=lambda o: {"name": "renamed"}),
    RoleCase("channel-detail", "PUT", Role.OWNER, build=channel, data=lambda o: {"name": "again", "url": URL}),
    RoleCase("channel-detail", "DELETE", Role.OWNER, build=channel, success=(204,)),
    RoleCase("channel-test", "POST", Role.OWNER, build=channel, success=(202,)),
]

CASES = PAGE_CASES + API_CASES
