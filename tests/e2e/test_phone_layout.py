"""A phone (390×844) in Chromium: no page is wider than the screen; only the board's column strip
scrolls sideways, and the card panel is a full-width sheet with its Close button in view."""

import io

import pytest
from django.core.management import call_command

from kanban.models import Board, Card
from postmortems.models import Postmortem
from retros.models import Retro
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH, PHONE_HEIGHT = 390, 844

# A phone's layout viewport grows to fit what overflows (window.innerWidth with it): compare with the screen.
WIDTHS = """(screen) => ({
  document: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll("main *")]
    .filter((e) => e.getBoundingClientRect().right > screen + 1 && !e.closest(".board, .table-scroll"))
    .slice(0, 5)
    .map((e) => e.outerHTML.slice(0, 120)),
})"""


@pytest.fixture
def demo_board():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return Board.objects.get(team__slug="demo")


def test_no_main_page_is_wider_than_a_phone(phone_page, login, demo_board):
    page, board = phone_page, demo_board
    postmortem = Postmortem.objects.filter(team__slug="demo").first()
    retro = Retro.objects.filter(team__slug="demo").first()
    card = Card.objects.filter(column__board=board).first()
    login(page, "demo", "demo")
    too_wide = {}
    for url in (
        postmortem.get_absolute_url(),
        f"/t/demo/postmortems/{postmortem.pk}/print/",
        "/t/demo/postmortems/settings/",
        retro.get_absolute_url(),
        f"/t/demo/board/cards/{card.pk}/",
        "/t/demo/data/issues/",
        "/t/demo/data/alerts/",
        "/t/demo/data/runs/",
        "/t/demo/dashboard/settings/",
        "/t/demo/members/",
        "/t/demo/",
        "/t/demo/report/",
        "/t/demo/data/pulls/",
        "/t/demo/postmortems/",
        "/t/demo/retros/",
        "/t/",
        "/t/demo/audit/",
        board.get_absolute_url(),
        f"/t/demo/board/{board.pk}/settings/",
        f"/t/demo/board/{board.pk}/flow/",
        f"/t/demo/board/{board.pk}/archived/",
        "/t/demo/github/",
        "/t/demo/github/webhooks/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        widths = page.evaluate(WIDTHS, PHONE_WIDTH)
        if widths["document"] > PHONE_WIDTH or widths["wide"]:
            too_wide[url] = widths
    assert too_wide == {}


def test_on_a_phone_only_the_column_strip_scrolls_and_the_card_panel_is_a_full_width_sheet(
    phone_page, login, demo_board
):
    page = phone_page
    login(page, "demo", "demo")
    page.goto(demo_board.get_absolute_url())
    strip = page.locator(".board")
    assert strip.evaluate("board => board.scrollWidth > board.clientWidth")  # the columns scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.locator(".board-card-title").first.click()
    panel = page.locator("#card-panel.is-open")
    panel.locator("h2").wait_for()
    box = panel.bounding_box()
    assert (box["x"], box["width"]) == (0, PHONE_WIDTH)
    close = panel.get_by_role("link", name="Close")
    close_box = close.bounding_box()
    assert close_box["x"] >= 0 and close_box["x"] + close_box["width"] <= PHONE_WIDTH
    assert close_box["y"] >= 0 and close_box["y"] + close_box["height"] <= PHONE_HEIGHT
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert blocking_violations(page) == []

    close.click()
    assert not page.locator("#card-panel.is-open").is_visible()


def test_on_a_phone_the_navigation_is_one_line_with_a_menu_button_that_opens_it(phone_page, login, demo_board):
    page = phone_page
    login(page, "demo", "demo")
    page.goto("/t/demo/")
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 64  # one line, not the ~190 px of wrapped links
    board_link = page.get_by_role("navigation", name="Team areas").get_by_role("link", name="Board")
    assert not board_link.is_visible()

    menu = page.get_by_role("button", name="Menu")
    menu.click()
    board_link.wait_for()
    box = board_link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
    assert page.get_by_role("button", name="Log out").is_visible()
    assert blocking_violations(page) == []
    page.keyboard.press("Escape")
    assert not board_link.is_visible()

    menu.click()
    board_link.click()
    page.wait_for_url("**/board/**")


def test_on_a_wide_screen_the_navigation_shows_and_slash_or_ctrl_k_focus_the_search(page, login, demo_board):
    login(page, "demo", "demo")
    page.goto("/t/demo/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("navigation", name="Team areas").get_by_role("link", name="Board").is_visible()
    search = page.get_by_role("searchbox", name="Search Demo team")
    page.keyboard.press("/")
    assert search.evaluate("box => box === document.activeElement")
    page.keyboard.press("Escape")
    page.locator("h1").first.click()
    page.keyboard.press("Control+k")
    assert search.evaluate("box => box === document.activeElement")
    page.keyboard.type("deploy")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=deploy")
    assert page.get_by_role("heading", level=2).count() >= 1
    assert blocking_violations(page) == []
