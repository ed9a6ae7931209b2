"""Sign in with GitHub (allauth's GitHub provider) against the fake GitHub, Enterprise Server style.

The browser's hop to GitHub and back is made by `requests`; allauth itself talks to the fake over HTTP
(code exchange, /user, /user/emails).
"""

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from django.contrib.auth import get_user_model

from fakes.github_server import FakeGitHub
from teams.models import AuditEvent, Invitation, Membership
from teams.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]


@pytest.fixture
def github_sso(settings, monkeypatch):
    """A fake GitHub Enterprise Server with an OAuth app, configured as GITHUB_URL would configure it."""
    fake = FakeGitHub(prefix="/api/v3").start()
    client_id, secret = fake.oauth.add_app()
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": client_id, "secret": secret}]}}
    # allauth derives these from GITHUB_URL when its module loads (before any test could set it).
    web, api = fake.origin, f"{fake.origin}/api/v3"
    for name, url in {
        "authorize_url": f"{web}/login/oauth/authorize",
        "access_token_url": f"{web}/login/oauth/access_token",
        "profile_url": f"{api}/user",
        "emails_url": f"{api}/user/emails",
    }.items():
        monkeypatch.setattr(GitHubOAuth2Adapter, name, url)
    yield fake
    fake.stop()


def _sign_in_with_github(client):
    start = client.post("/accounts/github/login/")
    assert start.status_code == 302, start.content[:300]
    at_github = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_github.status_code == 302
    return client.get(at_github.headers["Location"].removeprefix("http://testserver"))


def test_a_first_github_sign_in_creates_an_account_when_sign_up_is_open(client, github_sso, settings):
    settings.SIGNUP_POLICY = "sso"
    github_sso.oauth.add_user("octo", id=42, name="Octo Cat", emails=[("octo@example.com", True, True)])
    github_sso.oauth.signed_in = "octo"

    response = _sign_in_with_github(client)

    assert response.status_code == 302, response.content[:500]
    user = get_user_model().objects.get(socialaccount__provider="github", socialaccount__uid="42")
    assert (user.username, user.email, user.first_name) == ("octo", "octo@example.com", "Octo")
    assert AuditEvent.objects.filter(action="account.signed_up", actor=user, data__method="github").exists()


def test_an_invitee_signs_up_with_github_and_joins_the_team(client, github_sso, team):
    invitation = Invitation.objects.create(team=team, role="viewer")
    github_sso.oauth.add_user("newbie", id=43, emails=[("newbie@example.com", True, True)])
    github_sso.oauth.signed_in = "newbie"

    client.get(invitation.get_absolute_url())
    response = _sign_in_with_github(client)

    assert response.status_code == 302 and response["Location"] == f"/t/{team.slug}/"
    assert Membership.objects.get(team=team, user__username="newbie").role == "viewer"


def test_a_verified_github_address_links_to_the_existing_account(client, github_sso):
    existing = UserFactory(username="ada", email="ada@example.com")
    EmailAddress.objects.create(user=existing, email="ada@example.com", verified=True, primary=True)
    github_sso.oauth.add_user("ada-gh", id=44, emails=[("ada@example.com", True, True)])
    github_sso.oauth.signed_in = "ada-gh"

    response = _sign_in_with_github(client)

    assert response.status_code == 302
    assert SocialAccount.objects.get(uid="44").user == existing
    assert client.session["_auth_user_id"] == str(existing.pk)


def test_an_unverified_github_address_never_links_to_an_existing_account(client, github_sso, settings):
    settings.SIGNUP_POLICY = "open"
    existing = UserFactory(username="bob", email="bob@example.com")
    github_sso.oauth.add_user("mallory", id=45, emails=[("bob@example.com", False, True)])
    github_sso.oauth.signed_in = "mallory"

    _sign_in_with_github(client)

    assert not SocialAccount.objects.filter(user=existing).exists()
    assert client.session.get("_auth_user_id") != str(existing.pk)


@pytest.mark.parametrize("address", ["unverified", "none"])
def test_an_account_whose_own_address_is_unverified_is_neither_linked_nor_stripped_of_its_password(
    client, github_sso, settings, address
):
    settings.SIGNUP_POLICY = "open"
    existing = UserFactory(username="carol", email="carol@example.com")
    if address == "unverified":
        EmailAddress.objects.create(user=existing, email="carol@example.com", verified=False, primary=True)
    # GitHub vouches for the address, but nobody ever proved to us that carol's account owns it.
    github_sso.oauth.add_user("carol-gh", id=46, emails=[("carol@example.com", True, True)])
    github_sso.oauth.signed_in = "carol-gh"

    response = _sign_in_with_github(client)

    # A new account, which needs an address of its own: allauth's sign-up form asks for one.
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    assert client.get(response["Location"]).status_code == 200

    existing.refresh_from_db()
    assert existing.has_usable_password() and existing.check_password("password")
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert client.session.get("_auth_user_id") != str(existing.pk)
    assert not AuditEvent.objects.filter(action="login.succeeded", actor=existing).exists()


def test_a_github_sign_in_is_audited(client, github_sso):
    existing = UserFactory(username="dora", email="dora@example.com")
    EmailAddress.objects.create(user=existing, email="dora@example.com", verified=True, primary=True)
    github_sso.oauth.add_user("dora-gh", id=47, emails=[("dora@example.com", True, True)])
    github_sso.oauth.signed_in = "dora-gh"

    _sign_in_with_github(client)

    assert AuditEvent.objects.filter(action="login.succeeded", actor=existing).exists()
