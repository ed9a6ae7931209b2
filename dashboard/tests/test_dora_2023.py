"""DORA's 2023 model, each part a choice beside the CONTRACT's defaults, against hand-computed values (issue 20).

The data, in days before NOW (a 30-day window; UTC dates as in DevLake): production deployments at
1 and 1.1 (the same date), 2, 3, 8 and 20: six, on five dates. By periods of 7 days back from NOW,
deployment days are 3, 1, 1 and 0: median 1 a week; the 30-day month holds 5.
PR 1 opened and first committed at 3, merged at 2.5: deployed at 2, 24 h. PR 2 opened at 32, merged
at 31 (before the window), deployed at 20: 288 h. PR 3 merged at 0.5: not deployed yet.
An `incident` issue opened at 7.9, closed at 7.5 (9.6 h): the deployment at 8 failed, the next one
(at 3) recovered it 120 h later. Failure rate 1/6.
"""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.dora import DoraDefinitions, dora_metrics
from dashboard.dora_detail import dora_counted
from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.sqlite

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def data(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), name="a")
    for days in (1, 1.1, 2, 3, 8, 20):
        f.deployment(repository, ago(days))
    f.pull(repository, created=ago(3), first_commit=ago(3), merged=ago(2.5))
    f.pull(repository, created=ago(32), first_commit=ago(32), merged=ago(31))
    f.pull(repository, created=ago(1), first_commit=ago(1), merged=ago(0.5))
    f.issue(repository, created=ago(7.9), closed=ago(7.5), labels=["incident"])
    return repository


def keys(team, **choices):
    found = dora_metrics(team=team, days=30, definitions=DoraDefinitions(**choices), now=NOW)
    return {name: key.as_dict() for name, key in found.items()}


def test_the_defaults_are_the_contracts(data, team):
    assert keys(team) == {
        "deployment_frequency": {"value": 0.2, "unit": "per_day", "band": "high", "sample_size": 6},
        "lead_time_for_changes": {"value": 24.0, "unit": "hours", "band": "high", "sample_size": 1},
        "change_failure_rate": {"value": round(1 / 6, 4), "unit": "ratio", "band": "low", "sample_size": 6},
        "time_to_restore": {"value": 9.6, "unit": "hours", "band": "high", "sample_size": 1},
    }


def test_deployment_days_per_week_is_the_median_of_the_weeks(data, team):
    frequency = keys(team, frequency_unit="days_per_week")["deployment_frequency"]

    assert frequency == {"value": 1.0, "unit": "days_per_week", "band": "high", "sample_size": 6}


def test_deployment_days_per_month_counts_each_date_once(data, team):
    frequency = keys(team, frequency_unit="days_per_month")["deployment_frequency"]

    assert frequency == {"value": 5.0, "unit": "days_per_month", "band": "high", "sample_size": 6}


def test_a_deployment_every_day_of_every_week_is_elite(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), name="daily")
    for days in range(28):
        f.deployment(repository, ago(days + 0.5))

    frequency = keys(team, frequency_unit="days_per_week")["deployment_frequency"]

    assert (frequency["value"], frequency["band"]) == (7.0, "elite")


def test_failed_deployment_recovery_runs_from_the_failed_deployment_to_the_next(data, team):
    recovery = keys(team, recovery="failed_deployments")["time_to_restore"]

    assert recovery == {"value": 120.0, "unit": "hours", "band": "medium", "sample_size": 1}


def test_prs_deployed_in_the_window_count_even_when_merged_before_it(data, team):
    lead = keys(team, lead_time_pulls="deployed")["lead_time_for_changes"]

    assert lead == {"value": 156.0, "unit": "hours", "band": "high", "sample_size": 2}


def test_the_drill_down_lists_the_prs_deployed_in_the_window(data, team):
    counted = dora_counted(team=team, definitions=DoraDefinitions(lead_time_pulls="deployed"), days=30, now=NOW)

    assert [(lead.merged_at, lead.deployed_at, lead.hours) for lead in counted.lead_times] == [
        (ago(31), ago(20), 288.0),
        (ago(2.5), ago(2), 24.0),
    ]


def test_the_2021_table_names_other_bands_for_the_same_values(data, team):
    found = keys(team, benchmarks="2021")

    # 1/6 failed: low in 2023 (above 15 %), high in 2021 (16-20 %). 24 h: high in both.
    assert found["change_failure_rate"]["band"] == "high"
    assert found["lead_time_for_changes"]["band"] == "high"
    # The table names the bands; the values stay.
    assert {name: key["value"] for name, key in found.items()} == {
        name: key["value"] for name, key in keys(team).items()
    }


def test_a_12_hour_lead_time_is_elite_in_2023_and_high_in_2021(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), name="b")
    f.deployment(repository, ago(1))
    f.pull(repository, created=ago(1.5), first_commit=ago(1.5), merged=ago(1.2))

    assert keys(team)["lead_time_for_changes"]["band"] == "elite"
    assert keys(team, benchmarks="2021")["lead_time_for_changes"]["band"] == "high"


def test_an_owner_picks_the_2023_model_and_the_dashboard_says_so(client_in, team):
    from integrations.models import DeliverySettings

    form = {
        "stale_pr_days": 7, "incident_label": "incident", "environments": "production", "sources": ["deployments"],
        "workflow_trigger": "default_branch", "rollback_hours": 0,
        "frequency_unit": "days_per_week", "lead_time_pulls": "deployed", "recovery": "failed_deployments",
        "benchmarks": "2021",
    } | {f"sla_{s}": 30 for s in ("critical", "high", "medium", "low")}  # fmt: skip
    bad = client_in.post(f"/t/{team.slug}/dashboard/settings/", form | {"benchmarks": "1999"})
    assert bad.status_code == 400

    saved = client_in.post(f"/t/{team.slug}/dashboard/settings/", form)

    assert saved.status_code == 302
    assert DeliverySettings.of(team).definitions() == DoraDefinitions(
        frequency_unit="days_per_week", lead_time_pulls="deployed", recovery="failed_deployments", benchmarks="2021"
    )
    page = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "DORA 2023 choices: deployment days per week; lead time of the pull requests deployed in the period" in page


def test_the_trends_chart_draws_the_bands_of_the_chosen_table(client_in, team):
    from integrations.models import DeliverySettings

    default = client_in.get(f"/t/{team.slug}/dora/trends/").context["bands"]
    settings = DeliverySettings.of(team, stored=True)
    settings.benchmarks, settings.frequency_unit = "2021", "days_per_week"
    settings.save()
    chosen = client_in.get(f"/t/{team.slug}/dora/trends/").context["bands"]

    assert default["lead_time_for_changes"][0] == ("elite < 24", 24)
    assert chosen["lead_time_for_changes"][0] == ("elite < 1", 1)
    assert chosen["deployment_frequency"] == [("elite: 7 days", 7), ("high: 1 day", 1)]
