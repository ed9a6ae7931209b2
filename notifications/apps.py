from django.apps import AppConfig

from teams.nav import NavEntry


class NotificationsConfig(AppConfig):
    name = "notifications"
    nav = NavEntry("Notifications", "notifications:index", ("notifications",), order=50)

    def ready(self):
        # The subscriber is wired here, once: domain apps announce events through core.events and never import us.
        from core.events import subscribe
        from notifications.people import person_notify
        from notifications.services import event_notify
        from notifications.webhooks import event_dispatch

        subscribe(event_notify)
        subscribe(event_dispatch)
        subscribe(person_notify)
