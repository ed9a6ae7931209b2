"""What the central role matrix (postmortems/tests/role_cases.py) cannot express: approval needs
the approver to be a reviewer of that postmortem, and the people a form names must be members."""

from datetime import timedelta

import pytest
from django.utils import timezone

from postmortems.models import ActionItem, Postmortem, Status
from postmortems.services import postmortem_create, postmortem_request_review
from teams.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return MembershipFactory(role="owner", user__password=None)


@pytest.fixture
def in_review(owner):
    made = postmortem_create(
        team=owner.team, title="Checkout errors", by=owner.user, started_at=timezone.now() - timedelta(hours=1)
    )
    return made


def _review(postmortem, by, *reviewers):
    postmortem_request_review(postmortem=postmortem, by=by, reviewers=list(reviewers))


def test_a_member_who_is_a_reviewer_approves(client, owner, in_review):
    reviewer = MembershipFactory(team=owner.team, role="member", user__password=None).user
    _review(in_review, owner.user, reviewer)
    client.force_login(reviewer)
    response = client.post(f"/t/{owner.team.slug}/postmortems/{in_review.pk}/approve/")
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.approved_by == reviewer and in_review.status == Status.IN_REVIEW


def test_a_viewer_named_as_reviewer_still_cannot_approve(client, owner, in_review):
    viewer = MembershipFactory(team=owner.team, role="viewer", user__password=None).user
    _review(in_review, owner.user, viewer)
    client.force_login(viewer)
    response = client.post(f"/t/{owner.team.slug}/postmortems/{in_review.pk}/approve/")
    assert response.status_code == 403
    in_review.refresh_from_db()
    assert in_review.approved_by is None


def test_a_member_who_is_not_a_reviewer_is_told_and_nothing_changes(client, owner, in_review):
    _review(in_review, owner.user, owner.user)
    client.force_login(MembershipFactory(team=owner.team, role="member", user__password=None).user)
    response = client.post(f"/t/{owner.team.slug}/postmortems/{in_review.pk}/approve/", follow=True)
    assert "Only a reviewer of this postmortem can approve it." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.approved_by is None


def test_a_reviewer_or_an_action_owner_from_outside_the_team_is_refused(client, owner, in_review):
    outsider = UserFactory()
    other_team_member = MembershipFactory(role="member").user
    client.force_login(owner.user)
    base = f"/t/{owner.team.slug}/postmortems/{in_review.pk}"
    client.post(f"{base}/review/", {"review-reviewers": [outsider.pk]})
    client.post(
        f"{base}/actions/",
        {"action-description": "x", "action-priority": "low", "action-owner": other_team_member.pk},
    )
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT and not in_review.reviewers.exists()
    assert not ActionItem.objects.exists()
    assert Postmortem.objects.count() == 1
