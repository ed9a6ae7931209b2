"""Every refusal a team page can meet shows its message: never a 500."""

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.tests.refusals import assert_refused, domain_errors_of, post
from teams.models import Invitation, Membership
from teams.services import TeamError
from teams.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

htmx = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])


@htmx
def test_removing_the_last_owner_is_refused(client_in, team, user, htmx):
    owner = Membership.objects.get(team=team, user=user)
    url = reverse("teams:member-remove", kwargs={"team": team.slug, "membership_id": owner.pk})
    response = post(client_in, url, {"confirm": "yes"}, htmx=htmx)
    assert_refused(client_in, response, "A team needs at least one owner.", status=302)
    assert Membership.objects.filter(pk=owner.pk).exists()


@htmx
def test_an_invitation_used_once_already_is_refused(client, team, user, htmx):
    invitation = Invitation.objects.create(team=team, role="member", created_by=user)
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    assert client.post(invitation.get_absolute_url()).status_code == 302
    client.force_login(second)
    response = post(client, invitation.get_absolute_url(), {}, htmx=htmx)
    assert_refused(client, response, "This invitation link is not valid any more.", status=302)
    assert not Membership.objects.filter(team=team, user=second).exists()


def test_a_team_refusal_is_a_domain_error_the_page_helper_and_the_api_map():
    assert issubclass(TeamError, DomainError)
    assert domain_errors_of("teams") == {TeamError}
