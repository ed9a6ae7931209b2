"""In Chromium, from a fresh browser: an API token is shown once, listed, and revoked after confirming."""

import pytest

from teams.tests.factories import MembershipFactory
from tests.e2e.axe import blocking_violations
from tokens.models import ApiToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_shown_once_and_revoked_after_confirming(page, login):
    user = MembershipFactory(role="member").user
    login(page, user.username)
    page.goto("/settings/tokens/")

    page.get_by_label("Name").fill("Deploy bot")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    key = page.get_by_label("Token key").input_value()
    assert ApiToken.objects.get(user=user).prefix == key[: len(ApiToken.objects.get(user=user).prefix)]
    assert blocking_violations(page) == []
    page.goto("/settings/tokens/")
    assert key not in page.content() and "Deploy bot" in page.locator("#tokens").inner_text()

    page.get_by_role("button", name="Revoke token Deploy bot").click()
    page.wait_for_load_state()
    assert "Revoke the API token" in page.locator("main").inner_text()
    assert blocking_violations(page) == []
    assert ApiToken.objects.filter(user=user).exists()  # asking changed nothing
    page.get_by_role("button", name="Yes, revoke it").click()
    page.wait_for_load_state()
    assert "revoked" in page.get_by_role("status").inner_text()
    assert not ApiToken.objects.filter(user=user).exists()
