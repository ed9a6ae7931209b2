"""`make screenshots` covers every main page: each path it renders answers 200 for the demo user."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dashboard.management.commands.screenshots import SIZES, main_pages

pytestmark = pytest.mark.django_db


def test_every_page_the_screenshots_render_answers(client):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username="demo"))
    pages = main_pages()
    assert {"board", "card", "postmortem", "postmortem-print", "retro", "pull-requests", "search"} <= pages.keys()
    assert {path: client.get(path).status_code for path in pages.values()} == dict.fromkeys(pages.values(), 200)
    assert SIZES == {"desk": (1440, 900), "phone": (390, 844)}
