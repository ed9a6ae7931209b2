from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class RetrosConfig(AppConfig):
    name = "retros"
    nav = NavEntry("Retros", "retros:index", ("retros",), order=30)
    demo = DemoData("retros.demo", order=30)
