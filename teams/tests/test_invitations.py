from datetime import timedelta

import pytest
from django.utils import timezone

from teams.models import Invitation, Membership
from teams.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def page(response) -> bytes:
    """The body of a page that must have answered 200."""
    assert response.status_code == 200, response.status_code
    return response.content


def test_an_owner_creates_a_link_that_lets_a_colleague_join_with_the_chosen_role(client_in, client, team):
    response = client_in.post(f"/t/{team.slug}/invitations/", {"role": "viewer"}, follow=True)
    invitation = Invitation.objects.get(team=team)
    assert invitation.get_absolute_url() in page(response).decode()

    colleague = UserFactory()
    client.force_login(colleague)
    assert b"Join" in page(client.get(invitation.get_absolute_url()))
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=colleague).role == "viewer"


def test_an_invitation_works_only_once(client, team):
    invitation = Invitation.objects.create(team=team, role="member")
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    assert client.post(invitation.get_absolute_url()).status_code == 302
    client.force_login(second)
    response = client.post(invitation.get_absolute_url(), follow=True)
    assert b"not valid any more" in page(response)
    assert not Membership.objects.filter(team=team, user=second).exists()


def test_an_expired_invitation_is_refused(client, team):
    invitation = Invitation.objects.create(team=team, expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert b"Invitation not valid" in page(client.get(invitation.get_absolute_url()))


def test_accepting_never_lowers_an_existing_role(client, team, user):
    invitation = Invitation.objects.create(team=team, role="viewer")
    client.force_login(user)
    client.post(invitation.get_absolute_url())
    assert Membership.objects.get(team=team, user=user).role == "owner"
