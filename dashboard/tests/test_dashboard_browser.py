"""In Chromium, with the demo data: every dashboard panel is there, and each GitHub list filters."""

import pytest
from django.core.management import call_command

from dashboard.lists import KINDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--force", verbosity=0)


def test_the_demo_dashboard_shows_every_panel_and_each_list_filters(page, login, demo):
    login(page, "demo", password="demo")
    page.goto("/t/demo/")
    for heading in ("DORA keys", "CI on default branches", "Open pull requests", "Dependabot", "Board", "Learning"):
        assert page.get_by_role("heading", name=heading).first.is_visible()
    assert page.locator("#panel-dora [data-key]").count() == 4
    assert "DORA keys" in page.get_by_role("heading", level=2).all_inner_texts()[0]

    for kind in KINDS:
        page.goto(f"/t/demo/data/{kind}/")
        everything = page.locator("tbody tr").count()
        repository = page.get_by_label("Repository")
        choice = repository.locator("option").nth(1).get_attribute("value")
        repository.select_option(choice)  # applies itself, no button click
        page.wait_for_url(f"**/data/{kind}/?*repository=*")
        rows = page.locator("tbody tr")
        assert rows.count() <= everything
        for text in rows.locator("td:first-child").all_inner_texts():
            assert text == choice


def test_the_trends_page_draws_a_chart_a_key_with_the_bands_the_page_sends(page, login, demo):
    login(page, "demo", password="demo")
    page.goto("/t/demo/dora/trends/")
    page.wait_for_function("() => document.querySelectorAll('canvas[data-key]').length === 4")
    # Chart.js keeps each chart on its canvas: four charts, each its value and three band lines.
    lines = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-key]')].map(c => Chart.getChart(c).data.datasets.length)"
    )
    assert lines == [4, 4, 4, 4]
