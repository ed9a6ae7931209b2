from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class IntegrationsConfig(AppConfig):
    name = "integrations"
    nav = NavEntry("GitHub", "github:index", ("github", "github-webhooks"), order=40)
    demo = DemoData("integrations.demo", order=40)

    def ready(self):
        # Tasks are sent by name (core.tasks), and these live in one package per job: register them in every
        # process, so that eager tasks (no broker configured) run instead of going nowhere. Imported here
        # because task modules import models, which app loading must have finished first.
        from integrations.card_annotations import pull_request_annotations
        from integrations.github import tasks as github_tasks  # noqa: F401
        from integrations.webhooks import tasks as webhook_tasks  # noqa: F401
        from kanban.annotations import register

        # A board card shows its linked pull requests and their CI state (kanban imports no other app).
        register(pull_request_annotations)
