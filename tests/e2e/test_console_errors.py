"""The browser fixtures notice what a page logs as an error, so every browser test can fail on it."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_console_errors_uncaught_exceptions_and_csp_refusals_are_collected(page, console_errors):
    page.goto("/accounts/login/")
    page.evaluate("console.error('boom')")
    page.evaluate("setTimeout(() => { throw new Error('bang'); })")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)

    seen = console_errors.unexpected()
    console_errors.seen.clear()  # what this test provoked must not fail it at teardown
    assert seen[0] == "boom"
    assert "uncaught: bang" in seen
    assert any("Applying inline style violates" in text for text in seen)


def test_an_allowed_error_is_not_reported(page, console_errors):
    console_errors.allow(r"^expected")
    page.goto("/accounts/login/")
    page.evaluate("console.error('expected refusal'); console.error('surprise')")
    page.wait_for_timeout(100)

    unexpected = console_errors.unexpected()
    console_errors.seen.clear()
    assert unexpected == ["surprise"]


def test_a_login_page_logs_no_error(page, console_errors):
    page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")
    assert console_errors.seen == []
