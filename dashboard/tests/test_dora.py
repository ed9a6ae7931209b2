"""DORA keys against a scripted 90-day data set whose values were computed by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.dora import DoraDefinitions, Key, dora_metrics
from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.sqlite

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=90)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


@pytest.fixture
def scripted(team):
    connection = ConnectionFactory(team=team)
    a = RepositoryFactory(connection=connection, name="a", default_branch="main")
    b = RepositoryFactory(connection=connection, name="b", default_branch="main")
    f.deployment(a, day(-5))  # before the window: only a boundary for lead time
    for n in (10, 20, 40, 60):
        f.deployment(a, day(n))
    f.deployment(a, day(30), environment="staging")  # not production
    f.deployment(a, day(50), status="failure")  # not successful
    f.deployment(b, day(70))
    # Lead time: 48 h, 12 h (merged at the deployment itself), none after, 144 h (first commit unknown).
    f.pull(a, created=day(8.5), merged=day(9), first_commit=day(8))
    f.pull(a, created=day(19.5), merged=day(20), first_commit=day(19.5))
    f.pull(a, created=day(60.5), merged=day(61), first_commit=day(60.5))
    f.pull(b, created=day(64), merged=day(65))
    f.pull(a, created=day(-3), merged=day(-1), first_commit=day(-3))  # merged before the window
    # Failures: after deployments of day 10 (a), 40 (a) and 70 (b); time to restore 3 h and 48 h.
    f.issue(a, created=day(11), closed=day(11) + timedelta(hours=3), labels=["Incident"])
    f.issue(a, created=day(21), labels=["bug"])
    f.issue(b, created=day(71), labels=["incident"])
    f.issue(a, created=day(45), closed=day(47), labels=["incident", "p1"])
    f.issue(a, created=day(-2), closed=day(-1), labels=["incident"])  # before the window
    return a, b


def as_dicts(keys):
    return {name: key.as_dict() for name, key in keys.items()}


def test_the_four_keys_match_the_hand_computed_values(scripted, team):
    keys = as_dicts(dora_metrics(team=team, days=90, now=NOW))
    assert keys["deployment_frequency"] == {
        "value": round(5 / 90, 4),
        "unit": "per_day",
        "band": "medium",
        "sample_size": 5,
    }
    assert keys["lead_time_for_changes"] == {"value": 48.0, "unit": "hours", "band": "high", "sample_size": 3}
    assert keys["change_failure_rate"] == {"value": 0.6, "unit": "ratio", "band": "low", "sample_size": 5}
    assert keys["time_to_restore"] == {"value": 25.5, "unit": "hours", "band": "medium", "sample_size": 2}


def test_one_repository_counts_only_its_own_deployments_changes_and_incidents(scripted, team):
    _, b = scripted
    keys = as_dicts(dora_metrics(team=team, days=90, repository=b, now=NOW))
    assert keys["deployment_frequency"]["sample_size"] == 1
    assert keys["lead_time_for_changes"] == {"value": 144.0, "unit": "hours", "band": "high", "sample_size": 1}
    assert keys["change_failure_rate"] == {"value": 1.0, "unit": "ratio", "band": "low", "sample_size": 1}
    assert keys["time_to_restore"] == {"value": None, "unit": "hours", "band": None, "sample_size": 0}


def test_an_empty_sample_has_no_value_and_no_band(team):
    keys = as_dicts(dora_metrics(team=team, days=30, now=NOW))
    assert all(key["value"] is None and key["band"] is None and key["sample_size"] == 0 for key in keys.values())


def test_a_team_that_deploys_from_another_environment_counts_it(scripted, team):
    definitions = DoraDefinitions(environments=("production", "staging"))
    keys = dora_metrics(team=team, days=90, definitions=definitions, now=NOW)
    assert keys["deployment_frequency"].sample_size == 6


def test_another_teams_data_never_counts(scripted, other_team):
    keys = dora_metrics(team=other_team, days=90, now=NOW)
    assert keys["deployment_frequency"].sample_size == 0


@pytest.mark.parametrize(
    ("days", "count", "band"),
    [(30, 30, "elite"), (30, 29, "high"), (28, 4, "high"), (28, 3, "medium"), (60, 2, "medium"), (61, 2, "low")],
)
def test_deployment_frequency_bands_follow_the_contract_thresholds(team, days, count, band):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team))
    for i in range(count):
        f.deployment(repository, NOW - timedelta(hours=1 + i))
    assert dora_metrics(team=team, days=days, now=NOW)["deployment_frequency"].band == band


def test_a_deployment_superseded_later_still_counts_at_its_success(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team))
    superseded = f.deployment(repository, day(10))
    superseded.status, superseded.status_updated_at = "inactive", day(20)  # GitHub's mark when day 20's succeeded
    superseded.save()
    f.deployment(repository, day(20))
    f.deployment(repository, day(30), status="inactive")  # inactive without ever succeeding: not a deployment
    f.pull(repository, created=day(8), merged=day(9), first_commit=day(8))

    keys = dora_metrics(team=team, days=90, now=NOW)

    assert keys["deployment_frequency"].sample_size == 2
    assert keys["lead_time_for_changes"].value == 48.0  # day 8 to the superseded deployment of day 10


def test_an_incident_opened_at_the_second_of_the_next_deployment_fails_the_one_before(team):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team))
    f.deployment(repository, day(10))
    f.deployment(repository, day(20))
    f.issue(repository, created=day(20), closed=day(20) + timedelta(hours=2), labels=["incident"])

    key = dora_metrics(team=team, days=90, now=NOW)["change_failure_rate"]

    assert (key.value, key.sample_size) == (0.5, 2)  # day 10's deployment failed, day 20's did not


@pytest.mark.parametrize("definitions", [DoraDefinitions(), DoraDefinitions(sources=("workflow",), workflow="Deploy")])
def test_lead_time_starts_at_the_pr_creation_when_the_first_commit_is_dated_later(team, definitions):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), default_branch="main")
    f.deployment(repository, day(10))
    f.run(repository, day(10), workflow="Deploy")
    # Created on day 8; its first commit claims day 11 (a skewed clock, a rebase): after the deployment.
    f.pull(repository, created=day(8), merged=day(9), first_commit=day(11))
    # Created on day 8.5 with a first commit of day 8.75 (amended after opening): from day 8.5.
    f.pull(repository, created=day(8.5), merged=day(9), first_commit=day(8.75))

    key = dora_metrics(team=team, days=90, definitions=definitions, now=NOW)["lead_time_for_changes"]

    assert (key.value, key.sample_size) == (42.0, 2)  # median of 48 h and 36 h; never below zero


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (103.62, "hours", "4.3 days"),
        (5.25, "hours", "5.2 h"),
        (0.4286, "per_day", "0.43 / day"),
        (0.0333, "per_day", "0.2 / week"),
        (0.125, "ratio", "12 %"),
        (None, "hours", "no data"),
    ],
)
def test_a_key_reads_with_its_unit_and_few_digits(value, unit, text):
    assert Key(value, unit, None, 1).text == text
