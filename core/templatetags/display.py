"""`{% load display %}`: `value|words`, `sha|commit_link:repository` (see core.display)."""

from django import template

from core import display

register = template.Library()
register.filter("words", display.words)
register.filter("commit_link", display.commit_link)
