from django.apps import AppConfig

from teams.nav import NavEntry


class RetrosConfig(AppConfig):
    name = "retros"
    nav = NavEntry("Retros", "retros:index", ("retros",), order=30)
