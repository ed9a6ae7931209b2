from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory


@pytest.fixture
def repository(team):
    return RepositoryFactory(connection=ConnectionFactory(team=team), owner="octo", name="app", default_branch="main")


def test_dora_answers_the_four_keys_with_band_and_sample(api_client, team, repository):
    f.deployment(repository, timezone.now() - timedelta(days=1))
    response = api_client.get(f"/api/v1/teams/{team.slug}/metrics/dora/?days=7")
    assert response.status_code == 200
    body = response.json()
    assert body["days"] == 7
    assert body["deployment_frequency"] == {
        "value": round(1 / 7, 4),
        "unit": "per_day",
        "band": "high",
        "sample_size": 1,
    }
    assert body["time_to_restore"] == {"value": None, "unit": "hours", "band": None, "sample_size": 0}


def test_dora_filters_by_repository_name(api_client, team, repository):
    other = RepositoryFactory(connection=repository.connection, owner="octo", name="other")
    f.deployment(other, timezone.now() - timedelta(days=1))
    body = api_client.get(f"/api/v1/teams/{team.slug}/metrics/dora/?days=7&repository=octo/app").json()
    assert body["repository"] == "octo/app"
    assert body["deployment_frequency"]["sample_size"] == 0


@pytest.mark.parametrize(
    "query, status",
    [("days=abc", 400), ("days=0", 400), ("days=100000", 400), ("repository=nobody/nothing", 404)],
)
def test_dora_refuses_bad_parameters_with_a_json_detail(api_client, team, repository, query, status):
    response = api_client.get(f"/api/v1/teams/{team.slug}/metrics/dora/?{query}")
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize("query, days", [("days=7", 7), ("", 90), ("days=", 90)])
def test_the_report_covers_the_days_asked_for(api_client, team, query, days):
    assert api_client.get(f"/api/v1/teams/{team.slug}/report/?{query}").json()["days"] == days
    refused = api_client.get(f"/api/v1/teams/{team.slug}/report/?days=0")
    assert refused.status_code == 400 and refused.json()["days"]


def test_dora_of_another_team_is_not_found(api_client, other_team):
    assert api_client.get(f"/api/v1/teams/{other_team.slug}/metrics/dora/").status_code == 404
    assert api_client.get(f"/api/v1/teams/{other_team.slug}/report/").status_code == 404


def test_the_report_lists_ways_we_are_and_are_not_devops_with_capabilities(api_client, team, repository):
    now = timezone.now()
    f.run(repository, now - timedelta(days=1), conclusion="failure")
    f.run(repository, now - timedelta(days=2), conclusion="failure")
    body = api_client.get(f"/api/v1/teams/{team.slug}/report/").json()
    not_yet = {item["capability"]: item for item in body["ways_we_are_not_devops_yet"]}
    assert "0 %" in not_yet["test-automation"]["evidence"]
    assert {"version-control"} <= {item["capability"] for item in body["ways_we_are_devops"]}
    assert body["capabilities"]["catalog"] == 29
    assert any(item["capability"] == "test-automation" for item in body["next_improvements"])
