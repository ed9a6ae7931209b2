"""In Chromium, each from a fresh browser: two-factor set-up and sign-in, roles, the profile."""

import pytest

from teams.models import Membership, Profile
from teams.tests.factories import MembershipFactory
from teams.tests.totp import totp_code
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fresh_page(browser, live_server, console_errors):
    page = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}).new_page()
    page.context.set_default_timeout(10_000)
    console_errors.watch(page)
    return page


def _confirm_password_if_asked(page, password="password"):
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()


def _second_factor(page, code: str):
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_enrol_an_authenticator_app_sign_out_sign_in_with_a_code_then_with_a_recovery_code(
    page, login, browser, live_server, console_errors, settings
):
    settings.MFA_TOTP_TOLERANCE = 1  # the enrolment code is spent: sign in with the next period's
    member = MembershipFactory(role="member", team__slug="ops").user
    found = {}
    login(page, member.username)

    page.goto("/settings/profile/")
    page.get_by_role("link", name="Two-factor authentication").click()
    found["two-factor"] = blocking_violations(page)
    page.goto("/accounts/2fa/totp/activate/")
    _confirm_password_if_asked(page)
    found["activate"] = blocking_violations(page)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    page.goto("/accounts/2fa/recovery-codes/")
    found["recovery codes"] = blocking_violations(page)
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    login(page, member.username)
    found["second factor"] = blocking_violations(page)
    _second_factor(page, "000000")
    assert "Incorrect code" in page.locator("main").inner_text()
    _second_factor(page, totp_code(secret, 1))
    page.wait_for_url("**/t/ops/")

    recovering = _fresh_page(browser, live_server, console_errors)
    login(recovering, member.username)
    _second_factor(recovering, codes[0])
    recovering.wait_for_url("**/t/ops/")
    recovering.context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_a_team_requiring_two_factor_sends_a_member_without_it_to_enrolment(page, login):
    membership = MembershipFactory(role="member", team__slug="vault", team__name="Vault", team__require_mfa=True)

    login(page, membership.user.username)
    page.goto("/t/vault/board/")

    # allauth asks for the password again before set-up (only a re-authentication counts as recent).
    assert "/t/vault/board/" not in page.url.split("?")[0]
    assert "Vault requires two-factor authentication" in page.get_by_role("status").inner_text()
    assert blocking_violations(page) == []
    _confirm_password_if_asked(page)
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    assert page.get_by_label("Authenticator secret").input_value()


def test_an_owner_changes_a_role_and_cannot_demote_the_last_owner(page, login):
    owner = MembershipFactory(role="owner", team__slug="crew", team__name="Crew").user
    owner.first_name = "Olive Owner"
    owner.save()
    colleague = MembershipFactory(role="member", team=Membership.objects.get(user=owner).team)
    colleague.user.first_name = "Max Member"
    colleague.user.save()
    login(page, owner.username)
    page.goto("/t/crew/members/")
    assert blocking_violations(page) == []

    page.get_by_label("Role of Max Member", exact=True).select_option("viewer")
    page.get_by_role("button", name="Change role of Max Member").click()
    page.wait_for_load_state()
    assert "Max Member is now viewer of Crew." in page.get_by_role("status").inner_text()
    colleague.refresh_from_db()
    assert colleague.role == "viewer"

    page.get_by_label("Role of Olive Owner", exact=True).select_option("member")
    page.get_by_role("button", name="Change role of Olive Owner").click()
    page.wait_for_load_state()
    assert "A team needs at least one owner" in page.locator(".messages").inner_text()
    assert Membership.objects.get(user=owner).role == "owner"


def test_the_profile_sets_the_display_name_and_time_zone(page, login):
    membership = MembershipFactory(role="member", team__slug="home")
    login(page, membership.user.username)
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url("**/settings/profile/")
    assert blocking_violations(page) == []

    page.get_by_label("Display name").fill("Katherine Johnson")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state()

    assert "America/Chicago" in page.get_by_role("status").inner_text()
    assert page.locator(".profile-name").inner_text().split() == ["KJ", "Katherine", "Johnson"]
    assert Profile.objects.get(user=membership.user).time_zone == "America/Chicago"
