"""Other apps annotate cards through kanban.annotations: once per render, on the board and the card page."""

import pytest
from django.urls import reverse

from kanban.annotations import Annotation, register, unregister
from kanban.services import board_create, card_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen: list[tuple[list[int], str]] = []

    def provider(cards, team):
        seen.append(([card.pk for card in cards], team.slug))
        return {cards[0].pk: [Annotation("Build 7", url="https://ci.example/7", status="CI failing", tone="danger")]}

    register(provider)
    yield seen
    unregister(provider)


def test_a_provider_is_called_once_with_every_card_of_the_board_and_their_team_and_its_words_show(
    client_in, team, user, calls
):
    board = board_create(team=team, name="B", by=user)
    first = card_create(board=board, title="first", by=user)
    card_create(board=board, title="second", by=user)

    page = client_in.get(reverse("kanban:board", kwargs={"team": team.slug, "board_id": board.pk})).content.decode()

    assert len(calls) == 1 and sorted(calls[0][0]) == sorted(board.cards.values_list("pk", flat=True))
    assert calls[0][1] == team.slug
    assert page.count('href="https://ci.example/7"') == 1
    assert '<span class="badge badge-danger">CI failing</span>' in page
    detail = client_in.get(reverse("kanban:card", kwargs={"team": team.slug, "card_id": first.pk})).content.decode()
    assert "Build 7" in detail and "CI failing" in detail


def test_an_empty_board_asks_no_provider(client_in, team, user, calls):
    board = board_create(team=team, name="B", by=user)
    assert client_in.get(reverse("kanban:board", kwargs={"team": team.slug, "board_id": board.pk})).status_code == 200
    assert calls == []
