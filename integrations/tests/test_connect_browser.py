"""End to end in Chromium: connect a repository from the GitHub page, watch a real worker sync it."""

import pytest
from playwright.sync_api import expect

from fakes.github_server import TOKEN
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_owner_connects_a_repository_and_sees_it_synced(page, login, github, celery_worker):
    repo = github.add_repo("octo/shop")
    github.seed(repo, issues=12, pulls=3, alerts=2)
    membership = MembershipFactory(role="owner")
    login(page, membership.user.username)

    page.goto(f"/t/{membership.team.slug}/github/")
    expect(page.get_by_text("No repository is connected yet")).to_be_visible()
    page.get_by_label("Repository (OWNER/NAME)").fill("octo/shop")
    page.get_by_label("Personal access token").fill(TOKEN)
    page.get_by_label("API URL").fill(github.url)
    page.get_by_role("button", name="Connect").click()

    expect(page.get_by_text("Connected octo/shop")).to_be_visible()
    # The table polls while the sync is queued or running, until the worker is done.
    expect(page.locator("#repositories .badge-success")).to_have_text("Synced", timeout=20_000)
    facts = page.locator("#repositories .gh-facts").inner_text()
    assert "Open issues" in facts and "Rate limit left" in facts
    assert TOKEN not in page.content()


def test_a_wrong_token_is_explained_on_the_form(page, login, github, console_errors):
    console_errors.allow(r"status of 400 \(Bad Request\)")  # the form comes back with its error
    github.add_repo("octo/shop")
    membership = MembershipFactory(role="owner")
    login(page, membership.user.username)

    page.goto(f"/t/{membership.team.slug}/github/")
    page.get_by_label("Repository (OWNER/NAME)").fill("octo/shop")
    page.get_by_label("Personal access token").fill("ghp_wrong")
    page.get_by_label("API URL").fill(github.url)
    page.get_by_role("button", name="Connect").click()

    expect(page.get_by_role("alert")).to_contain_text("GitHub rejected the token (bad credentials)")


def test_only_the_chosen_way_to_authenticate_shows_and_several_repositories_are_picked(page, login, github):
    for name in ("octo/web", "octo/api", "octo/docs"):
        github.add_repo(name)
    membership = MembershipFactory(role="owner")
    login(page, membership.user.username)
    page.goto(f"/t/{membership.team.slug}/github/")

    token, app_id = page.get_by_label("Personal access token"), page.get_by_label("GitHub App id")
    expect(token).to_be_visible()
    expect(app_id).to_be_hidden()
    expect(page.get_by_label("Installation id")).to_be_hidden()
    page.get_by_label("GitHub App", exact=True).check()
    expect(app_id).to_be_visible()
    expect(token).to_be_hidden()
    page.get_by_label("Token", exact=True).check()

    token.fill(TOKEN)
    page.get_by_label("API URL").fill(github.url)
    page.get_by_role("button", name="List repositories").click()
    page.get_by_label("octo/web").check()
    page.get_by_label("octo/api").check()
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Connected octo/api, octo/web")).to_be_visible()
