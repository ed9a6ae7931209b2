from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from teams.models import AuditEvent, Invitation, Membership
from teams.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]

SIGNUP = {"first_name": "Grace", "username": "grace", "password1": "a-long-pass-42", "password2": "a-long-pass-42"}


def page(response) -> bytes:
    """The body of a page that must have answered 200."""
    assert response.status_code == 200, response.status_code
    return response.content


def test_an_owner_creates_a_link_that_lets_a_colleague_join_with_the_chosen_role(client_in, client, team):
    response = client_in.post(f"/t/{team.slug}/invitations/", {"role": "viewer", "expires_in_days": 7}, follow=True)
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


def test_a_shared_link_admits_as_many_people_as_its_uses_then_no_more(client_in, client, team):
    client_in.post(f"/t/{team.slug}/invitations/", {"role": "member", "expires_in_days": 1, "max_uses": 2})
    invitation = Invitation.objects.get(team=team)
    assert invitation.expires_at < timezone.now() + timedelta(days=1, minutes=1)
    people = [UserFactory() for _ in range(3)]
    for person in people:
        client.force_login(person)
        client.post(invitation.get_absolute_url())
    assert [Membership.objects.filter(team=team, user=p).exists() for p in people] == [True, True, False]


def test_an_expired_invitation_is_refused(client, team):
    invitation = Invitation.objects.create(team=team, expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert b"Invitation not valid" in page(client.get(invitation.get_absolute_url()))


def test_accepting_never_lowers_an_existing_role(client, team, user):
    invitation = Invitation.objects.create(team=team, role="viewer")
    client.force_login(user)
    client.post(invitation.get_absolute_url())
    assert Membership.objects.get(team=team, user=user).role == "owner"


def test_an_invitation_by_email_is_mailed_listed_resent_and_revoked(
    client_in, client, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_in.post(
            f"/t/{team.slug}/invitations/", {"email": "grace@example.com", "role": "member", "expires_in_days": 7}
        )
    invitation = Invitation.objects.get(team=team, email="grace@example.com")
    assert len(mail.outbox) == 1 and invitation.get_absolute_url() in mail.outbox[0].body
    assert b"grace@example.com" in page(client_in.get(f"/t/{team.slug}/members/"))

    with django_capture_on_commit_callbacks(execute=True):
        client_in.post(f"/t/{team.slug}/invitations/{invitation.pk}/resend/")
    assert len(mail.outbox) == 2
    client_in.post(f"/t/{team.slug}/invitations/{invitation.pk}/revoke/")
    assert b"Invitation not valid" in page(client.get(invitation.get_absolute_url()))
    assert AuditEvent.objects.filter(action="invitation.revoked", team=team).exists()


def test_without_mail_the_owner_is_told_to_pass_the_link_on(client_in, team, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    response = client_in.post(
        f"/t/{team.slug}/invitations/",
        {"email": "grace@example.com", "role": "member", "expires_in_days": 7},
        follow=True,
    )
    invitation = Invitation.objects.get(team=team)
    assert b"sends no mail" in page(response) and invitation.get_absolute_url().encode() in response.content


def test_a_person_without_an_account_signs_up_from_the_invitation_and_joins_with_its_role(client, team):
    invitation = Invitation.objects.create(team=team, role="viewer")
    assert b"Create an account and join" in page(client.get(invitation.get_absolute_url()))
    response = client.post("/accounts/signup/", {"email": "grace@example.com", **SIGNUP})
    assert response.status_code == 302 and response["Location"] == f"/t/{team.slug}/"
    assert Membership.objects.get(team=team, user__username="grace").role == "viewer"


def test_sign_up_is_closed_again_once_the_invitation_is_used_up(client, team):
    invitation = Invitation.objects.create(team=team, role="viewer")
    client.get(invitation.get_absolute_url())
    Invitation.objects.filter(pk=invitation.pk).update(uses=1)
    assert b"Sign-up is by invitation" in page(client.get("/accounts/signup/"))
