from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self):
        from devopsboard import checks, metrics  # noqa: F401 (checks registers itself)

        metrics.register()
