"""In Chromium: "Log in with GitHub" through allauth's confirmation page, the fake GitHub's authorize step and back.

The fake GitHub (fakes/github_oauth.py) approves at once for the person signed in there, as GitHub does for an
app the person authorised before; allauth exchanges the code and reads /user and /user/emails from it.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from teams.tests.factories import UserFactory
from teams.tests.test_github_signin import github_sso  # noqa: F401 (fixture)
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def github_live(github_sso, settings, live_server):  # noqa: F811
    """The fake GitHub for a browser on the live server: plain http callbacks, and CSP's form-action names its origin
    as it names GITHUB_URL's (devopsboard/settings.py)."""
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
    policy = settings.CONTENT_SECURITY_POLICY
    directives = policy["DIRECTIVES"] | {"form-action": [*policy["DIRECTIVES"]["form-action"], github_sso.origin]}
    settings.CONTENT_SECURITY_POLICY = policy | {"DIRECTIVES": directives}
    return github_sso


def _sign_in_with_github(page, ours: str) -> dict[str, list[str]]:
    found = {}
    page.goto("/accounts/login/")
    found["login"] = blocking_violations(page)
    page.get_by_role("link", name="Log in with GitHub").click()
    found["sign in via"] = blocking_violations(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf"^{re.escape(ours)}/(?!accounts/)"))
    found["landing"] = blocking_violations(page)
    return found


def test_a_first_github_sign_in_in_the_browser_creates_the_account(page, github_live, live_server, settings):
    settings.SIGNUP_POLICY = "sso"
    github_live.oauth.add_user("octo", id=42, name="Octo Cat", emails=[("octo@example.com", True, True)])
    github_live.oauth.signed_in = "octo"

    found = _sign_in_with_github(page, live_server.url)

    user = get_user_model().objects.get(socialaccount__provider="github", socialaccount__uid="42")
    assert user.email == "octo@example.com"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_github_sign_in_in_the_browser_links_the_account_with_the_same_verified_address(page, github_live, live_server):
    existing = UserFactory(username="ada", email="ada@example.com")
    EmailAddress.objects.create(user=existing, email="ada@example.com", verified=True, primary=True)
    github_live.oauth.add_user("ada-gh", id=44, emails=[("ada@example.com", True, True)])
    github_live.oauth.signed_in = "ada-gh"

    found = _sign_in_with_github(page, live_server.url)

    assert SocialAccount.objects.get(provider="github", uid="44").user == existing
    assert get_user_model().objects.filter(email__iexact="ada@example.com").count() == 1
    assert page.locator(".user-menu").get_by_text("ada").first.is_visible()
    assert {name: problems for name, problems in found.items() if problems} == {}
