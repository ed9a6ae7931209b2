"""In Chromium: a passkey enrolled from the two-factor page, then a sign-in with nothing but it.

The passkey lives in Chromium's virtual authenticator (DevTools protocol `WebAuthn`, through Playwright's CDP
session): a platform authenticator that keeps resident keys and verifies the user, as a phone or laptop does.
"""

import pytest
from allauth.mfa.models import Authenticator

from teams.models import AuditEvent
from teams.tests.factories import UserFactory
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    return cdp, cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


def test_a_passkey_is_enrolled_and_then_signs_in_without_a_password(page, login, live_server, settings):
    # http://localhost is a secure context and an origin fido2 accepts: the origin is checked as in production.
    assert not getattr(settings, "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
    assert live_server.url.startswith("http://localhost:")
    user = UserFactory(username="ada")
    cdp, authenticator = _virtual_authenticator(page)
    found = {}

    login(page, "ada")
    page.goto("/accounts/2fa/")
    found["two-factor"] = blocking_violations(page)
    keys = page.locator("section", has=page.get_by_role("heading", name="Security Keys"))
    keys.get_by_role("link", name="Add").click()
    # allauth asks for the password again before any change to two-factor, however recent the log-in.
    assert page.locator("h1").inner_text() == "Confirm Access"
    found["confirm access"] = blocking_violations(page)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("h1").inner_text() == "Add Security Key"
    found["add key"] = blocking_violations(page)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    found["recovery codes"] = blocking_violations(page)

    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop" and key.wrap().is_passwordless
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"]

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    signed_in = AuditEvent.objects.filter(action="login.succeeded", actor=user).count()
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)

    assert page.locator(".user-menu").get_by_text("ada").is_visible()
    assert AuditEvent.objects.filter(action="login.succeeded", actor=user).count() == signed_in + 1
    signs = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"][0]["signCount"]
    assert signs > credential["signCount"]  # the key signed this sign-in: no password was asked
    assert {name: problems for name, problems in found.items() if problems} == {}
