"""End to end in Chromium: log in, land on the team home, switch to another team."""

import pytest

from teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_logs_in_lands_on_the_team_home_and_switches_team(page, login):
    alpha = TeamFactory(name="Alpha", slug="alpha")
    membership = MembershipFactory(team=alpha, role="owner")
    beta = TeamFactory(name="Beta", slug="beta")
    MembershipFactory(team=beta, user=membership.user, role="member")

    login(page, membership.user.username)

    assert page.locator("h1").inner_text() == "Alpha"
    assert page.url.endswith("/t/alpha/")
    page.get_by_label("Switch team").select_option(label="Beta")
    page.wait_for_url("**/t/beta/")
    assert page.locator("h1").inner_text() == "Beta"
    assert "member" in page.locator("main").inner_text()


def test_a_wrong_password_shows_a_clear_message(page, login):
    membership = MembershipFactory()
    login(page, membership.user.username, password="wrong")
    assert "do not match" in page.get_by_role("alert").inner_text()
