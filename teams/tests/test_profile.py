"""The profile page: display name (the one every page uses), avatar, and the time zone every date is shown in."""

from datetime import UTC, datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kanban.models import CardEvent
from kanban.services import card_create
from kanban.tests.factories import make_board
from postmortems.tests.factories import PostmortemFactory, TimelineEntryFactory
from teams.models import AuditEvent, Profile
from teams.profile import TIME_ZONE_SESSION_KEY
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]
AT = datetime(2026, 12, 6, 23, 32, tzinfo=UTC)


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


def _viewer(team, zone: str):
    viewer = MembershipFactory(team=team, role="viewer").user
    if zone:
        Profile.objects.create(user=viewer, time_zone=zone)
    return viewer


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("", "2026-12-06 23:32"), ("Europe/Berlin", "2026-12-07 00:32"), ("America/New_York", "2026-12-06 18:32")],
)
def test_a_postmortem_timeline_time_is_shown_in_the_viewers_time_zone(client, team, zone, shown):
    postmortem = PostmortemFactory(team=team, started_at=AT)
    TimelineEntryFactory(postmortem=postmortem, at=AT, text="Paged the on-call")
    client.force_login(_viewer(team, zone))

    page = client.get(f"/t/{team.slug}/postmortems/{postmortem.pk}/").content.decode()

    assert f">{shown}</time>" in page


def test_one_card_history_line_reads_differently_for_two_people_in_different_zones(client, team, user):
    board = make_board(team, by=user)
    card = card_create(board=board, title="Rotate the keys", by=user)
    CardEvent.objects.filter(card=card).update(created_at=AT)
    url = f"/t/{team.slug}/board/cards/{card.pk}/"
    shown = {}
    for zone in ("Asia/Tokyo", "America/Los_Angeles"):
        client.force_login(_viewer(team, zone))
        shown[zone] = client.get(url).content.decode()
    assert ">2026-12-07 08:32</time>" in shown["Asia/Tokyo"]
    assert ">2026-12-06 15:32</time>" in shown["America/Los_Angeles"]


def test_the_zone_is_read_once_per_session_and_follows_a_change_on_the_profile_page(client_in, user, team):
    postmortem = PostmortemFactory(team=team, started_at=AT)
    url = f"/t/{team.slug}/postmortems/{postmortem.pk}/"
    client_in.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert "2026-12-06 23:32" in client_in.get(url).content.decode()
    assert not [q for q in queries.captured_queries if "teams_profile" in q["sql"]]

    _save(client_in, time_zone="Asia/Kolkata")

    assert "2026-12-07 05:02" in client_in.get(url).content.decode()


def test_a_zone_remembered_for_another_account_is_not_used(client, team):
    tokyo, utc = _viewer(team, "Asia/Tokyo"), _viewer(team, "")
    postmortem = PostmortemFactory(team=team, started_at=AT)
    client.force_login(utc)
    session = client.session
    session[TIME_ZONE_SESSION_KEY] = [str(tokyo.pk), "Asia/Tokyo"]
    session.save()

    page = client.get(f"/t/{team.slug}/postmortems/{postmortem.pk}/").content.decode()

    assert "2026-12-06 23:32" in page and "2026-12-07 08:32" not in page
