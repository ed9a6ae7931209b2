"""Owners change roles; the last owner stays owner; names are shown one way."""

import pytest

from teams.models import AuditEvent, Membership
from teams.names import display_names
from teams.tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def test_an_owner_makes_a_member_owner_and_it_is_audited(client_in, team):
    colleague = MembershipFactory(team=team, role="member")
    response = client_in.post(f"/t/{team.slug}/members/{colleague.pk}/role/", {"role": "owner"}, follow=True)
    assert b"is now owner" in response.content
    colleague.refresh_from_db()
    assert colleague.role == "owner"
    assert AuditEvent.objects.filter(action="membership.role_changed", team=team, data__to="owner").exists()


def test_the_last_owner_can_neither_step_down_nor_be_removed(client_in, team, user):
    me = Membership.objects.get(team=team, user=user)
    response = client_in.post(f"/t/{team.slug}/members/{me.pk}/role/", {"role": "member"}, follow=True)
    assert b"at least one owner" in response.content
    me.refresh_from_db()
    assert me.role == "owner"
    response = client_in.post(f"/t/{team.slug}/members/{me.pk}/remove/", {"confirm": "yes"}, follow=True)
    assert b"at least one owner" in response.content and Membership.objects.filter(pk=me.pk).exists()


def test_an_owner_can_step_down_once_there_is_another(client_in, team, user):
    MembershipFactory(team=team, role="owner")
    me = Membership.objects.get(team=team, user=user)
    client_in.post(f"/t/{team.slug}/members/{me.pk}/role/", {"role": "viewer"})
    me.refresh_from_db()
    assert me.role == "viewer"


def test_an_unknown_role_is_refused_with_the_choices(client_in, team):
    colleague = MembershipFactory(team=team, role="member")
    response = client_in.post(f"/t/{team.slug}/members/{colleague.pk}/role/", {"role": "admin"}, follow=True)
    assert b"Choose one of the roles" in response.content


def test_names_are_display_names_with_the_username_only_where_two_collide():
    ada1 = UserFactory(username="ada1", first_name="Ada", last_name="L")
    ada2 = UserFactory(username="ada2", first_name="Ada", last_name="L")
    bob = UserFactory(username="bob")
    assert display_names([ada1, ada2, bob]) == ["Ada L (ada1)", "Ada L (ada2)", "bob"]


def test_the_members_page_names_each_member_once_and_titles_itself_once(client_in, team, user):
    user.first_name = "Unique Person"
    user.save()
    page = client_in.get(f"/t/{team.slug}/members/").content.decode()
    visible = page.split("<main")[1]
    assert visible.count(">Unique Person<") == 1
    assert page.count(f"Members · {team.name}</title>") == 1
