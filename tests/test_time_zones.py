"""Every date a page shows is in the viewer's time zone (their profile's, else TIME_ZONE), in the one format."""

from datetime import UTC, datetime
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kanban.models import CardEvent
from kanban.services import card_create
from kanban.tests.factories import make_board
from postmortems.tests.factories import PostmortemFactory, TimelineEntryFactory
from teams.models import Membership, Profile
from teams.profile import TIME_ZONE_SESSION_KEY
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.production]
AT = datetime(2026, 12, 6, 23, 32, tzinfo=UTC)


def _save(client, **fields):
    return client.post("/settings/profile/", {"display_name": "", "time_zone": ""} | fields)


def _viewer(team, zone: str):
    viewer = cast(Membership, MembershipFactory(team=team, role="viewer")).user
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
