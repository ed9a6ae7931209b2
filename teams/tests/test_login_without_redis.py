"""Logging in while Redis (the shared cache of the login limiter) is unreachable."""

import pytest

from teams.auth_views import _process_cache

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite, pytest.mark.production]

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    _process_cache.clear()
    settings.CACHES = UNREACHABLE_REDIS
    yield
    _process_cache.clear()


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
