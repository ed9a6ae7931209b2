"""A failed htmx request in Chromium: the page stays and says what happened (DEBUG on or off)."""

import pytest
from playwright.sync_api import expect

from kanban.models import Card
from kanban.services import card_create
from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return MembershipFactory(role="member")


@pytest.fixture
def board(member):
    board = make_board(member.team)
    card_create(board=board, title="gone soon", by=member.user)
    return board


@pytest.mark.parametrize("debug", [True, False], ids=["debug on", "debug off"])
def test_opening_a_card_deleted_meanwhile_keeps_the_board_and_says_so(
    page, login, member, board, settings, console_errors, debug
):
    settings.DEBUG = debug
    console_errors.allow(r"status of 404 \(Not Found\)|Response Status Error Code 404")
    login(page, member.user.username)
    page.goto(board.get_absolute_url())
    Card.objects.filter(board=board).delete()  # someone else deletes it

    page.get_by_role("link", name="gone soon").click()

    alert = page.locator("#request-error")
    alert.wait_for()
    assert "no longer here" in alert.inner_text()
    assert page.get_by_role("heading", name=board.name, level=1).is_visible()


def test_a_request_that_cannot_reach_the_server_is_explained(page, login, member, board, console_errors):
    console_errors.allow(r"ERR_CONNECTION_REFUSED|htmx:sendError|htmx:afterRequest")  # htmx logs the failure
    login(page, member.user.username)
    page.goto(board.get_absolute_url())
    page.route("**/cards/**", lambda route: route.abort("connectionrefused"))

    page.get_by_role("link", name="gone soon").click()

    # inner_text() would read the box at once, before the refused request has failed: wait for the words.
    expect(page.locator("#request-error")).to_contain_text("could not be reached", timeout=5_000)


def test_the_message_goes_away_when_the_next_action_succeeds(page, login, member, board, console_errors):
    console_errors.allow(r"status of 404 \(Not Found\)|Response Status Error Code 404")
    card_create(board=board, title="still here", by=member.user)
    login(page, member.user.username)
    page.goto(board.get_absolute_url())
    Card.objects.filter(title="gone soon").delete()
    page.get_by_role("link", name="gone soon").click()
    alert = page.locator("#request-error")
    alert.wait_for()

    page.get_by_role("link", name="still here").click()
    page.locator("#card-panel.is-open h2").wait_for()
    alert.wait_for(state="hidden")
