from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    nav = NavEntry("Postmortems", "postmortems:index", ("postmortems",), order=20)
    demo = DemoData("postmortems.demo", order=20)

    def ready(self) -> None:
        from kanban.annotations import register
        from postmortems.card_annotations import postmortem_action_annotations

        # A board card made from an action item links back to its postmortem (kanban imports no other app).
        register(postmortem_action_annotations)
