"""One test per event: the message reaches the channel that asked for it, with its words and link, and no other.

Each test sets up two channels on real local receivers: one that hears only the event under test, and one that
hears every other event. The domain services emit the events as they would in production (after commit).
"""

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from core.events import Event
from integrations.tests.factories import RepositoryFactory
from kanban.services import WipLimitExceeded, card_create
from kanban.tests.factories import make_board
from notifications.tests.factories import json_channel
from notifications.tests.receiver import Receiver, receiving
from postmortems.alertmanager import alertmanager_token_create
from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
)
from postmortems.tests.test_alertmanager import alert, notification
from retros.models import Phase
from retros.services import note_add
from retros.tests.factories import advance_to, make_retro, make_team
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "http://127.0.0.1:8000"


@contextmanager
def listening(team, event):
    """(hearing, deaf): receivers of a channel with only `event` and of one with every other event."""
    with receiving() as hearing, receiving() as deaf:
        json_channel(team, hearing, name="hearing", events=[event])
        json_channel(team, deaf, name="deaf", events=[other for other in Event.values if other != event])
        yield hearing, deaf


def _only_message(hearing: Receiver, deaf: Receiver) -> dict:
    assert deaf.requests == [], deaf.all_bodies()
    assert len(hearing.requests) == 1, hearing.all_bodies()
    return hearing.requests[0].json()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def test_an_incident_opened_from_alertmanager_is_announced(client, team, settings):
    token = alertmanager_token_create(team=team)
    payload = notification(
        '{}:{alertname="HighErrorRate"}', "firing", [alert("HighErrorRate", "firing", "2026-03-01T10:00:00Z")]
    )
    with listening(team, Event.INCIDENT_OPENED) as (hearing, deaf):
        response = client.post(
            f"/integrations/alertmanager/{team.slug}/",
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code in (200, 202)

    message = _only_message(hearing, deaf)
    postmortem = team.postmortems.get()
    assert message["title"] == f"Incident opened ({postmortem.severity}): {postmortem.title}"
    assert "On the postmortem: nobody." in message["message"]
    assert f"{SITE}/t/{team.slug}/postmortems/{postmortem.pk}/" in message["message"]


def test_a_postmortem_sent_for_review_names_its_reviewers(team, user):
    reviewer = MembershipFactory(team=team, role="member", user__first_name="Rita", user__last_name="Review").user
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    with listening(team, Event.POSTMORTEM_REVIEW_REQUESTED) as (hearing, deaf):
        postmortem_request_review(postmortem=postmortem, by=user, reviewers=[reviewer])

    message = _only_message(hearing, deaf)
    assert message["title"] == "Postmortem waiting for review: Checkout errors"
    assert "Rita Review" in message["message"]
    assert f"{SITE}{postmortem.get_absolute_url()}" in message["message"]


def test_a_published_postmortem_is_announced_to_the_team(team, user):
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    postmortem_request_review(postmortem=postmortem, by=user, reviewers=[user])
    postmortem_approve(postmortem=postmortem, by=user)
    with listening(team, Event.POSTMORTEM_PUBLISHED) as (hearing, deaf):
        postmortem_publish(postmortem=postmortem, by=user)

    message = _only_message(hearing, deaf)
    assert message["title"] == "Postmortem published: Checkout errors"
    assert f"{SITE}{postmortem.get_absolute_url()}" in message["message"]


def test_a_retro_starting_names_its_facilitator_and_links_to_it():
    team, (facilitator, *_) = make_team()
    facilitator.first_name, facilitator.last_name = "Fay", "Cilitator"
    facilitator.save()
    with listening(team, Event.RETRO_STARTED) as (hearing, deaf):
        retro = make_retro(team, facilitator, title="Sprint 12")

    message = _only_message(hearing, deaf)
    assert message["title"] == "Retro starting: Sprint 12"
    assert "facilitated by Fay Cilitator" in message["message"]
    assert f"{SITE}{retro.get_absolute_url()}" in message["message"]


def test_a_retro_planned_for_later_does_not_announce_its_start_yet():
    team, (facilitator, *_) = make_team()
    with listening(team, Event.RETRO_STARTED) as (hearing, deaf):
        make_retro(team, facilitator, scheduled_for=timezone.localdate() + timedelta(days=7))

    assert hearing.requests == deaf.requests == []


def test_an_anonymous_retros_summary_names_nobody():
    team, people = make_team(("owner", "member", "member", "member"))
    for index, person in enumerate(people):
        person.first_name, person.last_name = f"Given{index}", f"Family{index}"
        person.save()
    facilitator = people[0]
    retro = make_retro(team, facilitator, title="Sprint 13", anonymous=True)
    retro = advance_to(retro, Phase.REFLECT, facilitator)
    for index, person in enumerate(people):
        note_add(
            retro=retro, prompt=retro.prompts[0], text=f"idea number {index}", by=person, secret=f"{index + 1:064x}"
        )
    with listening(team, Event.RETRO_CLOSED) as (hearing, deaf):
        advance_to(retro, Phase.SUMMARY, facilitator)

    message = _only_message(hearing, deaf)
    assert message["title"] == "Retro summary: Sprint 13"
    assert "4 notes." in message["message"]
    received = hearing.all_bodies()
    for person in people:
        for name in (person.username, person.first_name, person.last_name, person.get_full_name()):
            assert name not in received, f"the summary names {name}"


def test_a_hard_wip_limit_refusing_a_card_is_announced(team, user):
    board = make_board(team, limits={"To do": (1, "hard")}, by=user)
    card_create(board=board, title="first", by=user)
    with listening(team, Event.WIP_LIMIT_HIT) as (hearing, deaf), pytest.raises(WipLimitExceeded):
        card_create(board=board, title="one too many", by=user)

    message = _only_message(hearing, deaf)
    assert message["title"] == "WIP limit hit on Delivery: To do"
    assert "hard limit of 1" in message["message"] and "“one too many”" in message["message"]
    assert f"{SITE}{board.get_absolute_url()}" in message["message"]


def test_an_action_item_due_in_three_days_is_announced_once_to_its_owner_by_name(team, user):
    from notifications.tasks import announce_action_items

    owner = MembershipFactory(team=team, role="member", user__first_name="Otto", user__last_name="Owner").user
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    due = timezone.localdate() + timedelta(days=3)
    item = action_item_create(postmortem=postmortem, description="add retries", by=user, owner=owner, due_date=due)
    action_item_create(postmortem=postmortem, description="later", by=user, due_date=due + timedelta(days=1))
    with listening(team, Event.ACTION_ITEM_DUE_SOON) as (hearing, deaf):
        announce_action_items.apply()

    message = _only_message(hearing, deaf)
    assert message["title"] == f"Action item due on {due.isoformat()}: add retries"
    assert message["message"].startswith("Otto Owner, the action item “add retries” from “Checkout errors”")
    assert f"{SITE}{item.get_absolute_url()}" in message["message"]


def test_an_action_item_overdue_since_yesterday_is_announced(team, user):
    from notifications.tasks import announce_action_items

    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    due = timezone.localdate() - timedelta(days=1)
    item = action_item_create(postmortem=postmortem, description="add retries", by=user, owner=user, due_date=due)
    with listening(team, Event.ACTION_ITEM_OVERDUE) as (hearing, deaf):
        announce_action_items.apply()

    message = _only_message(hearing, deaf)
    assert message["title"] == "Action item overdue: add retries"
    assert f"was due on {due.isoformat()}" in message["message"]
    assert f"{SITE}{item.get_absolute_url()}" in message["message"]


def test_a_sync_failing_for_over_an_hour_is_announced_once_per_failure_streak(team):
    from notifications.tasks import announce_failing_syncs

    now = timezone.now()
    repository = RepositoryFactory(
        connection__team=team,
        sync_status="failed",
        last_success_at=now - timedelta(hours=2),
        last_error="GitHub answered 401: the token was revoked.",
        last_error_at=now - timedelta(minutes=5),
    )
    RepositoryFactory(  # failing for 20 minutes only
        connection__team=team,
        sync_status="failed",
        last_success_at=now - timedelta(minutes=20),
        last_error="boom",
        last_error_at=now,
    )
    with listening(team, Event.SYNC_FAILING) as (hearing, deaf):
        announce_failing_syncs.apply()
        announce_failing_syncs.apply()  # the same streak: not again

    message = _only_message(hearing, deaf)
    assert message["title"] == f"GitHub sync failing: {repository.full_name}"
    assert "GitHub answered 401: the token was revoked." in message["message"]
    assert f"{SITE}/t/{team.slug}/github/" in message["message"]
