from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class RetrosConfig(AppConfig):
    name = "retros"
    nav = NavEntry("Retros", "retros:index", ("retros",), order=30)
    demo = DemoData("retros.demo", order=30)

    def ready(self) -> None:
        from django_structlog import signals

        from kanban.annotations import register
        from retros.card_annotations import retro_action_annotations
        from retros.privacy import forget_user_in_request_log

        # A board card made from an action item links back to its retro (kanban imports no other app).
        register(retro_action_annotations)

        for signal in (
            signals.bind_extra_request_metadata,
            signals.bind_extra_request_finished_metadata,
            signals.bind_extra_request_failed_metadata,
        ):
            signal.connect(forget_user_in_request_log, dispatch_uid=f"retros-forget-user-{id(signal)}")
