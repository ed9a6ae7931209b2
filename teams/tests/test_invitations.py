from datetime import timedelta

import pytest
from django.utils import timezone

from teams.models import Invitation, Membership
from teams.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_owner_creates_a_link_that_lets_a_colleague_join_with_the_chosen_role(client_in, client, team):
    response = client_in.post(f"/t/{team.slug}/invitations/", {"role": "viewer"}, follow=True)
    invitation = Invitation.objects.get(team=team)
    assert invitation.get_absolute_url() in response.content.decode()

    colleague = UserFactory()
    client.force_login(colleague)
    assert b"Join" in client.get(invitation.get_absolute_url()).content
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=colleague).role == "viewer"


def test_an_invitation_works_only_once(client, team):
    invitation = Invitation.objects.create(team=team, role="member")
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    client.post(invitation.get_absolute_url())
    client.force_login(second)
    response = client.post(invitation.get_absolute_url(), follow=True)
    assert b"not valid any more" in response.content
    assert not Membership.objects.filter(team=team, user=second).exists()


def test_an_expired_invitation_is_refused(client, team):
    invitation = Invitation.objects.create(team=team, expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert b"Invitation not valid" in client.get(invitation.get_absolute_url()).content


def test_accepting_never_lowers_an_existing_role(client, team, user):
    invitation = Invitation.objects.create(team=team, role="viewer")
    client.force_login(user)
    client.post(invitation.get_absolute_url())
    assert Membership.objects.get(team=team, user=user).role == "owner"
