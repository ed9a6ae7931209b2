"""The team switcher in the top bar: picking a team goes there, with or without JavaScript."""

import pytest

from teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    membership = MembershipFactory(team=TeamFactory(name="Alpha", slug="alpha"), role="owner")
    MembershipFactory(team=TeamFactory(name="Beta", slug="beta"), user=membership.user, role="member")
    return membership.user


def test_picking_a_team_goes_there_without_a_go_click(page, login, member):
    login(page, member.username)
    assert not page.get_by_role("button", name="Go").is_visible()
    page.get_by_label("Switch team").select_option(label="Beta")
    page.wait_for_url("**/t/beta/")


def test_on_the_team_list_the_switcher_asks_for_a_team_and_picking_the_first_goes_there(page, login, member):
    login(page, member.username)
    page.goto("/t/")
    switcher = page.get_by_label("Switch team")
    assert switcher.evaluate("select => select.selectedOptions[0].textContent") == "Choose a team…"
    switcher.select_option(label="Alpha")
    page.wait_for_url("**/t/alpha/")


def test_without_javascript_the_go_button_takes_you_to_the_chosen_team(browser, live_server, member, console_errors):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    console_errors.watch(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Switch team").select_option(label="Beta")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    assert page.url.endswith("/t/beta/")
    context.close()
