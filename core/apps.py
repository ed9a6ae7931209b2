"""What every app shares and no app owns; imports no other app of ours (see the README's "What is where")."""

from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        # Tasks are sent by name (core.tasks): register every app's `tasks` module in every process, web
        # included, so that with eager tasks (no broker configured) they run instead of going nowhere.
        # Here, as task modules import models, which app loading must have finished first. An app
        # keeping its tasks elsewhere imports them in its own ready() (integrations).
        for config in apps.get_app_configs():
            if config.module is not None and module_has_submodule(config.module, "tasks"):
                import_module(f"{config.name}.tasks")
