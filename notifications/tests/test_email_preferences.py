"""Each person chooses which of their notifications also come by e-mail; the mail goes through SMTP after commit."""

import pytest
from django.core import mail
from django.urls import reverse

from kanban.services import card_create, comment_add
from kanban.tests.factories import make_board
from notifications.models import EmailPreference, Notification
from notifications.people import email_preferences_update, notification_email
from teams.tests.factories import MembershipFactory
from teams.tests.smtp import smtp_inbox  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # commits for real: the mail task runs after them
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def ann(team):
    return MembershipFactory(team=team, user__username="ann", user__email="ann@example.com").user


def test_a_mention_reaches_the_smtp_server_and_its_link_opens_the_card(
    client,
    team,
    user,
    ann,
    smtp_inbox,  # noqa: F811
):
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    comment_add(card=card, body="@ann the deploy failed again", by=user)

    message = smtp_inbox.wait_for("ann@example.com")
    assert message["Subject"].strip() == f"{user.username} mentioned you in a comment on “Flaky deploy”"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "“@ann the deploy failed again”" in body
    assert f"{SITE}{reverse('notification-settings')}" in body
    link = smtp_inbox.link_in(message, card.get_absolute_url())
    client.force_login(ann)
    opened = client.get(link.removeprefix(SITE))
    assert opened.status_code == 200 and "Flaky deploy" in opened.content.decode()
    assert Notification.objects.of(ann).get().emailed_at is not None


def test_turning_the_preference_off_stops_the_mail_but_not_the_inbox(
    team,
    user,
    ann,
    smtp_inbox,  # noqa: F811
):
    email_preferences_update(user=ann, events=["postmortem.review_requested"])
    other = MembershipFactory(team=team, user__username="bob", user__email="bob@example.com").user
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    comment_add(card=card, body="@ann and @bob, look", by=user)

    smtp_inbox.wait_for("bob@example.com")  # bob kept the default: his mail arrived, so ann's would have too
    assert [m["To"] for m in smtp_inbox.messages] == ["bob@example.com"]
    assert Notification.objects.of(ann).count() == 1 and Notification.objects.of(other).count() == 1


def test_a_notification_is_mailed_once_even_if_its_task_runs_twice(team, user, ann):
    card = card_create(board=make_board(team), title="Flaky deploy", by=user)
    comment_add(card=card, body="@ann look", by=user)
    notification = Notification.objects.select_related("recipient").get()

    assert len(mail.outbox) == 1
    assert notification_email(notification=notification) is False
    assert len(mail.outbox) == 1


def test_the_settings_page_shows_the_defaults_and_saves_a_choice(client, user):
    client.force_login(user)
    page = client.get(reverse("notification-settings")).content.decode()
    assert page.count('type="checkbox"') == 4 and page.count("checked") == 4
    assert f"E-mails go to <strong>{user.email}</strong>" in page

    response = client.post(reverse("notification-settings"), {"events": ["person.mentioned"]})

    assert response.status_code == 302
    assert EmailPreference.objects.get(user=user).events == ["person.mentioned"]
    assert client.get(reverse("notification-settings")).content.decode().count("checked") == 1


def test_the_settings_page_refuses_an_unknown_event_and_needs_a_login(client, user):
    assert client.get(reverse("notification-settings"))["Location"].startswith("/accounts/login/")
    client.force_login(user)
    response = client.post(reverse("notification-settings"), {"events": ["retro.started"]})
    assert response.status_code == 400 and not EmailPreference.objects.exists()


def test_the_settings_are_linked_from_the_user_menu(client, team, user):
    client.force_login(user)
    page = client.get(reverse("notifications:index", kwargs={"team": team.slug})).content.decode()
    assert f'<a href="{reverse("notification-settings")}">E-mail settings</a>' in page
