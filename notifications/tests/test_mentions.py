"""@mentions in card comments and postmortem text put a notification in the mentioned member's inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.events import Event
from core.mentions import mentions_added, mentions_in
from kanban.services import card_create, comment_add
from kanban.tests.factories import make_board
from notifications.models import Notification
from postmortems.services import postmortem_create, postmortem_update, timeline_entry_add, timeline_entry_update
from teams.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (events, tasks), as a request's end does."""

    def run(change, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(**kwargs)

    return run


@pytest.fixture
def ann(team):
    return MembershipFactory(team=team, user__username="ann", user__first_name="Ann", user__last_name="Lee").user


def inbox(person):
    return list(Notification.objects.of(person).order_by("id"))


def test_a_text_names_usernames_but_not_e_mail_addresses():
    text = "Thanks @Ann. Mail ann@example.com, ask @bob-the_builder, and @carl."
    assert mentions_in(text) == {"ann", "bob-the_builder", "carl"}
    assert mentions_added(["hi @ann"], ["hi @ann and @bob"]) == ["bob"]


def test_a_card_comment_mentioning_a_member_puts_it_in_their_inbox(team, user, ann, committed):
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    committed(comment_add, card=card, body="@ann can you look at the **logs**?", by=user)

    [notification] = inbox(ann)
    assert notification.event == Event.MENTIONED
    assert notification.team == team
    assert notification.title == f"{user.username} mentioned you in a comment on “Flaky deploy”"
    assert notification.body == "“@ann can you look at the **logs**?”"
    assert notification.path == card.get_absolute_url()
    assert notification.is_unread


def test_unknown_names_outsiders_and_oneself_are_ignored_silently(team, user, ann, other_team, committed):
    outsider = MembershipFactory(team=other_team, user__username="otto").user
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    committed(comment_add, card=card, body=f"@nobody @otto @{user.username} over to @ANN", by=user)

    assert inbox(outsider) == [] and inbox(user) == []
    assert len(inbox(ann)) == 1  # matched whatever the case
    assert UserFactory(username="nobody") and Notification.objects.count() == 1


def test_postmortem_text_mentions_notify_once_however_often_it_is_edited(team, user, ann, committed):
    bob = MembershipFactory(team=team, user__username="bob").user
    postmortem = committed(postmortem_create, team=team, title="Checkout errors", by=user, summary="Ask @ann")
    assert [n.title for n in inbox(ann)] == [f"{user.username} mentioned you in the postmortem “Checkout errors”"]

    committed(postmortem_update, postmortem=postmortem, by=user, summary="Ask @ann about the cache.")
    committed(postmortem_update, postmortem=postmortem, by=user, went_wrong=["@ann was paged twice", "@bob too"])
    committed(postmortem_update, postmortem=postmortem, by=user, went_wrong=["@ann was paged twice", "@bob too!"])

    assert len(inbox(ann)) == 1
    [for_bob] = inbox(bob)
    assert for_bob.body == "“@bob too”"
    assert for_bob.path == postmortem.get_absolute_url()


def test_timeline_entries_mention_on_adding_and_on_an_edit_that_adds_a_name(team, user, ann, committed):
    bob = MembershipFactory(team=team, user__username="bob").user
    postmortem = postmortem_create(team=team, title="Checkout errors", by=user)
    at = timezone.now() - timedelta(hours=1)
    entry = committed(timeline_entry_add, postmortem=postmortem, at=at, text="@ann rolled back", by=user)
    committed(timeline_entry_update, entry=entry, by=user, text="@ann rolled back v2")
    committed(timeline_entry_update, entry=entry, by=user, text="@ann rolled back v2 with @bob")

    assert len(inbox(ann)) == 1
    assert len(inbox(bob)) == 1


def test_a_comment_marks_its_members_mentions_and_leaves_other_names_and_code_as_text(team, user, ann):
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    comment = comment_add(card=card, body="@Ann, not @nobody; see `@ann` <b onclick=x>@ann</b>", by=user)
    assert comment.body_html.count('<span class="mention">@Ann</span>') == 1
    assert comment.body_html.count('<span class="mention">@ann</span>') == 1  # in the HTML, not in the code
    assert "<code>@ann</code>" in comment.body_html and "@nobody" in comment.body_html
    assert "onclick" not in comment.body_html
