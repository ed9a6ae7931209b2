import io

import pytest
from rest_framework.test import APIClient

from teams.models import AuditEvent, Membership
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_callers_teams_with_their_role(api_client, team, other_team):
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    [row] = body["results"]
    assert row["slug"] == team.slug
    assert row["role"] == "owner"
    assert row["html_url"].endswith(f"/t/{team.slug}/")


def test_posting_a_name_creates_a_team_owned_by_the_caller(api_client, user):
    response = api_client.post("/api/v1/teams/", {"name": "Platform Squad"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "platform-squad"
    assert response.json()["role"] == "owner"
    membership = Membership.objects.get(team__slug="platform-squad")
    assert membership.user == user and membership.role == "owner"
    assert AuditEvent.objects.filter(action="team.created", actor=user).exists()


def test_a_team_without_a_name_is_refused_with_a_field_message(api_client):
    response = api_client.post("/api/v1/teams/", {}, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert "name" in response.json()


def test_two_teams_with_the_same_name_get_distinct_slugs(api_client):
    first = api_client.post("/api/v1/teams/", {"name": "Ops"}, format="json").json()
    second = api_client.post("/api/v1/teams/", {"name": "Ops"}, format="json").json()
    assert first["slug"] == "ops"
    assert second["slug"] == "ops-2"


def test_a_token_from_drf_create_token_authenticates(team, user):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    key = out.getvalue().split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/teams/").json()["count"] == 1


def test_anonymous_callers_get_a_json_401_or_403_with_detail():
    response = APIClient().get("/api/v1/teams/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_an_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_openapi_schema_describes_the_teams_endpoint(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/teams/" in schema["paths"]


def test_the_api_docs_page_loads_its_assets_from_this_server_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    asset.close()  # a streamed file left open warns (ResourceWarning) in whichever test runs next
    assert asset.status_code == 200
    asset.close()  # a streamed file stays open until its response is closed


def test_a_viewer_membership_is_reported_as_viewer(api_client, user):
    MembershipFactory(user=user, role="viewer")
    roles = {row["role"] for row in api_client.get("/api/v1/teams/").json()["results"]}
    assert roles == {"viewer"}
