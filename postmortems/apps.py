from django.apps import AppConfig

from teams.demo import DemoData
from teams.nav import NavEntry


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    nav = NavEntry("Postmortems", "postmortems:index", ("postmortems",), order=20)
    demo = DemoData("postmortems.demo", order=20)
