"""The profile page: display name (the one every page uses), avatar, and the time zone every date is shown in."""

import pytest
from allauth.socialaccount.models import SocialAccount

from teams.models import AuditEvent, Profile

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _save(client, **fields):
    return client.post("/settings/profile/", {"display_name": "", "time_zone": ""} | fields)


def test_the_profile_page_needs_a_login(client):
    response = client.get("/settings/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_display_name_set_here_is_the_name_the_members_page_shows(client_in, user, team):
    response = _save(client_in, display_name="  Ada Lovelace ", time_zone="Europe/Berlin")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.get_full_name() == "Ada Lovelace"
    assert Profile.objects.get(user=user).time_zone == "Europe/Berlin"
    assert AuditEvent.objects.filter(action="profile.updated", actor=user, data__time_zone="Europe/Berlin").exists()
    assert b'<span class="member-name">Ada Lovelace</span>' in client_in.get(f"/t/{team.slug}/members/").content
    page = client_in.get("/settings/profile/").content.decode()
    assert 'value="Ada Lovelace"' in page and '<option value="Europe/Berlin" selected>' in page


def test_an_unknown_time_zone_is_refused_and_changes_nothing(client_in, user):
    response = _save(client_in, display_name="Mallory", time_zone="Mars/Olympus")

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert user.first_name == "" and not Profile.objects.filter(user=user).exists()


def test_a_github_linked_account_shows_its_github_avatar_and_others_their_initials(client_in, user):
    user.first_name = "Grace Hopper"
    user.save()
    page = client_in.get("/settings/profile/").content.decode()
    assert '<span class="avatar avatar-large" aria-hidden="true">GH</span>' in page and "<img" not in page

    picture = "https://avatars.githubusercontent.com/u/42?v=4"
    SocialAccount.objects.create(user=user, provider="github", uid="42", extra_data={"avatar_url": picture})
    page = client_in.get("/settings/profile/").content.decode()
    assert f'<img class="avatar avatar-large" src="{picture}"' in page


def test_an_avatar_from_an_origin_the_csp_refuses_is_replaced_by_initials(client_in, user):
    picture = "https://evil.example/u/42.png"
    SocialAccount.objects.create(user=user, provider="github", uid="42", extra_data={"avatar_url": picture})

    response = client_in.get("/settings/profile/")

    assert picture not in response.content.decode()
    assert "https://avatars.githubusercontent.com" in response["Content-Security-Policy"]
