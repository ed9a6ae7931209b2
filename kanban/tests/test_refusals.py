"""Every refusal of kanban's services that a board page can meet shows its message: never a 500.

Each case runs as htmx and as a plain form post: htmx gets 200 with the message in the fragment
or the board's status event (it swaps only 2xx answers), a plain request the form with the
error's own status, or a redirect and the message on the next page.
"""

import pytest
from django.urls import reverse

from core.tests.refusals import assert_refused, domain_errors_of, post
from kanban.models import Card, Column
from kanban.services import CardError, WipLimitExceeded, card_archive, card_create
from kanban.tests.factories import make_board

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

htmx = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
FULL = "Doing is at its WIP limit of 1"


@pytest.fixture
def board(team, user):
    board = make_board(team, by=user, limits={"Doing": (1, "hard")})
    card_create(board=board, title="busy", by=user, column=board.columns.get(name="Doing"))
    return board


@pytest.fixture
def waiting(board, user):
    return card_create(board=board, title="waiting", by=user)


def card_url(card, name: str) -> str:
    return reverse(f"kanban:{name}", kwargs={"team": card.team.slug, "card_id": card.pk})


@htmx
def test_a_quick_add_into_a_full_hard_wip_column_is_refused(client_in, board, htmx):
    doing = board.columns.get(name="Doing")
    url = reverse("kanban:quick-add", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": doing.pk})
    response = post(client_in, url, {"title": "one more"}, htmx=htmx)
    assert_refused(client_in, response, FULL, status=200 if htmx else 302)
    assert not Card.objects.filter(title="one more").exists()


@pytest.mark.parametrize(
    ("htmx", "target", "status"),
    [(True, "", 200), (True, "card-detail", 200), (False, "", 302)],
    ids=["drag-and-drop", "panel", "plain"],
)
def test_a_move_into_a_full_hard_wip_column_is_refused(client_in, board, waiting, htmx, target, status):
    doing = board.columns.get(name="Doing")
    response = post(client_in, card_url(waiting, "card-move"), {"column": doing.pk}, htmx=htmx, target=target)
    assert_refused(client_in, response, FULL, status=status)
    assert Card.objects.get(pk=waiting.pk).column.name == "To do"


@htmx
def test_restoring_a_card_into_a_full_hard_wip_column_is_refused(client_in, board, user, htmx):
    card = Card.objects.get(title="busy")
    card_archive(card=card, by=user)
    card_create(board=board, title="took its place", by=user, column=card.column)
    response = post(client_in, card_url(card, "card-restore"), {}, htmx=htmx)
    assert_refused(client_in, response, FULL, status=302)
    assert Card.objects.get(pk=card.pk).archived_at is not None


@pytest.mark.parametrize(
    ("htmx", "target", "status"),
    [(True, "", 200), (True, "card-detail", 200), (False, "", 302)],
    ids=["drag-and-drop", "panel", "plain"],
)
def test_moving_an_archived_card_is_refused(client_in, board, waiting, user, htmx, target, status):
    card_archive(card=waiting, by=user)
    done = board.columns.get(name="Done")
    response = post(client_in, card_url(waiting, "card-move"), {"column": done.pk}, htmx=htmx, target=target)
    assert_refused(client_in, response, "This card is archived. Restore it before moving it.", status=status)
    assert Card.objects.get(pk=waiting.pk).column.name == "To do"


@htmx
def test_deleting_a_column_that_holds_cards_is_refused(client_in, board, htmx):
    doing = board.columns.get(name="Doing")
    url = reverse("kanban:column-delete", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": doing.pk})
    response = post(client_in, url, {"confirm": "yes"}, htmx=htmx)
    assert_refused(client_in, response, "Doing still holds 1 card", status=302)
    assert Column.objects.filter(pk=doing.pk).exists()


def test_every_refusal_of_kanban_services_has_a_case_here():
    assert domain_errors_of("kanban") == {CardError, WipLimitExceeded}
