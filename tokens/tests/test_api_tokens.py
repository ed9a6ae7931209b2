"""API tokens: hashed at rest, shown once, listed and revoked by their owner, refused with a 401."""

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from teams.tests.factories import UserFactory
from tokens.models import ApiToken, key_digest
from tokens.services import token_create

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_drf_create_token_prints_a_new_usable_key_that_is_stored_only_as_a_digest(team, user, capsys):
    call_command("drf_create_token", user.username)
    call_command("drf_create_token", user.username)

    keys = re.findall(rf"Generated token (\S+) for user {user.username}", capsys.readouterr().out)
    assert len(keys) == 2 and keys[0] != keys[1]
    assert _with_token(keys[1]).get("/api/v1/teams/").json()["count"] == 1
    stored = ApiToken.objects.get(digest=key_digest(keys[1]))
    assert keys[1] not in {stored.digest, stored.prefix, stored.name}


def test_a_bad_token_gets_401_with_a_token_challenge():
    response = _with_token("0" * 40).get("/api/v1/teams/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_a_key_is_shown_once_at_creation_and_never_in_the_list(api_client):
    created = api_client.post("/api/v1/tokens/", {"name": "ci"}, format="json")

    assert created.status_code == 201
    key = created.json()["key"]
    listed = api_client.get("/api/v1/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["ci"]
    assert "key" not in listed[0] and listed[0]["prefix"] == key[:8]
    assert key not in str(listed)


def test_a_revoked_token_is_refused_and_only_its_owner_can_revoke_it(user):
    token, key = token_create(user=user, name="laptop")
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())

    assert stranger.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert _with_token(key).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert _with_token(key).get("/api/v1/teams/").status_code == 401


def test_an_expired_token_is_refused(api_client, user):
    created = api_client.post("/api/v1/tokens/", {"name": "short", "expires_in_days": 1}, format="json").json()
    ApiToken.objects.filter(pk=created["id"]).update(expires_at="2000-01-01T00:00:00Z")

    assert _with_token(created["key"]).get("/api/v1/teams/").status_code == 401
