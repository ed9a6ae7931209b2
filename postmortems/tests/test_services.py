"""Postmortem services: times, the review flow, read-only once published, and action items kept in step with cards."""

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import ConflictError
from kanban.models import Card
from kanban.services import card_move
from kanban.tests.factories import make_board
from postmortems.figures import postmortem_figures
from postmortems.models import ActionStatus, Revision, Status
from postmortems.services import (
    PostmortemError,
    action_item_create,
    action_item_set_done,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
    postmortem_update,
    settings_update,
    timeline_entry_add,
)
from teams.tests.factories import MembershipFactory

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def owner(team, user):
    return user


def test_time_to_detect_and_restore_match_hand_computed_seconds(team, owner):
    postmortem = postmortem_create(
        team=team,
        title="Outage",
        by=owner,
        started_at=T0,
        detected_at=T0 + timedelta(minutes=7, seconds=30),
        mitigated_at=T0 + timedelta(minutes=40),
        resolved_at=T0 + timedelta(hours=2, minutes=3),
    )
    assert postmortem.time_to_detect == 450
    assert postmortem.time_to_restore == 7380


def test_an_unresolved_incident_has_no_time_to_restore_and_reads_ongoing(team, owner, api_client):
    postmortem = postmortem_create(team=team, title="Still burning", by=owner, started_at=T0, detected_at=T0)
    assert postmortem.time_to_detect == 0
    assert postmortem.time_to_restore is None
    undetected = postmortem_create(team=team, title="Unknown start", by=owner)
    assert undetected.time_to_detect is None
    data = api_client.get(f"/api/v1/teams/{team.slug}/postmortems/{postmortem.pk}/").json()
    assert data["time_to_restore"] is None and data["time_to_detect"] == 0


def test_times_before_the_start_are_refused(team, owner):
    with pytest.raises(PostmortemError, match="before it started"):
        postmortem_create(team=team, title="x", by=owner, started_at=T0, resolved_at=T0 - timedelta(minutes=1))


def test_a_published_postmortem_is_read_only_but_its_action_items_change(team, owner):
    reviewer = MembershipFactory(team=team).user
    postmortem = postmortem_create(team=team, title="Outage", by=owner, started_at=T0, summary="first")
    postmortem_update(postmortem=postmortem, by=owner, summary="second")
    postmortem_request_review(postmortem=postmortem, by=owner, reviewers=[reviewer])
    with pytest.raises(ConflictError):
        postmortem_publish(postmortem=postmortem, by=owner)  # not approved yet
    with pytest.raises(PostmortemError, match="reviewer"):
        postmortem_approve(postmortem=postmortem, by=owner)
    postmortem_approve(postmortem=postmortem, by=reviewer)
    postmortem_publish(postmortem=postmortem, by=owner)
    postmortem.refresh_from_db()
    assert postmortem.status == Status.PUBLISHED
    with pytest.raises(PostmortemError, match="read-only"):
        postmortem_update(postmortem=postmortem, by=owner, summary="rewritten")
    with pytest.raises(PostmortemError, match="read-only"):
        timeline_entry_add(postmortem=postmortem, at=T0, text="late", by=owner)
    item = action_item_create(postmortem=postmortem, description="Add an alert", by=owner)
    action_item_set_done(item=item, done=True, by=owner)
    assert item.status == ActionStatus.DONE
    postmortem.refresh_from_db()
    assert postmortem.summary == "second"
    trail = list(Revision.objects.filter(postmortem=postmortem).order_by("at", "id").values_list("action", flat=True))
    assert trail == ["edited", "review_requested", "approved", "published"]
    assert Revision.objects.filter(action="edited").get().snapshot["summary"] == "first"


def test_an_action_item_becomes_a_card_on_the_team_board_due_by_the_severity_slo(team, owner):
    board = make_board(team)
    settings_update(team=team, by=owner, action_board=board, action_slo_weeks={"SEV1": 2})
    postmortem = postmortem_create(team=team, title="Outage", by=owner, severity="SEV1", started_at=T0)
    item = action_item_create(postmortem=postmortem, description="Add a canary", by=owner, owner=owner)
    card = Card.objects.get(pk=item.card_id)
    assert card.board == board and card.column.name == "To do"
    assert item.due_date == date.today() + timedelta(weeks=2) == card.due_date
    assert list(card.assignees.all()) == [owner]


def test_card_and_action_item_stay_in_step_both_ways(team, owner):
    board = make_board(team)
    postmortem = postmortem_create(team=team, title="Outage", by=owner, started_at=T0)
    item = action_item_create(postmortem=postmortem, description="Fix retries", by=owner, board=board)
    done = board.columns.get(name="Done")
    card_move(card=item.card, column=done, position=0, by=owner)
    item = type(item).objects.with_card().get(pk=item.pk)
    assert item.status == ActionStatus.DONE
    action_item_set_done(item=item, done=False, by=owner)
    item = type(item).objects.with_card().get(pk=item.pk)
    assert item.status == ActionStatus.OPEN and item.card.column.name == "To do"
    action_item_set_done(item=item, done=True, by=owner)
    assert Card.objects.get(pk=item.card_id).column == done


def test_overdue_items_are_the_open_ones_past_their_due_date(team, owner):
    board = make_board(team)
    postmortem = postmortem_create(team=team, title="Outage", by=owner, started_at=T0)
    late = action_item_create(
        postmortem=postmortem, description="late", by=owner, board=board, due_date=date.today() - timedelta(days=1)
    )
    finished = action_item_create(
        postmortem=postmortem, description="done", by=owner, board=board, due_date=date.today() - timedelta(days=1)
    )
    action_item_set_done(item=finished, done=True, by=owner)
    assert list(type(late).objects.overdue()) == [late]
    assert late.is_overdue() and not finished.is_overdue()


def test_figures_give_medians_and_the_share_of_actions_done_by_their_due_date(team, owner):
    today = date(2026, 3, 20)
    for minutes in (10, 20, 60):
        postmortem_create(
            team=team,
            title=f"{minutes}",
            by=owner,
            started_at=T0,
            detected_at=T0 + timedelta(minutes=minutes),
            resolved_at=T0 + timedelta(minutes=2 * minutes),
        )
    postmortem = postmortem_create(team=team, title="open", by=owner, started_at=T0, severity="SEV1")
    on_time = action_item_create(postmortem=postmortem, description="a", by=owner, due_date=date(2026, 12, 1))
    action_item_set_done(item=on_time, done=True, by=owner)
    on_time.due_date = today
    on_time.save()
    action_item_create(postmortem=postmortem, description="b", by=owner, due_date=date(2026, 3, 10))
    figures = postmortem_figures(team=team, days=60, today=today)
    assert figures["median_time_to_detect"] == 20 * 60
    assert figures["median_time_to_restore"] == 40 * 60
    assert figures["incidents_by_month"] == [{"month": "2026-03", "SEV1": 1, "SEV2": 0, "SEV3": 3, "SEV4": 0}]
    assert (figures["actions_due"], figures["actions_done_on_time"], figures["actions_overdue"]) == (2, 0, 1)
