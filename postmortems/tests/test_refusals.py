"""Every refusal a postmortem page can meet, from its own services and from kanban's, shows its message: never a 500.

Each case runs as htmx and as a plain form post. Status changes and action items answer with a
redirect to the postmortem and the refusal as a message; forms re-render with the refusal on them.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ConflictError
from core.tests.refusals import assert_refused, domain_errors_of, post
from kanban.models import Card
from kanban.services import CardError, WipLimitExceeded, card_archive, card_create
from kanban.tests.factories import make_board
from postmortems.models import ActionItem, Postmortem, Status
from postmortems.services import (
    PostmortemError,
    PublishedError,
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
)
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

htmx = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])


def url(postmortem: Postmortem, action: str) -> str:
    return f"/t/{postmortem.team.slug}/postmortems/{postmortem.pk}/{action}"


@pytest.fixture
def draft(team, user):
    return postmortem_create(team=team, title="Checkout down", by=user, started_at=timezone.now() - timedelta(hours=3))


@htmx
@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("approve/", "Only a postmortem in review can be approved."),
        ("publish/", "A postmortem is published after a reviewer approved it."),
        ("reopen/", "Only a postmortem in review goes back to draft."),
    ],
)
def test_approving_publishing_or_reopening_a_draft_is_a_conflict_shown_on_the_page(
    client_in, draft, htmx, action, message
):
    response = post(client_in, url(draft, action), {}, htmx=htmx)
    assert_refused(client_in, response, message, status=302)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@htmx
def test_only_a_reviewer_approves(client, draft, team, user, htmx):
    postmortem_request_review(postmortem=draft, by=user, reviewers=[user])
    colleague = MembershipFactory(team=team, role="member").user
    client.force_login(colleague)
    response = post(client, url(draft, "approve/"), {}, htmx=htmx)
    assert_refused(client, response, "Only a reviewer of this postmortem can approve it.", status=302)
    draft.refresh_from_db()
    assert draft.approved_at is None


@htmx
def test_a_timeline_entry_on_a_published_postmortem_is_refused(client_in, draft, user, htmx):
    postmortem_request_review(postmortem=draft, by=user, reviewers=[user])
    postmortem_approve(postmortem=draft, by=user)
    postmortem_publish(postmortem=draft, by=user)
    at = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"entry-at": at, "entry-kind": "note", "entry-text": "late note"}
    response = post(client_in, url(draft, "timeline/"), data, htmx=htmx)
    assert_refused(
        client_in, response, "This postmortem is published", status=200 if htmx else PublishedError.status_code
    )
    assert not draft.timeline.filter(text="late note").exists()


@htmx
def test_an_action_item_aimed_at_a_full_hard_wip_column_is_refused(client_in, draft, team, user, htmx):
    board = make_board(team, by=user, limits={"To do": (1, "hard")})
    card_create(board=board, title="busy", by=user)
    data = {"action-description": "Add a canary stage", "action-priority": "normal", "action-board": board.pk}
    response = post(client_in, url(draft, "actions/"), data, htmx=htmx)
    status = 200 if htmx else WipLimitExceeded.status_code
    assert_refused(client_in, response, "To do is at its WIP limit of 1", status=status)
    assert not ActionItem.objects.filter(description="Add a canary stage").exists()


@htmx
def test_completing_an_action_item_whose_card_was_archived_is_refused(client_in, draft, team, user, htmx):
    board = make_board(team, by=user)
    item = action_item_create(postmortem=draft, description="Add a canary stage", by=user, board=board)
    card_archive(card=item.card, by=user)
    response = post(client_in, url(draft, f"actions/{item.pk}/done/"), {"done": "1"}, htmx=htmx)
    assert_refused(client_in, response, "This card is archived. Restore it before moving it.", status=302)
    item.refresh_from_db()
    assert item.completed_at is None and Card.objects.get(pk=item.card_id).column.name == "To do"


def test_every_refusal_a_postmortem_page_can_meet_has_a_case_here():
    cases = {PostmortemError, PublishedError, ConflictError, CardError, WipLimitExceeded}
    assert domain_errors_of("postmortems") <= cases
