"""Removing a member from the team page: the owner is asked first, and the last owner stays."""

import pytest
from django.urls import reverse

from teams.models import Membership
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def test_the_first_click_on_remove_only_asks_then_the_member_goes(client_in, team, user):
    other = MembershipFactory(team=team, role="member")
    home = client_in.get(reverse("teams:members", kwargs={"team": team.slug}))
    assert home.status_code == 200 and f"Remove {other.user.username}" in home.content.decode()
    url = reverse("teams:member-remove", kwargs={"team": team.slug, "membership_id": other.pk})
    asked = client_in.post(url)
    assert asked.status_code == 200 and f"Yes, remove {other.user.username}" in asked.content.decode()
    assert Membership.objects.filter(pk=other.pk).exists()
    assert client_in.post(url, {"confirm": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_a_member_cannot_remove_anyone_and_a_foreign_membership_is_a_404(client, team, other_team):
    member = MembershipFactory(team=team, role="member")
    owner = Membership.objects.get(team=team, role="owner")
    client.force_login(member.user)
    url = reverse("teams:member-remove", kwargs={"team": team.slug, "membership_id": owner.pk})
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    client.force_login(owner.user)
    foreign = MembershipFactory(team=other_team, role="member")
    url = reverse("teams:member-remove", kwargs={"team": team.slug, "membership_id": foreign.pk})
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert Membership.objects.filter(pk__in=[owner.pk, foreign.pk]).count() == 2
