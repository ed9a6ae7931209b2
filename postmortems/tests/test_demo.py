from io import StringIO

import pytest
from django.core.management import call_command

from kanban.models import Card
from postmortems.models import ActionItem, Postmortem, Status

pytestmark = pytest.mark.sqlite


def test_the_demo_has_two_published_postmortems_one_draft_and_an_overdue_action_on_the_board(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    postmortems = Postmortem.objects.filter(team__slug="demo")
    assert sorted(postmortems.values_list("status", flat=True)) == [Status.DRAFT, Status.PUBLISHED, Status.PUBLISHED]
    assert all(pm.timeline.exists() for pm in postmortems)
    items = ActionItem.objects.filter(postmortem__team__slug="demo")
    assert items.overdue().count() == 1
    assert Card.objects.filter(postmortem_action__in=items).count() == items.count()
