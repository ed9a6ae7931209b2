"""A person's inbox: which events land there, the list, opening one, marking all read, the unread count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.events import Event
from notifications.models import Notification
from notifications.people import person_notify
from postmortems.services import action_item_create, postmortem_create, postmortem_request_review
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def notify(team, *people, count=1):
    """`count` mentions of each of `people` by someone else of the team, oldest first."""
    by = MembershipFactory(team=team).user
    for n in range(count):
        for person in people:
            person_notify(
                team=team,
                event=Event.MENTIONED,
                usernames=[person.username],
                by=by.username,
                by_id=by.pk,
                where=f"comment {n}",
                excerpt=f"@{person.username} look {n}",
                path=f"/t/{team.slug}/board/",
            )


def inbox_url(team, name="notifications:inbox", **kwargs):
    return reverse(name, kwargs={"team": team.slug, **kwargs})


def test_a_postmortem_sent_for_review_lands_in_each_reviewers_inbox_only(
    team, user, django_capture_on_commit_callbacks
):
    rita, ray, bystander = (MembershipFactory(team=team).user for _ in range(3))
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    with django_capture_on_commit_callbacks(execute=True):
        postmortem_request_review(postmortem=postmortem, by=user, reviewers=[rita, ray])

    for reviewer in (rita, ray):
        [notification] = Notification.objects.of(reviewer)
        assert notification.title == "Postmortem waiting for review: Checkout errors"
        assert notification.path == postmortem.get_absolute_url()
    assert not Notification.objects.of(bystander).exists() and not Notification.objects.of(user).exists()


def test_an_action_item_coming_due_and_one_overdue_land_in_their_owners_inbox(
    team, user, django_capture_on_commit_callbacks
):
    from notifications.tasks import announce_action_items

    owner = MembershipFactory(team=team).user
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    today = timezone.localdate()
    soon = action_item_create(
        postmortem=postmortem, description="add retries", by=user, owner=owner, due_date=today + timedelta(days=3)
    )
    action_item_create(
        postmortem=postmortem, description="fix alert", by=user, owner=owner, due_date=today - timedelta(days=1)
    )
    action_item_create(postmortem=postmortem, description="nobody's", by=user, due_date=today + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        announce_action_items.apply()

    mine = Notification.objects.of(owner).order_by("title")
    assert [(n.event, n.title) for n in mine] == [
        (Event.ACTION_ITEM_DUE_SOON, f"Action item due on {soon.due_date.isoformat()}: add retries"),
        (Event.ACTION_ITEM_OVERDUE, "Action item overdue: fix alert"),
    ]
    assert mine[0].path == soon.get_absolute_url()
    assert Notification.objects.count() == 2


def test_the_inbox_lists_ones_own_notifications_newest_first_a_page_at_a_time(client, team, user):
    someone = MembershipFactory(team=team).user
    notify(team, user, count=30)
    notify(team, someone)
    client.force_login(user)

    first = client.get(inbox_url(team)).content.decode()
    assert first.index("comment 29") < first.index("comment 5") and "comment 4<" not in first
    assert "Page 1 of 2" in first and "Mark all read" in first
    second = client.get(inbox_url(team), {"page": 2}).content.decode()
    assert "comment 4" in second and "comment 0" in second and "comment 5" not in second
    assert "@" + someone.username not in first + second


def test_an_empty_inbox_says_what_will_come(client, team, user):
    client.force_login(user)
    page = client.get(inbox_url(team)).content.decode()
    assert f"When someone writes @{user.username}" in page and "Mark all read" not in page


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(client, team, user):
    notify(team, user)
    notification = Notification.objects.of(user).get()
    client.force_login(user)

    response = client.get(inbox_url(team, "notifications:inbox-open", notification_id=notification.pk))

    assert response.status_code == 302 and response["Location"] == f"/t/{team.slug}/board/"
    notification.refresh_from_db()
    assert not notification.is_unread


def test_someone_elses_notification_opens_the_inbox_and_stays_unread(client, team, user):
    other = MembershipFactory(team=team).user
    notify(team, other)
    theirs = Notification.objects.of(other).get()
    client.force_login(user)

    response = client.get(inbox_url(team, "notifications:inbox-open", notification_id=theirs.pk))

    assert response["Location"] == inbox_url(team)
    theirs.refresh_from_db()
    assert theirs.is_unread


def test_mark_all_read_clears_the_unread_count_of_that_person_only(client, team, user):
    other = MembershipFactory(team=team).user
    notify(team, user, other, count=3)
    client.force_login(user)
    count_url = inbox_url(team, "notifications:inbox-unread")
    assert '3<span class="visually-hidden"> unread' in client.get(count_url).content.decode()

    response = client.post(inbox_url(team, "notifications:inbox-read-all"), follow=True)

    assert "3 notifications marked read." in response.content.decode()
    assert client.get(count_url).content.decode().strip() == ""
    assert Notification.objects.of(other).unread().count() == 3


def test_the_count_in_the_navigation_loads_lazily_on_team_pages(client, team, user):
    client.force_login(user)
    page = client.get(reverse("notifications:index", kwargs={"team": team.slug})).content.decode()
    assert f'hx-get="{inbox_url(team, "notifications:inbox-unread")}" hx-trigger="load, every 60s"' in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_costs_the_same_queries_for_1_or_30_notifications(
    client, team, user, count, django_assert_max_num_queries
):
    notify(team, user, count=count)
    client.force_login(user)
    with django_assert_max_num_queries(6):
        response = client.get(inbox_url(team))
    assert response.content.decode().count('class="unread"') == min(count, 25)
    with django_assert_max_num_queries(3):
        client.get(inbox_url(team, "notifications:inbox-unread"))


def test_a_missing_notification_is_a_404(client, team, user):
    client.force_login(user)
    assert client.get(inbox_url(team, "notifications:inbox-open", notification_id=999999)).status_code == 404
