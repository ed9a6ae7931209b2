"""Drill-down pages list what each DORA key counted; the trends page gives each key per week (issue 20).

The data, by hand (days before now): deployments to production on days 40, 20, 10 and 5 (and one to
staging on day 8). PR 1 opened day 22, first commit day 23, merged day 20.5: shipped day 20, 72 h.
PR 2 opened day 12, first commit day 11 (after opening), merged day 11: shipped day 10, 48 h from its
opening. PR 3 merged day 1: not shipped yet. An `incident` issue opened day 9, closed 3 h later:
day 10's deployment failed. A postmortem started day 4.5, resolved 1 h later, attributed to day 5's.
Over 30 days: 3 deployments, lead time 60 h (2 PRs), failure rate 2/3, time to restore 2 h (2 incidents).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.dora import dora_metrics
from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from postmortems.services import postmortem_create

pytestmark = pytest.mark.django_db


def scenario(team, user, name="app"):
    now = timezone.now()

    def ago(days):
        return now - timedelta(days=days)

    repository = RepositoryFactory(connection=ConnectionFactory(team=team), name=name, full_name=f"octo/{name}")
    for days in (40, 20, 10, 5):
        f.deployment(repository, ago(days))
    f.deployment(repository, ago(8), environment="staging")
    f.pull(repository, created=ago(22), first_commit=ago(23), merged=ago(20.5), title="PR one")
    f.pull(repository, created=ago(12), first_commit=ago(11), merged=ago(11), title="PR two")
    f.pull(repository, created=ago(2), first_commit=ago(2), merged=ago(1), title="PR three")
    f.issue(repository, created=ago(9), closed=ago(9) + timedelta(hours=3), labels=["incident"], title="Checkout down")
    started = ago(4.5)
    postmortem_create(
        team=team, title=f"Payments {name}", by=user, started_at=started, resolved_at=started + timedelta(hours=1)
    )
    return repository


@pytest.fixture
def history(team, user):
    return scenario(team, user)


def page(client, team, key, days=30):
    return client.get(f"/t/{team.slug}/dora/{key}/", {"days": days}).content.decode()


def test_each_key_lists_exactly_what_it_counted(client_in, team, history):
    keys = dora_metrics(team=team, days=30)
    assert (keys["deployment_frequency"].sample_size, keys["change_failure_rate"].value) == (3, 0.6667)
    assert (keys["lead_time_for_changes"].value, keys["time_to_restore"].value) == (60.0, 2.0)

    deployments = page(client_in, team, "deployment_frequency")
    assert deployments.count('data-row="deployment"') == 3 and "0.10 / day" in deployments

    failures = page(client_in, team, "change_failure_rate")
    assert failures.count("<strong>Failed</strong>") == 2
    assert "incident issue octo/app#" in failures and "postmortem “Payments app” attributed to it" in failures

    leads = page(client_in, team, "lead_time_for_changes")
    assert leads.count('data-row="pull"') == 2
    assert "72.0 h" in leads and "48.0 h" in leads and "PR three" not in leads

    incidents = page(client_in, team, "time_to_restore")
    assert incidents.count('data-row="incident"') == 2
    assert "Checkout down" in incidents and f"/t/{team.slug}/postmortems/" in incidents
    assert "3.0 h" in incidents and "1.0 h" in incidents


def test_an_unknown_key_is_not_found(client_in, team):
    assert client_in.get(f"/t/{team.slug}/dora/happiness/").status_code == 404


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path", ["dora/deployment_frequency/", "dora/lead_time_for_changes/", "dora/change_failure_rate/",
             "dora/time_to_restore/", "dora/trends/"],
)  # fmt: skip
def test_the_drill_down_and_trends_pages_ask_as_many_queries_for_ten_repositories_as_for_one(
    client_in, team, user, path
):
    scenario(team, user, "first")
    small = _queries(client_in, f"/t/{team.slug}/{path}")
    for n in range(9):
        scenario(team, user, f"more-{n}")
    assert _queries(client_in, f"/t/{team.slug}/{path}") == small


def test_the_trends_give_each_key_for_each_of_the_last_26_weeks(client_in, team, history):
    response = client_in.get(f"/t/{team.slug}/dora/trends/")
    weeks = response.context["weeks"]

    assert len(weeks) == 26
    values = [
        tuple(week[key]["value"] for key in ("deployment_frequency", "lead_time_for_changes", "change_failure_rate"))
        + (week["time_to_restore"]["value"],)
        for week in weeks[-4:]
    ]
    assert values == [
        (None, None, None, None),  # days 28 to 21: nothing
        (round(1 / 7, 4), 72.0, 0.0, None),  # days 21 to 14: day 20's deployment shipped PR 1
        (round(1 / 7, 4), 48.0, 1.0, 3.0),  # days 14 to 7: day 10's, PR 2, the issue
        (round(1 / 7, 4), None, 1.0, 1.0),  # the last 7 days: day 5's, the postmortem
    ]
    html = response.content.decode()
    assert html.count('data-row="week"') == 26 and 'id="dora-weeks"' in html and "js/dora-trends.js" in html


def test_one_repository_s_trends_and_drill_down_count_only_its_own(client_in, team, user, history):
    other = scenario(team, user, "other")
    f.deployment(other, timezone.now() - timedelta(days=3))

    weeks = client_in.get(f"/t/{team.slug}/dora/trends/", {"repository": "octo/other"}).context["weeks"]
    assert weeks[-1]["deployment_frequency"]["sample_size"] == 2  # its day 5 and day 3, not the app's day 5
    assert (
        client_in.get(f"/t/{team.slug}/dora/trends/").context["weeks"][-1]["deployment_frequency"]["sample_size"] == 3
    )

    listed = page(client_in, team, "deployment_frequency")
    assert listed.count('data-row="deployment"') == 7
    only = client_in.get(f"/t/{team.slug}/dora/deployment_frequency/", {"repository": "OCTO/other"}).content.decode()
    assert only.count('data-row="deployment"') == 4 and "octo/app" not in only.split("<table")[1]
    assert client_in.get(f"/t/{team.slug}/dora/trends/", {"repository": "octo/nope"}).status_code == 404


def _many(team, deployments, pulls):
    now = timezone.now()
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), name=f"many{deployments}")
    for index in range(deployments):
        f.deployment(repository, now - timedelta(hours=5 * index + 1))
    for index in range(pulls):
        merged = now - timedelta(hours=5 * index + 2)
        f.pull(repository, created=merged - timedelta(hours=3), first_commit=merged - timedelta(hours=4), merged=merged)


@pytest.mark.parametrize("key", ["deployment_frequency", "lead_time_for_changes"])
def test_a_drill_down_page_shows_50_rows_in_as_many_queries_for_120_as_for_3(
    client_in, team, key, django_assert_num_queries
):
    url = f"/t/{team.slug}/dora/{key}/?days=30&page=2"
    _many(team, 3, 3)
    small = _queries(client_in, url)
    _many(team, 117, 117)

    with django_assert_num_queries(small):
        response = client_in.get(url)

    body = response.content.decode()
    assert body.count('data-row="deployment"' if key == "deployment_frequency" else 'data-row="pull"') == 50
    assert "Page 2 of 3" in body


@pytest.mark.parametrize(
    "choices",
    [
        {},
        {"lead_time_pulls": "deployed"},
        {"frequency_unit": "days_per_week"},
        {"frequency_unit": "days_per_month"},
        {"recovery": "failed_deployments"},
    ],
)
def test_the_dashboards_period_and_the_one_before_are_what_dora_metrics_gives_for_each(team, user, history, choices):
    from dataclasses import replace

    from dashboard.dora_detail import DoraData, dora_with_previous
    from integrations.definitions import DoraDefinitions

    now = timezone.now()
    # Deployed on day 5, merged on day 110: a deployed-in-window PR merged before the 90-day lookback of the
    # last 15 days (though within the lookback of the 30 days the dashboard reads for both periods).
    late = RepositoryFactory(connection=ConnectionFactory(team=team), name="late", full_name="octo/late")
    f.pull(late, created=now - timedelta(days=111), merged=now - timedelta(days=110), title="PR late")
    f.deployment(late, now - timedelta(days=5))
    definitions = replace(DoraDefinitions(), **choices)
    data = DoraData(team=team, definitions=definitions, since=now - timedelta(days=30), until=now)

    current, previous = dora_with_previous(data=data, days=15)

    assert current.keys == dora_metrics(team=team, days=15, definitions=definitions, now=now)
    before = now - timedelta(days=15)
    assert previous.keys == dora_metrics(team=team, days=15, definitions=definitions, now=before)
