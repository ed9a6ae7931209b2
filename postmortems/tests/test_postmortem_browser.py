"""A postmortem written end to end in Chromium: template, timeline (one entry from a GitHub suggestion),
an action item that becomes a card, review and publish; dragging the card to Done completes the item."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import Deployment
from integrations.tests.factories import RepositoryFactory
from kanban.tests.factories import make_board
from kanban.tests.test_board_browser import drag
from postmortems.models import ActionItem, Postmortem
from postmortems.services import settings_update
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return MembershipFactory(role="member")


@pytest.fixture
def board(member):
    board = make_board(member.team)
    settings_update(team=member.team, by=member.user, action_board=board)
    return board


@pytest.fixture
def started():
    return timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)


@pytest.fixture
def deployment(member, started):
    repository = RepositoryFactory(connection__team=member.team, owner="shop", name="web", default_branch="main")
    return Deployment.objects.create(
        team=member.team,
        repository=repository,
        github_id=77,
        environment="production",
        ref="v2.14.0",
        created_at=started - timedelta(minutes=3),
        updated_at=started,
        status="success",
        status_updated_at=started - timedelta(minutes=2),
        succeeded_at=started - timedelta(minutes=2),
        html_url="https://github.com/shop/web/deployments",
    )


def test_a_postmortem_is_written_reviewed_published_and_its_action_completed_from_the_board(
    page, login, member, board, deployment, started
):
    login(page, member.user.username)
    page.goto(f"/t/{member.team.slug}/postmortems/")
    new = page.locator("form", has=page.get_by_role("button", name="Open a draft from the template"))
    new.get_by_label("Title").fill("Checkout errors after deploy")
    new.get_by_label("Severity").select_option("SEV2")
    new.get_by_label("Started at (UTC)").fill(started.strftime("%Y-%m-%dT%H:%M"))
    new.get_by_role("button", name="Open a draft from the template").click()
    page.get_by_role("heading", name="Checkout errors after deploy").wait_for()
    # The deployment two minutes before the start is named as the cause, and offered to change.
    expect(page.locator("[data-caused-by]")).to_contain_text("shop/web v2.14.0 to production")
    expect(page.get_by_label("Caused by deployment")).to_have_value(str(deployment.pk))

    # The default template's prompts guide each section.
    expect(page.get_by_label("Summary")).to_have_attribute("placeholder", "What happened, in two or three sentences.")
    page.get_by_label("Summary").fill("Payment retries were switched off by a config default.")
    page.get_by_label("Detected (UTC)").fill((started + timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Resolved (UTC)").fill((started + timedelta(minutes=52)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Contributing factors").fill("No smoke test for retries\nAlert window too long")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("[data-ttr]")).to_have_text("52 min")
    expect(page.locator("[data-ttd]")).to_have_text("7 min")

    timeline = page.locator("#timeline")
    page.get_by_label("Time (UTC)").fill((started + timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Kind").select_option("detection")
    page.get_by_label("What happened").fill("Checkout error-rate alert fired")
    page.get_by_role("button", name="Add entry").click()
    expect(timeline.get_by_text("Checkout error-rate alert fired")).to_be_visible()

    suggestions = page.locator("#suggestions")
    suggestions.get_by_role("link", name="Deployment of v2.14.0 to production (shop/web)").wait_for()
    suggestions.get_by_role("button", name="Add Deployment of v2.14.0").click()
    expect(timeline.get_by_text("Deployment of v2.14.0 to production (shop/web)")).to_be_visible()
    entries = timeline.locator(".pm-entry-text").all_inner_texts()
    assert entries[0].startswith("Deployment of v2.14.0") and entries[-1] == "Checkout error-rate alert fired"

    page.get_by_label("Description").fill("Add payment retries to the staging smoke test")
    page.get_by_role("button", name="Add action item").click()
    row = page.get_by_role("row", name="Add payment retries")
    expect(row).to_contain_text("Delivery · To do")

    page.get_by_label(member.user.username).check()
    page.get_by_role("button", name="Send to review").click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("[data-status]")).to_have_text("Published")
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    page.goto(board.get_absolute_url())
    page.get_by_role("heading", name=board.name).wait_for()
    drag(page, "Add payment retries", page.get_by_role("list", name="Done", exact=True))
    page.get_by_role("status").filter(has_text="Moved to Done").wait_for()

    postmortem = Postmortem.objects.get(title="Checkout errors after deploy")
    page.goto(postmortem.get_absolute_url())
    expect(page.get_by_role("row", name="Add payment retries").locator("[data-action-status]")).to_have_text("Done")
    assert ActionItem.objects.with_card().get().status == "done"


def test_blameless_hints_appear_under_the_field_as_it_is_typed_quoting_only_it(page, login, member):
    from postmortems.services import postmortem_create

    postmortem = postmortem_create(team=member.team, title="Queue stuck", by=member.user)
    login(page, member.user.username)
    page.goto(postmortem.get_absolute_url())
    page.get_by_label("Impact").fill("Orders waited; bob said it was slow.")
    summary = page.get_by_label("Summary")
    summary.press_sequentially("The queue stopped. It was human error.", delay=5)
    hint = page.locator("#hints-for-id_summary")
    expect(hint.locator("mark")).to_have_text("human error", timeout=5_000)
    assert "Orders waited" not in hint.inner_text()
    field_box, hint_box = summary.bounding_box(), hint.bounding_box()
    assert 0 <= hint_box["y"] - (field_box["y"] + field_box["height"]) < 40  # right under the field, not far below
    summary.fill("The queue stopped when the disk filled.")
    expect(hint.locator("mark")).to_have_count(0, timeout=5_000)
