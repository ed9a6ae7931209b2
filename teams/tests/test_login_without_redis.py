"""Logging in while Redis (the shared cache of the login limiter) is unreachable."""

import pytest
from allauth.mfa.models import Authenticator

from core.cache import local_fallback_clear
from teams.login_limits import _process_cache
from teams.tests.totp import enrol, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite, pytest.mark.production]

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "core.cache.RedisCache",  # as settings.py configures it
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    _process_cache.clear()
    local_fallback_clear()
    settings.CACHES = UNREACHABLE_REDIS
    yield
    _process_cache.clear()
    local_fallback_clear()


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_good_login_succeeds_while_redis_is_unreachable(client, user, redis_down):
    response = _login(client, user.username, "password")
    assert response.status_code == 302


def test_failures_are_still_limited_per_process_while_redis_is_unreachable(client, user, settings, redis_down):
    for _ in range(settings.LOGIN_RATE_LIMIT):
        response = _login(client, user.username, "nope")
        assert response.status_code == 200
        assert b"do not match" in response.content
    assert _login(client, user.username, "password").status_code == 429


def test_a_sign_in_with_a_second_factor_completes_while_redis_is_unreachable(client, user, team, settings, request):
    settings.MFA_TOTP_TOLERANCE = 1  # the enrolment code is spent: sign in with the next period's
    secret = enrol(client, user)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    client.post("/accounts/logout/")
    request.getfixturevalue("redis_down")

    assert _login(client, user.username, "password")["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)}).status_code == 302
    assert client.get(f"/t/{team.slug}/members/").status_code == 200
    client.post("/accounts/logout/")

    _login(client, user.username, "password")
    # The code is spent (marked in this process while Redis is away): it does not let anyone in twice.
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)}).status_code == 200
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signing_up_works_while_redis_is_unreachable(client, settings, redis_down):
    settings.SIGNUP_POLICY = "open"
    form = {"email": "eve@example.com", "username": "eve", "password1": "a-long-pass-42", "password2": "a-long-pass-42"}

    response = client.post("/accounts/signup/", form)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]
