"""Sign in with any OpenID Connect provider (allauth's `openid_connect`) against a real one: oidc-provider.

The person's hops through the provider's login and consent pages are made by `requests`
(teams/tests/oidc.py); allauth itself talks to the provider over HTTP (discovery, code exchange, userinfo,
the ID token checked against its keys).
"""

import json
import os
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from teams.models import AuditEvent, Invitation, Membership
from teams.tests.factories import UserFactory
from teams.tests.oidc import NAME, ROOT, oidc_sso, sign_in_at_provider  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _sign_in_with_oidc(client, login: str):
    start = client.post("/accounts/oidc/oidc/login/")
    assert start.status_code == 302, start.content[:300]
    callback = sign_in_at_provider(start["Location"], login)
    return client.get(callback.split("://testserver", 1)[1])


def test_sso_only_lets_a_first_oidc_sign_in_create_the_account(client, oidc_sso, settings):  # noqa: F811
    settings.SIGNUP_POLICY = "sso"

    response = _sign_in_with_oidc(client, "ada")

    assert response.status_code == 302, response.content[:500]
    user = get_user_model().objects.get(socialaccount__provider="oidc", socialaccount__uid="ada")
    assert (user.username, user.email, user.get_full_name()) == ("ada", "ada@example.com", "Ada Lovelace")
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action="account.signed_up", actor=user, data__method="oidc").exists()


def test_sign_up_by_invitation_only_turns_a_stranger_from_the_provider_away(client, oidc_sso):  # noqa: F811
    response = _sign_in_with_oidc(client, "ada")

    assert "Sign-up is by invitation" in response.content.decode()
    assert not get_user_model().objects.filter(email="ada@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_an_invitee_signs_up_with_oidc_and_joins_the_team(client, oidc_sso, team):  # noqa: F811
    invitation = Invitation.objects.create(team=team, role="member")

    client.get(invitation.get_absolute_url())
    response = _sign_in_with_oidc(client, "grace")

    assert response.status_code == 302 and response["Location"] == f"/t/{team.slug}/"
    assert Membership.objects.get(team=team, user__email="grace@example.com").role == "member"


def test_a_verified_address_links_the_provider_to_the_existing_account(client, oidc_sso):  # noqa: F811
    existing = UserFactory(username="ada_l", email="ada@example.com")
    EmailAddress.objects.create(user=existing, email="ada@example.com", verified=True, primary=True)

    response = _sign_in_with_oidc(client, "ada")

    assert response.status_code == 302
    assert SocialAccount.objects.get(provider="oidc", uid="ada").user == existing
    assert get_user_model().objects.filter(email__iexact="ada@example.com").count() == 1
    assert client.session["_auth_user_id"] == str(existing.pk)


def test_an_address_the_provider_does_not_vouch_for_never_links(client, oidc_sso, settings):  # noqa: F811
    settings.SIGNUP_POLICY = "sso"
    existing = UserFactory(username="bob", email="bob@example.com")
    EmailAddress.objects.create(user=existing, email="bob@example.com", verified=True, primary=True)

    _sign_in_with_oidc(client, "mallory")

    assert not SocialAccount.objects.filter(user=existing).exists()
    assert client.session.get("_auth_user_id") != str(existing.pk)


def test_the_login_page_offers_the_provider_by_its_name_only_when_configured(client, oidc_sso, settings):  # noqa: F811
    settings.SIGNUP_POLICY = "sso"
    page = " ".join(client.get("/accounts/login/").content.decode().split())
    assert f"Log in with {NAME}" in page
    assert f"New here? Log in with {NAME} to create your account." in page
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert b"Log in with" not in client.get("/accounts/login/").content


def _providers_from(env: dict) -> dict:
    """SOCIALACCOUNT_PROVIDERS and CSP's form-action as settings.py reads them from this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "GITHUB_CLIENT"))}
    code = (
        "import json, devopsboard.settings as s; print(json.dumps("
        "s.SOCIALACCOUNT_PROVIDERS | {'form-action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=clean | env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 or not env.get("OIDC_SERVER_URL"), done.stderr[-500:]
    return json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr}


def test_the_environment_configures_the_provider_and_refuses_it_half_configured():
    assert _providers_from({}) == {"form-action": ["'self'"]}
    configured = _providers_from(
        {
            "OIDC_SERVER_URL": "https://sso.example.com/realms/eng",
            "OIDC_CLIENT_ID": "board",
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_NAME": "Keycloak",
        }
    )
    (app,) = configured["openid_connect"]["APPS"]
    assert (app["name"], app["client_id"], app["secret"]) == ("Keycloak", "board", "s3cret")
    assert app["settings"]["server_url"] == "https://sso.example.com/realms/eng"
    # The log-in form is redirected to the provider's authorize page: CSP lets the form go there.
    assert configured["form-action"] == ["'self'", "https://sso.example.com"]
    assert "OIDC_SERVER_URL" in _providers_from({"OIDC_CLIENT_ID": "board"})["error"]
