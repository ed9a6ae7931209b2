"""Board settings: owners change them; everyone else reads them without forms they could not submit."""

import pytest
from django.urls import reverse

from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(team, user):
    return make_board(team, by=user, limits={"Doing": (2, "hard")})


def _settings(client, board) -> str:
    response = client.get(reverse("kanban:settings", kwargs={"team": board.team.slug, "board_id": board.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_reads_the_columns_and_limits_but_gets_no_settings_forms(client, board):
    client.force_login(MembershipFactory(team=board.team, role="member").user)
    html = _settings(client, board)
    assert "Only the team's owners change" in html
    assert "Doing" in html and "WIP limit 2 (hard)" in html
    assert "<form" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_an_owner_gets_every_settings_form(client_in, board):
    html = _settings(client_in, board)
    assert "Only the team's owners change" not in html
    for name in ("kanban:settings", "kanban:column-new", "kanban:swimlane-new", "kanban:label-new"):
        assert reverse(name, kwargs={"team": board.team.slug, "board_id": board.pk}) in html
