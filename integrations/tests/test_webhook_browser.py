"""End to end in Chromium: a delivery GitHub sends shows up on the webhooks page; an owner reveals the
secret and replays a failed delivery without leaving the page."""

import pytest
from playwright.sync_api import expect

from integrations.models import Issue, WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import (
    SECRET,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_sees_deliveries_reveals_the_secret_and_replays_a_failed_one(page, login, client):
    membership = MembershipFactory(role="owner")
    connection = ConnectionFactory(team=membership.team)
    RepositoryFactory(connection=connection, owner="Codertocat", name="Hello-World", full_name="Codertocat/Hello-World")
    payload = examples("issues")[15]
    # As if a bug, fixed since, had made its processing fail five times.
    assert post_delivery(client, connection, "issues", payload, guid="guid-broken").status_code == 202
    WebhookDelivery.objects.filter(guid="guid-broken").update(
        status="failed", attempts=5, error="KeyError: 'created_at'"
    )
    Issue.objects.all().delete()  # tests process in-process: undo what the first processing wrote
    login(page, membership.user.username)

    page.goto(f"/t/{membership.team.slug}/github/")
    page.get_by_role("navigation", name="GitHub").get_by_role("link", name="Webhooks").click()

    expect(page.get_by_role("heading", name="GitHub webhooks")).to_be_visible()
    expect(page.get_by_role("link", name="GitHub", exact=True)).to_have_attribute("aria-current", "page")

    expect(page.get_by_text(f"/integrations/github/webhook/{connection.pk}/")).to_be_visible()
    row = page.locator("#deliveries-title").locator("..").locator("tr", has_text="guid-broken")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("KeyError")
    assert SECRET not in page.content()

    page.get_by_role("button", name="Reveal secret").click()
    expect(page.get_by_text(SECRET, exact=True)).to_be_visible()

    page.get_by_role("button", name="Replay delivery guid-broken").click()

    # Tests run tasks in-process, so the replayed delivery is processed before the row comes back.
    expect(row).to_contain_text("Processed")
    expect(row).not_to_contain_text("KeyError")
    assert Issue.objects.filter(github_id=payload["issue"]["id"]).exists()
