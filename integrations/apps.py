from django.apps import AppConfig

from teams.nav import NavEntry


class IntegrationsConfig(AppConfig):
    name = "integrations"
    nav = NavEntry("GitHub", "integrations:index", ("integrations", "webhooks"), order=40)
