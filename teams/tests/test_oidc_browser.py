"""In Chromium: sign in with an OpenID Connect provider (oidc-provider, real), through its login and consent pages."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from teams.tests.factories import MembershipFactory
from teams.tests.oidc import NAME, oidc_sso_live  # noqa: F401 (fixture)
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# oidc-provider's development pages @import a web font from Google: answered here, so the browser stays on loopback.
OFF_LOOPBACK = re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)[:/])")


def _stay_on_loopback(route) -> None:
    if route.request.url.startswith("https://fonts.googleapis.com/"):
        route.fulfill(status=200, content_type="text/css", body="")
    else:
        route.abort()


def _sign_in_at_the_provider(page, login: str, ours: str) -> dict[str, list[str]]:
    """Our login page, the provider's login and consent pages, back to us; axe's findings on our pages."""
    page.context.route(OFF_LOOPBACK, _stay_on_loopback)
    found = {}
    page.goto("/accounts/login/")
    found["login"] = blocking_violations(page)
    page.get_by_role("link", name=f"Log in with {NAME}").click()
    assert page.locator("h1").inner_text() == f"Sign In Via {NAME}"
    found["sign in via"] = blocking_violations(page)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    assert page.locator("h1").inner_text() == "Sign-in"
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("correct horse")
    page.get_by_role("button", name="Sign-in").click()
    assert page.locator("h1").inner_text() == "Authorize"
    assert "email" in page.locator(".login-card").inner_text()  # the scopes asked for
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(rf"^{re.escape(ours)}/(?!accounts/)"))
    found["landing"] = blocking_violations(page)
    return found


def test_a_first_sign_in_through_the_provider_creates_the_account_and_signs_in(
    page,
    live_server,
    oidc_sso_live,  # noqa: F811
    settings,
):
    settings.SIGNUP_POLICY = "sso"

    found = _sign_in_at_the_provider(page, "ada", live_server.url)

    user = get_user_model().objects.get(socialaccount__provider="oidc", socialaccount__uid="ada")
    assert user.email == "ada@example.com"
    assert page.locator(".user-menu").get_by_text(user.username).is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_an_existing_account_with_the_same_verified_address_is_linked_not_duplicated(
    page,
    live_server,
    oidc_sso_live,  # noqa: F811
):
    existing = MembershipFactory(role="member", team__slug="night-shift", user__username="grace_h").user
    existing.email = "grace@example.com"
    existing.save(update_fields=["email"])
    EmailAddress.objects.create(user=existing, email="grace@example.com", verified=True, primary=True)

    found = _sign_in_at_the_provider(page, "grace", live_server.url)

    assert SocialAccount.objects.get(provider="oidc", uid="grace").user == existing
    assert get_user_model().objects.filter(email__iexact="grace@example.com").count() == 1
    assert page.locator(".user-menu").get_by_text("grace_h").is_visible()
    assert {name: problems for name, problems in found.items() if problems} == {}
