"""Every main page in Chromium, checked by axe-core: no serious or critical violation; and the skip link."""

import io

import pytest
from django.core.management import call_command

from kanban.models import Board
from postmortems.models import Postmortem, Status
from retros.models import Phase, Retro
from retros.tests.factories import advance_to
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_board():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return Board.objects.get(team__slug="demo")


def test_no_main_page_has_a_serious_or_critical_accessibility_violation(page, login, demo_board):
    board = demo_board
    found = {}
    page.goto("/accounts/login/")
    found["login"] = blocking_violations(page)
    login(page, "demo", "demo")
    pages = {
        "team home": "/t/demo/",
        "report": "/t/demo/report/",
        "team list": "/t/",
        "audit": "/t/demo/audit/",
        "board": board.get_absolute_url(),
        "board settings": f"/t/demo/board/{board.pk}/settings/",
        "flow": f"/t/demo/board/{board.pk}/flow/",
        "archived": f"/t/demo/board/{board.pk}/archived/",
        "card page": board.cards.filter(archived_at=None).first().get_absolute_url(),
        "GitHub repositories": "/t/demo/github/",
        "webhooks": "/t/demo/github/webhooks/",
        "API docs": "/api/docs/",
        "profile": "/settings/profile/",
    }
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found[name] = blocking_violations(page)
    page.goto(board.get_absolute_url())
    page.locator(".board-card-title").first.click()
    page.locator("#card-panel.is-open h2").wait_for()
    found["card panel"] = blocking_violations(page)
    page.goto("/api/docs/")
    # An operation with a short request body (creating a team), whatever the first POST in the document is.
    page.locator(".opblock-post", has_text="/api/v1/teams/").locator(".opblock-summary-control").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("textarea.body-param__text").wait_for()
    found["API docs, trying an operation"] = blocking_violations(page)

    assert {name: problems for name, problems in found.items() if problems} == {}


def test_no_retro_page_has_a_serious_or_critical_accessibility_violation(page, login, demo_board):
    finished = Retro.objects.get(team__slug="demo", phase=Phase.SUMMARY)
    current = Retro.objects.get(team__slug="demo", phase=Phase.REFLECT)
    login(page, "demo", "demo")
    found = {}

    def check(name, url):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found[name] = blocking_violations(page)

    check("retro list", "/t/demo/retros/")
    page.goto(current.get_absolute_url())
    page.get_by_label("Note", exact=True).fill("Retros on Thursdays")
    page.get_by_role("button", name="Add note").click()
    page.locator(".retro-note-text", has_text="Retros on Thursdays").wait_for()  # beside its edit form
    check("retro, reflect phase", current.get_absolute_url())
    check("retro, large type", current.get_absolute_url() + "?big=1")
    advance_to(current, Phase.VOTE, current.facilitator)
    check("retro, vote phase", current.get_absolute_url())
    assert page.locator(".retro-phases li.current").inner_text() == "Vote"
    check("retro, summary", finished.get_absolute_url())

    assert {name: problems for name, problems in found.items() if problems} == {}


def test_the_first_tab_offers_a_skip_link_that_moves_the_focus_to_the_main_content(page, login, demo_board):
    login(page, "demo", "demo")
    page.goto(demo_board.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_on_the_board_the_skip_links_reach_the_first_card_in_a_few_keys(page, login, demo_board):
    login(page, "demo", "demo")
    page.goto(demo_board.get_absolute_url())
    first_card = page.locator(".board-card-title").first
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the cards"
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
        if first_card.evaluate("link => link === document.activeElement"):
            break
    assert first_card.evaluate("link => link === document.activeElement"), "the first card is not 3 Tabs away"


def test_no_postmortem_page_has_a_serious_or_critical_accessibility_violation(page, login, demo_board):
    postmortems = Postmortem.objects.for_team(demo_board.team)
    draft = postmortems.filter(status=Status.DRAFT).first()
    published = postmortems.filter(status=Status.PUBLISHED).first()
    assert draft and published, "the demo data has a draft and a published postmortem"
    login(page, "demo", "demo")
    pages = {
        "postmortem list": "/t/demo/postmortems/",
        "postmortem search": "/t/demo/postmortems/?q=deploy",
        "postmortem editor (draft)": draft.get_absolute_url(),
        "postmortem (published)": published.get_absolute_url(),
        "postmortem print": f"{published.get_absolute_url()}print/",
        "postmortem reminders": "/t/demo/postmortems/reminders/",
        "postmortem settings": "/t/demo/postmortems/settings/",
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found[name] = blocking_violations(page)
    page.goto(draft.get_absolute_url())
    page.locator("#timeline").get_by_role("link", name="Edit").first.click()
    page.locator("#timeline form[hx-post]").first.wait_for()
    found["postmortem timeline entry being edited"] = blocking_violations(page)

    assert {name: problems for name, problems in found.items() if problems} == {}
