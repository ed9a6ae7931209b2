from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class KanbanConfig(AppConfig):
    name = "kanban"
    nav = NavEntry("Board", "kanban:index", ("kanban",), order=10)
    demo = DemoData("kanban.demo", order=10)
