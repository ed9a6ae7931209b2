"""A postmortem's timeline and action items through the API: /postmortems/<id>/timeline/ and /action-items/."""

from datetime import UTC, date, datetime

from kanban.tests.factories import make_board
from postmortems.models import ActionItem, TimelineEntry
from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
    settings_update,
    timeline_entry_add,
)
from teams.tests.factories import MembershipFactory

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def parts(team, pm, part, pk=None):
    return f"/api/v1/teams/{team.slug}/postmortems/{pm.pk}/{part}/" + (f"{pk}/" if pk else "")


def test_timeline_entries_are_listed_added_changed_and_removed(api_client, team, user):
    pm = postmortem_create(team=team, title="Outage", by=user)
    response = api_client.post(
        parts(team, pm, "timeline"), {"at": "2026-03-01T10:05:00Z", "kind": "detection", "text": "paged"}, format="json"
    )
    assert response.status_code == 201, response.json()
    entry_id = response.json()["id"]
    assert response.json() == {"id": entry_id, "at": "2026-03-01T10:05:00Z", "kind": "detection", "text": "paged"}
    listed = api_client.get(parts(team, pm, "timeline")).json()
    assert listed["count"] == 1 and listed["results"][0]["text"] == "paged"
    response = api_client.patch(parts(team, pm, "timeline", entry_id), {"text": "paged the on-call"}, format="json")
    assert response.status_code == 200 and response.json()["text"] == "paged the on-call"
    assert api_client.get(f"/api/v1/teams/{team.slug}/postmortems/{pm.pk}/").json()["timeline"][0]["text"] == (
        "paged the on-call"
    )
    assert api_client.delete(parts(team, pm, "timeline", entry_id)).status_code == 204
    assert not TimelineEntry.objects.filter(pk=entry_id).exists()


def test_an_added_timeline_entry_is_found_by_search(api_client, team, user):
    pm = postmortem_create(team=team, title="Outage", by=user)
    api_client.post(parts(team, pm, "timeline"), {"at": "2026-03-01T10:05:00Z", "text": "flamingo"}, format="json")
    found = api_client.get(f"/api/v1/teams/{team.slug}/postmortems/", {"q": "flamingo"}).json()
    assert [row["id"] for row in found["results"]] == [pm.pk]


def test_an_action_item_added_through_the_api_gets_its_card_on_the_action_board(api_client, team, user):
    board = make_board(team, by=user)
    settings_update(team=team, by=user, action_board=board)
    pm = postmortem_create(team=team, title="Outage", by=user, severity="SEV1")
    response = api_client.post(
        parts(team, pm, "action-items"), {"description": "add retries", "owner": user.username}, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    item = ActionItem.objects.get(pk=data["id"])
    assert item.card is not None and data["card"] == item.card.pk
    assert (item.card.board, item.card.title, list(item.card.assignees.all())) == (board, "add retries", [user])
    assert (data["status"], data["owner"], data["priority"]) == ("open", user.username, "normal")
    assert data["due_date"] == item.due_date.isoformat()


def test_changing_an_action_item_keeps_its_card_in_step(api_client, team, user):
    board = make_board(team, by=user)
    pm = postmortem_create(team=team, title="Outage", by=user)
    item = action_item_create(postmortem=pm, description="add retries", by=user, board=board)
    response = api_client.patch(
        parts(team, pm, "action-items", item.pk),
        {
            "description": "add retries with backoff",
            "priority": "high",
            "due_date": "2026-12-24",
            "owner": user.username,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    item.card.refresh_from_db()
    assert (item.card.title, item.card.priority, item.card.due_date) == (
        "add retries with backoff",
        "high",
        date(2026, 12, 24),
    )
    assert list(item.card.assignees.all()) == [user]


def test_marking_an_action_item_done_moves_its_card_to_a_done_column_and_back(api_client, team, user):
    board = make_board(team, by=user)
    pm = postmortem_create(team=team, title="Outage", by=user)
    item = action_item_create(postmortem=pm, description="add retries", by=user, board=board)
    response = api_client.patch(parts(team, pm, "action-items", item.pk), {"status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    item.card.refresh_from_db()
    assert item.card.column.is_done
    response = api_client.patch(parts(team, pm, "action-items", item.pk), {"status": "open"}, format="json")
    item.card.refresh_from_db()
    assert response.json()["status"] == "open" and not item.card.column.is_done


def test_removing_an_action_item_leaves_its_card_on_the_board(api_client, team, user):
    board = make_board(team, by=user)
    pm = postmortem_create(team=team, title="Outage", by=user)
    item = action_item_create(postmortem=pm, description="add retries", by=user, board=board)
    assert api_client.delete(parts(team, pm, "action-items", item.pk)).status_code == 204
    assert not ActionItem.objects.filter(pk=item.pk).exists()
    assert board.cards.filter(pk=item.card_id).exists()


def test_an_owner_who_is_not_a_member_or_a_board_of_another_team_is_refused(api_client, team, other_team, user):
    stranger = MembershipFactory(team=other_team).user
    pm = postmortem_create(team=team, title="Outage", by=user)
    response = api_client.post(
        parts(team, pm, "action-items"), {"description": "x", "owner": stranger.username}, format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()
    response = api_client.post(
        parts(team, pm, "action-items"), {"description": "x", "board": make_board(other_team).pk}, format="json"
    )
    assert response.status_code == 400 and "board" in response.json()
    assert not ActionItem.objects.exists()


def test_a_published_postmortems_timeline_is_read_only_but_its_action_items_are_not(api_client, team, user):
    pm = postmortem_create(team=team, title="Outage", by=user, started_at=T0)
    entry = timeline_entry_add(postmortem=pm, at=T0, text="paged", by=user)
    item = action_item_create(postmortem=pm, description="add retries", by=user)
    postmortem_request_review(postmortem=pm, by=user, reviewers=[user])
    postmortem_approve(postmortem=pm, by=user)
    postmortem_publish(postmortem=pm, by=user)
    response = api_client.patch(parts(team, pm, "timeline", entry.pk), {"text": "x"}, format="json")
    assert response.status_code == 409 and response.json()["detail"]
    assert api_client.delete(parts(team, pm, "timeline", entry.pk)).status_code == 409
    response = api_client.patch(parts(team, pm, "action-items", item.pk), {"status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"


def test_another_teams_postmortem_and_entries_are_404(api_client, team, other_team, user):
    stranger = other_team.memberships.get().user
    theirs = postmortem_create(team=other_team, title="Theirs", by=stranger)
    entry = timeline_entry_add(postmortem=theirs, at=T0, text="secret", by=stranger)
    mine = postmortem_create(team=team, title="Mine", by=user)
    assert api_client.get(parts(other_team, theirs, "timeline")).status_code == 404
    assert api_client.get(parts(team, theirs, "timeline")).status_code == 404
    assert (
        api_client.post(parts(team, theirs, "timeline"), {"at": "2026-03-01T10:00:00Z", "text": "x"}).status_code == 404
    )
    assert api_client.patch(parts(team, mine, "timeline", entry.pk), {"text": "x"}, format="json").status_code == 404
    assert api_client.delete(parts(team, mine, "timeline", entry.pk)).status_code == 404
    assert TimelineEntry.objects.get(pk=entry.pk).text == "secret"
