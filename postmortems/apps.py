from django.apps import AppConfig

from teams.nav import NavEntry


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    nav = NavEntry("Postmortems", "postmortems:index", ("postmortems",), order=20)
