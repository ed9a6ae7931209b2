"""Who may create an account: SIGNUP_POLICY (invitation by default, open, sso)."""

import pytest
from django.contrib.auth import get_user_model

from teams.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.production]

NEW = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "username": "ada",
    "password1": "a-long-pass-42",
    "password2": "a-long-pass-42",
}


def test_by_default_sign_up_needs_an_invitation_and_says_so(client):
    page = client.get("/accounts/signup/")
    client.post("/accounts/signup/", NEW)
    assert b"Sign-up is by invitation" in page.content
    assert not get_user_model().objects.filter(username="ada").exists()


def test_an_open_server_lets_anyone_sign_up_and_audits_it(client, settings):
    settings.SIGNUP_POLICY = "open"
    response = client.post("/accounts/signup/", NEW)
    assert response.status_code == 302
    ada = get_user_model().objects.get(username="ada")
    assert ada.first_name == "Ada"
    assert AuditEvent.objects.filter(action="account.signed_up", actor=ada).exists()


def test_a_single_sign_on_server_refuses_password_sign_up(client, settings):
    settings.SIGNUP_POLICY = "sso"
    page = client.get("/accounts/signup/")
    assert b"single sign-on" in page.content
    client.post("/accounts/signup/", NEW)
    assert not get_user_model().objects.filter(username="ada").exists()


def test_the_login_form_takes_username_and_password_fields(client, user):
    page = client.get("/accounts/login/")
    assert b'name="username"' in page.content and b'name="password"' in page.content
    assert client.post("/accounts/login/", {"username": user.email, "password": "password"}).status_code == 302
