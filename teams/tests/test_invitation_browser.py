"""In Chromium: an owner invites by e-mail, the invitee opens the link from the mail, signs up, lands in the team."""

import pytest

from teams.models import Membership
from teams.tests.factories import MembershipFactory
from teams.tests.smtp import smtp_inbox  # noqa: F401 (fixture)
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invitee_without_an_account_gets_the_mail_signs_up_and_lands_in_the_team(
    page,
    login,
    browser,
    live_server,
    console_errors,
    smtp_inbox,  # noqa: F811
):
    owner = MembershipFactory(role="owner", team__name="Night Shift", team__slug="night-shift").user
    login(page, owner.username)
    found = {}
    page.goto("/settings/tokens/")
    found["API tokens"] = blocking_violations(page)
    page.goto("/t/night-shift/members/")
    found["members"] = blocking_violations(page)
    form = page.locator("#invite-form")
    form.get_by_label("E-mail address").fill("grace@example.com")
    form.get_by_label("Role").select_option("viewer")
    form.get_by_role("button", name="Create invitation").click()
    assert "Invitation mailed to grace@example.com" in page.get_by_role("status").first.inner_text()

    link = smtp_inbox.link_in(smtp_inbox.wait_for("grace@example.com"), "/invitations/")
    invitee = browser.new_context(base_url=live_server.url).new_page()
    console_errors.watch(invitee)
    invitee.goto(link)
    found["invitation"] = blocking_violations(invitee)
    invitee.get_by_role("link", name="Create an account and join").click()
    assert "Join Night Shift" in invitee.locator("h1").inner_text()
    found["sign-up"] = blocking_violations(invitee)
    invitee.get_by_label("Email").fill("grace@example.com")
    invitee.get_by_label("Display name").fill("Grace Hopper")
    invitee.get_by_label("Username").fill("grace")
    invitee.get_by_label("Password", exact=True).fill("a-long-pass-42")
    invitee.get_by_label("Password (again)").fill("a-long-pass-42")
    invitee.get_by_role("button", name="Create account and join").click()
    invitee.wait_for_url("**/t/night-shift/")
    assert Membership.objects.get(team__slug="night-shift", user__username="grace").role == "viewer"
    invitee.context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
