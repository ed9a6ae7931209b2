"""In Chromium: a mention shows in the mentioned person's unread count and inbox; opening it reads it."""

import pytest

from kanban.services import card_create, comment_add
from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory
from tests.e2e.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mention_shows_in_the_unread_count_and_the_inbox(page, login):
    ann = MembershipFactory(role="member", user__username="ann", team__slug="night-shift").user
    team = ann.memberships.get().team
    bob = MembershipFactory(team=team, role="viewer", user__username="bob").user
    card = card_create(board=make_board(team), title="Flaky deploy", by=ann)
    comment_add(card=card, body="@bob can you check the rollback?", by=ann)

    login(page, bob.username)
    page.goto(f"/t/{team.slug}/")
    inbox_link = page.get_by_role("link", name="Inbox 1 unread")
    inbox_link.wait_for()
    found = {"team home": blocking_violations(page)}
    inbox_link.click()
    item = page.get_by_role("list", name="Your notifications").get_by_role("listitem")
    assert "ann mentioned you in a comment on “Flaky deploy”" in item.inner_text()
    assert "Unread" in item.inner_text()
    found["inbox"] = blocking_violations(page)

    with page.expect_response(lambda response: "/inbox/unread/" in response.url) as counted:  # the card page's
        item.get_by_role("link", name="ann mentioned you in a comment on “Flaky deploy”").click()
    page.wait_for_url(f"**{card.get_absolute_url()}")
    assert counted.value.text().strip() == ""  # opened, so nothing is unread: no count
    page.get_by_role("link", name="E-mail settings").click()
    assert page.get_by_label("Someone @mentions me in a card comment or a postmortem").is_checked()
    found["e-mail settings"] = blocking_violations(page)
    assert {name: problems for name, problems in found.items() if problems} == {}
