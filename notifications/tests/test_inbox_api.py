"""/api/v1/notifications/: the caller's own notifications, in the teams they are still in, and marking them read."""

import pytest

from notifications.models import Notification
from notifications.tests.test_inbox import notify
from teams.models import Membership
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_api_lists_ones_own_notifications_of_ones_teams_newest_first(api_client, team, user, other_team):
    notify(team, user, count=2)
    notify(team, MembershipFactory(team=team).user)  # a teammate's
    MembershipFactory(team=other_team, user=user)
    notify(other_team, user)
    Membership.objects.filter(team=other_team, user=user).delete()  # left that team: its notifications go quiet

    answer = api_client.get("/api/v1/notifications/").json()

    assert [n["title"].rsplit(" ", 1)[-1] for n in answer["results"]] == ["1", "0"]
    first = answer["results"][0]
    assert first["team"] == team.slug and first["event"] == "person.mentioned" and first["read_at"] is None
    assert first["html_url"] == f"http://testserver/t/{team.slug}/board/"


def test_the_api_marks_one_or_all_read(api_client, team, user):
    notify(team, user, count=3)
    one = Notification.objects.of(user).first()

    assert api_client.post(f"/api/v1/notifications/{one.pk}/read/").json()["read_at"] is not None
    assert api_client.post("/api/v1/notifications/read/", {"team": "not-mine"}, format="json").json() == {"marked": 0}
    assert api_client.post("/api/v1/notifications/read/", {"team": team.slug}, format="json").json() == {"marked": 2}
    assert not Notification.objects.of(user).unread().exists()


def test_someone_elses_notification_is_a_404_through_the_api(api_client, team, user):
    other = MembershipFactory(team=team).user
    notify(team, other)
    theirs = Notification.objects.of(other).get()
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
