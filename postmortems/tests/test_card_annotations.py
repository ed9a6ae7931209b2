"""A card made from a postmortem action item says where it came from, as a link, not as an internal id."""

import pytest
from django.urls import reverse

from kanban.tests.factories import make_board
from postmortems.services import action_item_create
from postmortems.tests.factories import PostmortemFactory

pytestmark = pytest.mark.sqlite


def test_the_board_and_the_card_page_link_a_postmortem_action_card_to_its_postmortem(client_in, team, user):
    board = make_board(team)
    postmortem = PostmortemFactory(team=team, title="Queue stuck")
    item = action_item_create(postmortem=postmortem, description="Alert on queue depth", by=user, board=board)
    link = f'<a href="{item.get_absolute_url()}" rel="noopener noreferrer">From postmortem Queue stuck</a>'
    page = client_in.get(board.get_absolute_url()).content.decode()
    assert link in page and "postmortem-" not in page.split('id="card-')[1]
    card = client_in.get(reverse("kanban:card", kwargs={"team": team.slug, "card_id": item.card.pk})).content.decode()
    assert link in card and f"/action-{item.pk}" not in card
