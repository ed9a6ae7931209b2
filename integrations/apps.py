from django.apps import AppConfig

from teams.nav import NavEntry


class IntegrationsConfig(AppConfig):
    name = "integrations"
    nav = NavEntry("GitHub", "github:index", ("github", "github-webhooks"), order=40)
