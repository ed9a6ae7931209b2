"""The board in Chromium: drag and drop, refusals, and what a second person sees."""

import re

import pytest
from playwright.sync_api import expect

from kanban.services import card_create, card_update
from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_console_errors(page):
    """Every test here fails on a console error or an uncaught exception (CSP refusals included)."""
    errors = []
    page.on(
        "console",
        lambda message: errors.append(f"{message.text} at {message.location}") if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == []


@pytest.fixture
def member():
    return MembershipFactory(role="member")


@pytest.fixture
def board(member):
    board = make_board(member.team, limits={"Doing": (1, "hard")})
    for title in ("alpha", "bravo", "charlie"):
        card_create(board=board, title=title, by=member.user, position=99)
    return board


def column_list(page, name):
    return page.get_by_role("list", name=name, exact=True)


def titles(page, name):
    return column_list(page, name).locator(".board-card-title").all_inner_texts()


def drag(page, card_title, target, *, above=None):
    """Drag a card with the mouse onto a list (or above another card), the way SortableJS sees it."""
    source = page.locator(".board-card", has_text=card_title).first
    destination = page.locator(".board-card", has_text=above).first if above else target
    source.hover()
    page.mouse.down()
    box = destination.bounding_box()
    y = box["y"] + (4 if above else box["height"] - 4)
    page.mouse.move(box["x"] + box["width"] / 2, y, steps=12)
    page.mouse.move(box["x"] + box["width"] / 2, y + 1, steps=3)
    page.mouse.up()


def open_board(page, login, member, board):
    login(page, member.user.username)
    page.goto(board.get_absolute_url())
    page.get_by_role("heading", name=board.name).wait_for()


def test_a_card_dragged_to_another_column_stays_there_after_a_reload(page, login, member, board):
    open_board(page, login, member, board)
    drag(page, "alpha", column_list(page, "Done"))
    page.get_by_role("status").filter(has_text="Moved to Done").wait_for()
    page.reload()
    assert titles(page, "Done") == ["alpha"]
    assert titles(page, "To do") == ["bravo", "charlie"]


def test_a_card_reordered_within_its_column_keeps_its_place_after_a_reload(page, login, member, board):
    open_board(page, login, member, board)
    drag(page, "charlie", column_list(page, "To do"), above="alpha")
    page.get_by_role("status").filter(has_text="Moved to To do").wait_for()
    page.reload()
    assert titles(page, "To do") == ["charlie", "alpha", "bravo"]


def test_a_move_into_a_full_hard_limit_column_is_refused_on_screen(page, login, member, board, console_errors):
    console_errors.allow(r"status of 409 \(Conflict\)")  # the refused move's answer
    card_create(board=board, title="busy", by=member.user, column=board.columns.get(name="Doing"))
    open_board(page, login, member, board)
    drag(page, "alpha", column_list(page, "Doing"))
    refusal = page.get_by_role("status").filter(has_text="WIP limit of 1")
    refusal.wait_for()
    assert "Doing is at its WIP limit of 1" in refusal.inner_text()
    # The columns refresh from the server and put the card back where it is.
    expect(column_list(page, "Doing").locator(".board-card-title")).to_have_text(["busy"])
    expect(column_list(page, "To do").locator(".board-card-title")).to_have_text(["alpha", "bravo", "charlie"])
    page.reload()
    assert titles(page, "Doing") == ["busy"]


def test_a_second_person_sees_the_move_within_five_seconds_without_reloading(
    page, browser, live_server, login, member, board
):
    other = MembershipFactory(team=member.team, role="member")
    context = browser.new_context(base_url=live_server.url)
    second = context.new_page()
    errors = []
    second.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        open_board(second, login, other, board)
        assert titles(second, "Doing") == []
        open_board(page, login, member, board)
        drag(page, "bravo", column_list(page, "Doing"))
        page.get_by_role("status").filter(has_text="Moved to Doing").wait_for()
        expect(column_list(second, "Doing").locator(".board-card-title")).to_have_text(["bravo"], timeout=5_000)
        expect(column_list(second, "To do").locator(".board-card-title")).to_have_text(["alpha", "charlie"])
        assert errors == []
    finally:
        context.close()


def test_a_card_can_be_moved_with_the_keyboard_from_its_panel(page, login, member, board):
    open_board(page, login, member, board)
    page.get_by_role("link", name="alpha").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#card-panel")
    panel.get_by_role("heading", name="alpha").wait_for()
    panel.get_by_role("button", name="To Doing →").focus()
    page.keyboard.press("Enter")
    panel.get_by_text("Moved to Doing, position 1.").wait_for()
    page.locator(f"#column-{board.columns.get(name='Doing').pk}").get_by_text("alpha").wait_for()
    assert_settled_in_one_column(page, "alpha", "Doing")
    assert "created in To do" in panel.inner_text() and "moved from To do → Doing" in panel.inner_text()
    # The focus stays on the Move control (now "To Done →"), not at the top of the page.
    expect(panel.get_by_role("button", name="To Done →")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="alpha")).to_be_focused()
    # The live board's next poll refreshes the moved card's columns: the focus stays on the card.
    page.wait_for_timeout(2_500)
    expect(page.get_by_role("link", name="alpha")).to_be_focused()


def assert_settled_in_one_column(page, title, column):
    """Once no column refresh is in flight or held back, the card shows in `column` alone (no retrying)."""
    expect(page.locator("#board")).not_to_have_attribute("aria-busy", "true")
    holding = page.locator(".board-column").filter(has=page.get_by_role("link", name=title, exact=True))
    assert holding.locator(".column-header h2").all_inner_texts() == [column]


def test_a_move_refresh_asked_while_a_poll_refresh_is_in_flight_still_runs(page, login, member, board):
    """The race of a live poll and a move: the poll's refresh of the source column, asked before the move
    was saved, answers after it (the card still there); the move's own refresh of that column, asked
    meanwhile, must run after it instead of being dropped with the swapped-out column."""
    to_do = board.columns.get(name="To do")
    open_board(page, login, member, board)
    page.get_by_role("link", name="alpha").click()
    panel = page.locator("#card-panel")
    panel.get_by_role("heading", name="alpha").wait_for()
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route(re.compile(rf"/columns/{to_do.pk}/(\?.*)?$"), hold_the_first)
    page.evaluate(f"htmx.trigger(document.body, 'column-changed-{to_do.pk}')")  # as a live poll does
    while not held:
        page.wait_for_timeout(50)
    expect(page.locator("#board")).to_have_attribute("aria-busy", "true")

    panel.get_by_role("button", name="To Doing →").click()
    panel.get_by_text("Moved to Doing, position 1.").wait_for()
    route, before_the_move = held[0]
    route.fulfill(response=before_the_move)  # the poll's answer, drawn before the move was saved

    assert_settled_in_one_column(page, "alpha", "Doing")


def test_a_long_column_shows_a_page_of_cards_and_loads_the_rest_on_demand(page, login, member, board):
    from kanban.models import Card
    from kanban.queries import PAGE_SIZE

    todo = board.columns.get(name="To do")
    Card.objects.bulk_create(
        Card(team=board.team, board=board, column=todo, position=(3 + i) * 1024, title=f"bulk {i:03d}")
        for i in range(120)
    )
    open_board(page, login, member, board)
    cards = column_list(page, "To do").locator(".board-card")
    assert cards.count() == PAGE_SIZE
    page.get_by_role("link", name="Show more cards (123 in all)").click()
    expect(cards).to_have_count(2 * PAGE_SIZE)
    page.get_by_role("link", name="Show more cards").click()
    expect(cards).to_have_count(123)
    assert titles(page, "To do")[-1] == "bulk 119"


def test_a_quick_added_card_lands_at_the_bottom_keeps_the_focus_and_can_be_dragged_at_once(page, login, member, board):
    open_board(page, login, member, board)
    page.get_by_label("Add a card to To do").fill("hotfix")
    page.get_by_label("Add a card to To do").press("Enter")
    expect(column_list(page, "To do").locator(".board-card-title").last).to_have_text("hotfix")
    expect(page.get_by_label("Add a card to To do")).to_be_focused()
    drag(page, "hotfix", column_list(page, "Done"))
    page.get_by_role("status").filter(has_text="Moved to Done").wait_for()
    page.reload()
    assert titles(page, "Done") == ["hotfix"]
    assert titles(page, "To do") == ["alpha", "bravo", "charlie"]


def test_the_card_panel_shows_labels_assignees_a_place_counted_from_1_and_readable_history(page, login, member, board):
    from kanban.services import card_update, label_create

    card = board.cards.get(title="bravo")
    label = label_create(team=board.team, name="infra", color="teal", by=member.user)
    card_update(card=card, by=member.user, labels=[label], assignees=[member.user], due_date="2030-01-01")
    open_board(page, login, member, board)
    page.get_by_role("link", name="bravo").click()
    panel = page.locator("#card-panel")
    panel.get_by_role("heading", name="bravo").wait_for()
    facts = panel.locator(".card-facts")
    expect(facts.locator("[data-card-labels]")).to_have_text("infra")
    expect(facts.locator("[data-card-assignees]")).to_have_text(member.user.username)
    assert "position 2" in panel.inner_text()
    assert "edited due date" in panel.inner_text() and "due_date" not in panel.inner_text()
    expect(panel.get_by_label("Position")).to_have_value("2")


def test_the_quick_add_error_keeps_the_input_wide(page, login, member, board):
    card_create(board=board, title="busy", by=member.user, column=board.columns.get(name="Doing"))
    open_board(page, login, member, board)
    field = page.get_by_label("Add a card to Doing")
    width = field.bounding_box()["width"]
    field.fill("one more")
    field.press("Enter")
    page.locator(".quick-add-error").filter(has_text="WIP limit of 1").wait_for()
    field = page.get_by_label("Add a card to Doing")
    assert field.bounding_box()["width"] >= width * 0.9
    expect(field).to_be_focused()
    expect(field).to_have_value("one more")


def test_filters_apply_without_clicking_filter(page, login, member, board):
    card_update(card=board.cards.get(title="charlie"), by=member.user, blocked=True, blocked_reason="vendor")
    open_board(page, login, member, board)
    page.get_by_label("Blocked only").check()
    expect(column_list(page, "To do").locator(".board-card-title")).to_have_text(["charlie"])
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    assert "blocked=1" in page.url
    page.get_by_label("Blocked only").uncheck()
    page.get_by_label("Search", exact=True).fill("alp")  # the board's filter, not the team search
    expect(column_list(page, "To do").locator(".board-card-title")).to_have_text(["alpha"])
    # Without JavaScript the Filter button still submits the form.
    expect(page.get_by_role("button", name="Filter")).to_be_visible()


def test_the_first_click_on_delete_only_asks(page, login, member, board):
    open_board(page, login, member, board)
    page.get_by_role("link", name="alpha").click()
    panel = page.locator("#card-panel")
    panel.get_by_role("button", name="Delete for good…").click()
    confirm = panel.get_by_role("button", name="Yes, delete “alpha”")
    expect(confirm).to_be_visible()
    assert board.cards.filter(title="alpha").exists()
    confirm.click()
    expect(page.get_by_text("Deleted “alpha”.")).to_be_visible()
    assert not board.cards.filter(title="alpha").exists()


def test_a_live_refresh_keeps_what_someone_is_typing_in_that_column(page, browser, live_server, login, member, board):
    other = MembershipFactory(team=member.team, role="member")
    context = browser.new_context(base_url=live_server.url)
    second = context.new_page()
    try:
        open_board(second, login, other, board)
        second.get_by_label("Add a card to Doing").fill("half a tit")
        open_board(page, login, member, board)
        drag(page, "bravo", column_list(page, "Doing"))
        expect(column_list(second, "Doing").locator(".board-card-title")).to_have_text(["bravo"], timeout=5_000)
        expect(second.get_by_label("Add a card to Doing")).to_have_value("half a tit")
        expect(second.get_by_label("Add a card to Doing")).to_be_focused()
    finally:
        context.close()


def test_a_five_column_board_fits_a_1440_px_screen_without_sideways_scroll(browser, live_server, login, member):
    five = make_board(member.team, columns=("Backlog", "To do", "Doing", "Review", "Done"))
    for column in five.columns.all():
        card_create(board=five, title=f"A card with a longer title in {column.name}", by=member.user, column=column)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    try:
        wide = context.new_page()
        open_board(wide, login, member, five)
        strip = wide.locator("#board")
        overflow = strip.evaluate("e => e.scrollWidth - e.clientWidth")
        page_overflow = wide.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert (overflow, page_overflow) == (0, 0)
    finally:
        context.close()


def test_a_live_refresh_that_arrives_during_a_drag_is_applied_once_the_drop_ends(page, login, member, board):
    open_board(page, login, member, board)
    doing = board.columns.get(name="Doing")
    held = []
    pattern = f"**/columns/{doing.pk}/**"

    def hold(route):
        held.append(route)

    page.route(pattern, hold)  # the poll's refresh of Doing waits here
    card_create(board=board, title="from elsewhere", by=member.user, column=doing)
    for _ in range(50):  # the next poll (every 2 s) asks for Doing
        if held:
            break
        page.wait_for_timeout(200)
    assert held, "the poll did not ask for the changed column"
    source = page.locator(".board-card", has_text="alpha").first
    box = source.bounding_box()
    source.hover()
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 30, steps=8)
    expect(page.locator("body.is-dragging")).to_have_count(1)
    with page.expect_response(lambda response: f"/columns/{doing.pk}/" in response.url):
        held[0].continue_()
    page.unroute(pattern, hold)
    page.wait_for_timeout(300)  # htmx settles the answer while the card is still held
    assert titles(page, "Doing") == []  # not swapped in under the pointer
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    # No later poll asks again (its version has moved on): the drop's end applies the missed refresh.
    expect(column_list(page, "Doing").locator(".board-card-title")).to_have_text(["from elsewhere"], timeout=3_000)


def test_keyboard_shortcuts_move_the_focus_move_a_card_open_it_and_start_a_new_one(page, login, member, board):
    open_board(page, login, member, board)
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    page.keyboard.press("?")
    expect(shortcuts).to_be_hidden()
    focused = "() => document.activeElement.textContent.trim()"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(focused) == "bravo"
    page.keyboard.press("k")
    assert page.evaluate(focused) == "alpha"
    page.keyboard.press("]")
    page.get_by_role("status").filter(has_text="Moved to Doing").wait_for()
    expect(column_list(page, "Doing").locator(".board-card-title")).to_have_text(["alpha"])
    page.wait_for_function("() => document.activeElement.textContent.trim() === 'alpha'")
    page.keyboard.press("n")
    assert page.evaluate(
        "() => document.activeElement.getAttribute('aria-label') || document.activeElement.id"
    ).startswith("quick-add-")
    page.keyboard.press("Escape")
    page.locator(".board-card-title", has_text="bravo").focus()
    page.keyboard.press("o")
    expect(page.locator("#card-panel").get_by_role("heading", name="bravo")).to_be_visible()


def test_the_card_page_has_two_columns_with_its_details_editable_in_place(page, login, member, board):
    card = board.cards.get(title="alpha")
    login(page, member.user.username)
    page.goto(card.get_absolute_url())
    main, side = page.locator(".card-detail-main"), page.locator(".card-detail-side")
    main_box, side_box = main.bounding_box(), side.bounding_box()
    assert side_box["x"] >= main_box["x"] + main_box["width"] and abs(side_box["y"] - main_box["y"]) < 5
    title = side.get_by_label("Title")
    expect(title).to_be_visible()  # no "Edit card" to open first
    title.fill("alpha, renamed")
    side.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="alpha, renamed")).to_be_visible()
