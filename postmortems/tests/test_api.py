"""The postmortems API: the CONTRACT's fields, creation, read-only once published, scoping."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from kanban.tests.factories import make_board
from postmortems.models import Postmortem
from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
    timeline_entry_add,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def url(team, pk=None):
    return f"/api/v1/teams/{team.slug}/postmortems/" + (f"{pk}/" if pk else "")


def test_a_post_creates_a_draft_with_the_contract_fields(api_client, team):
    response = api_client.post(
        url(team),
        {
            "title": "Checkout errors",
            "severity": "SEV2",
            "started_at": "2026-03-01T10:00:00Z",
            "detected_at": "2026-03-01T10:07:00Z",
            "mitigated_at": "2026-03-01T10:30:00Z",
            "resolved_at": "2026-03-01T11:00:00Z",
            "summary": "Retries were off.",
            "tags": ["payments", "Deploy"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["time_to_detect"], data["time_to_restore"]) == ("draft", 420, 3600)
    assert data["tags"] == ["deploy", "payments"]
    assert data["timeline"] == [] and data["action_items"] == []
    assert data["html_url"].endswith(f"/t/{team.slug}/postmortems/{data['id']}/")
    assert data["markdown_url"].endswith(f"/t/{team.slug}/postmortems/{data['id']}.md")


def test_a_retrieve_nests_the_timeline_and_action_items_with_their_card(api_client, team, user):
    board = make_board(team)
    pm = postmortem_create(team=team, title="x", by=user)
    timeline_entry_add(postmortem=pm, at=T0, kind="detection", text="alert", by=user)
    item = action_item_create(postmortem=pm, description="fix", by=user, owner=user, board=board)
    data = api_client.get(url(team, pm.pk)).json()
    assert [(e["kind"], e["text"]) for e in data["timeline"]] == [("detection", "alert")]
    assert data["action_items"] == [
        {
            "id": item.pk,
            "description": "fix",
            "owner": user.username,
            "due_date": item.due_date.isoformat(),
            "priority": "normal",
            "status": "open",
            "card": item.card_id,
        }
    ]


def test_bad_input_gets_400_with_per_field_messages(api_client, team):
    response = api_client.post(url(team), {"title": "", "severity": "SEV7"}, format="json")
    assert response.status_code == 400
    assert {"detail", "title", "severity"} <= set(response.json())
    response = api_client.post(
        url(team),
        {"title": "t", "started_at": "2026-03-01T10:00:00Z", "resolved_at": "2026-03-01T09:00:00Z"},
        format="json",
    )
    assert response.status_code == 400 and "before it started" in response.json()["detail"]


def test_a_published_postmortem_refuses_changes_with_409(api_client, team, user):
    pm = postmortem_create(team=team, title="x", by=user)
    postmortem_request_review(postmortem=pm, by=user, reviewers=[user])
    postmortem_approve(postmortem=pm, by=user)
    postmortem_publish(postmortem=pm, by=user)
    response = api_client.patch(url(team, pm.pk), {"summary": "rewrite"}, format="json")
    assert response.status_code == 409 and "read-only" in response.json()["detail"]
    assert Postmortem.objects.get(pk=pm.pk).summary == ""


def test_another_teams_postmortems_are_404(api_client, team, other_team, user):
    foreign = postmortem_create(team=other_team, title="secret", by=None)
    assert api_client.get(url(other_team)).status_code == 404
    assert api_client.get(url(team, foreign.pk)).status_code == 404
    assert api_client.get(url(team)).json()["count"] == 0


@pytest.mark.django_db
def test_the_schema_describes_the_postmortem_operations(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/teams/{team}/postmortems/{id}/:" in text and "markdown_url" in text


def test_null_or_listed_custom_sections_and_form_bodies_are_refused_without_a_server_error(api_client, team):
    for sections in (None, ["Comms"], {"Comms": None}):
        response = api_client.post(url(team), {"title": "x", "custom_sections": sections}, format="json")
        assert response.status_code == 400, sections
    response = api_client.post(url(team), {"title": "x", "custom_sections": "null"}, format="multipart")
    assert response.status_code == 415
    assert not Postmortem.objects.exists()


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x.org/a"]
)
def test_a_link_that_is_not_http_is_refused_as_the_form_refuses_it(api_client, team, user, link):
    pm = postmortem_create(team=team, title="x", by=user)
    response = api_client.patch(url(team, pm.pk), {"links": ["https://example.com/pr/1", link]}, format="json")
    assert response.status_code == 400 and "links" in response.json()
    response = api_client.post(url(team), {"title": "y", "links": [link]}, format="json")
    assert response.status_code == 400 and "links" in response.json()
    assert Postmortem.objects.filter(links__contains=[link]).count() == 0


def test_http_links_are_kept(api_client, team, user):
    pm = postmortem_create(team=team, title="x", by=user)
    links = ["https://github.com/o/r/pull/1", "http://status.example.com/incidents/7"]
    response = api_client.patch(url(team, pm.pk), {"links": links}, format="json")
    assert response.status_code == 200 and response.json()["links"] == links


def test_the_schema_says_what_the_lists_of_text_and_links_take(api_client):
    schema = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]["PatchedPostmortemRequest"]
    for name in ("went_well", "went_wrong", "got_lucky"):
        assert schema["properties"][name] == {"type": "array", "items": schema["properties"][name]["items"]}
        assert schema["properties"][name]["items"]["type"] == "string"
    assert schema["properties"]["links"]["items"]["pattern"] == "^[Hh][Tt][Tt][Pp][Ss]?://"


def test_the_schema_says_which_owners_and_cards_may_be_null(api_client, team, user):
    schemas = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schemas["Postmortem"]["properties"]["owner"]["nullable"] is True
    assert schemas["ActionItem"]["properties"]["owner"]["nullable"] is True
    assert schemas["ActionItem"]["properties"]["card"]["nullable"] is True
    pm = postmortem_create(team=team, title="x", by=None)  # an alert opened it: no owner
    action_item_create(postmortem=pm, description="no card, no owner", by=user)
    data = api_client.get(url(team, pm.pk)).json()
    assert data["owner"] is None
    assert (data["action_items"][0]["owner"], data["action_items"][0]["card"]) == (None, None)
