from django.apps import AppConfig

from teams.nav import NavEntry


class RetrosConfig(AppConfig):
    name = "retros"
    nav = NavEntry("Retros", "retros:index", ("retros",), order=30)

    def ready(self) -> None:
        from django_structlog import signals

        from retros.privacy import forget_user_in_request_log

        for signal in (
            signals.bind_extra_request_metadata,
            signals.bind_extra_request_finished_metadata,
            signals.bind_extra_request_failed_metadata,
        ):
            signal.connect(forget_user_in_request_log, dispatch_uid=f"retros-forget-user-{id(signal)}")
