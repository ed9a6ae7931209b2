"""API tokens in the user's settings, and what a token may create through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from teams.models import AuditEvent
from tokens.models import ApiToken
from tokens.services import token_create, token_revoke

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_settings_page_needs_a_login(client):
    response = client.get("/settings/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_token_is_created_shown_once_listed_and_revoked_after_confirming(client_in, user):
    created = client_in.post("/settings/tokens/", {"name": "CI", "expires_in_days": "30", "access": "read"})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=user)
    key = created.context["key"]
    assert key.encode() in created.content and token.read_only
    listed = client_in.get("/settings/tokens/").content
    assert b"CI" in listed and key.encode() not in listed and b"never used" in listed

    asked = client_in.post(f"/settings/tokens/{token.pk}/revoke/")
    assert b"Revoke the API token" in asked.content and ApiToken.objects.filter(pk=token.pk).exists()
    client_in.post(f"/settings/tokens/{token.pk}/revoke/", {"confirm": "yes"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_someone_elses_token_cannot_be_revoked(client_in):
    from teams.tests.factories import UserFactory

    other, _ = token_create(user=UserFactory(), name="theirs")
    assert client_in.post(f"/settings/tokens/{other.pk}/revoke/", {"confirm": "yes"}).status_code == 404


def test_a_read_only_token_reads_but_may_not_write(user, team):
    _, key = token_create(user=user, read_only=True)
    assert _with_token(key).get("/api/v1/teams/").status_code == 200
    refused = _with_token(key).post("/api/v1/teams/", {"name": "New"}, format="json")
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]


def test_a_token_cannot_create_a_token_that_outlives_it_and_says_why(user):
    _, key = token_create(user=user, expires_at=timezone.now() + timedelta(days=1))
    forever = _with_token(key).post("/api/v1/tokens/", {"name": "forever"}, format="json")
    longer = _with_token(key).post("/api/v1/tokens/", {"name": "longer", "expires_in_days": 30}, format="json")
    assert forever.status_code == 400 and "must expire no later" in forever.json()["detail"]
    assert longer.status_code == 400
    assert ApiToken.objects.count() == 1


def test_a_token_cannot_create_a_token_with_more_rights(user):
    _, key = token_create(user=user, read_only=True, expires_at=timezone.now() + timedelta(days=10))
    # A read-only token may not write at all, so it cannot mint a read-write one either.
    response = _with_token(key).post("/api/v1/tokens/", {"expires_in_days": 1}, format="json")
    assert response.status_code == 403


def test_a_token_created_by_a_token_goes_when_its_creator_is_revoked(user):
    parent, key = token_create(user=user, expires_at=timezone.now() + timedelta(days=2))
    response = _with_token(key).post("/api/v1/tokens/", {"name": "child", "expires_in_days": 1}, format="json")
    assert response.status_code == 201
    child_key = response.json()["key"]
    token_revoke(token=parent, by=user)
    assert _with_token(child_key).get("/api/v1/teams/").status_code == 401


def test_creating_and_revoking_a_token_on_the_settings_page_is_audited(client_in, user):
    client_in.post("/settings/tokens/", {"name": "CI", "expires_in_days": "30", "access": "read"})
    token = ApiToken.objects.get(user=user)
    created = AuditEvent.objects.get(action="token.created", actor=user)
    assert (created.object_id, created.data) == (str(token.pk), {"read_only": True})

    client_in.post(f"/settings/tokens/{token.pk}/revoke/", {"confirm": "yes"})

    revoked = AuditEvent.objects.get(action="token.revoked", actor=user)
    assert (revoked.object_id, revoked.data) == (str(token.pk), {"prefix": token.prefix})
