"""A card made from a retro action item says where it came from, as a link, not as an internal id."""

import pytest
from django.urls import reverse

from retros.models import Phase
from retros.services import action_create
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = pytest.mark.sqlite


def test_the_board_and_the_card_page_link_a_retro_action_card_to_its_retro(client, db):
    team, (facilitator, *_) = make_team()
    retro = advance_to(make_retro(team, facilitator, title="Sprint 43"), Phase.DISCUSS, facilitator)
    action = action_create(retro=retro, text="Pair on deploys", by=facilitator)
    client.force_login(facilitator)
    board = client.get(action.card.board.get_absolute_url()).content.decode()
    link = f'<a href="{retro.get_absolute_url()}" rel="noopener noreferrer">From retro Sprint 43</a>'
    assert link in board
    assert "retro-action:" not in board
    card = client.get(reverse("kanban:card", kwargs={"team": team.slug, "card_id": action.card.pk})).content.decode()
    assert link in card and "retro-action:" not in card
