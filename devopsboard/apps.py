from django.apps import AppConfig


class DevopsboardConfig(AppConfig):
    """The project itself: its system checks and its Prometheus metrics."""

    name = "devopsboard"

    def ready(self):
        from devopsboard import checks, metrics  # noqa: F401 (checks registers itself)

        metrics.register()
