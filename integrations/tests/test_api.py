"""The API of synced GitHub data: scoped to the team, paginated with a count, filterable, no secrets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.tests.queries import SESSION_QUERIES
from integrations.github import connections
from integrations.github.upserts import alert_upsert, issue_upsert, pull_request_upsert, workflow_run_upsert
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/teams/{}/github/"


def stamp(n: int) -> str:
    return datetime(2026, 3, 1, 10, n % 60, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(repository, n: int):
    for i in range(1, n + 1):
        common = {"id": repository.pk * 10000 + i, "number": i, "title": f"Thing {i}", "created_at": stamp(i)}
        issue_upsert(
            repository=repository, data={**common, "state": "open" if i % 2 else "closed", "updated_at": stamp(i)}
        )
        pull_request_upsert(
            repository=repository,
            data={
                **common,
                "id": common["id"] + 5000,
                "state": "closed" if i % 3 == 0 else "open",
                "merged_at": stamp(i) if i % 3 == 0 else None,
                "base": {"ref": "main" if i % 2 else "release"},
                "head": {"ref": f"f{i}", "sha": "a" * 40},
                "updated_at": stamp(i),
            },
        )
        alert_upsert(
            repository=repository,
            data={
                "number": i,
                "state": ["open", "fixed", "dismissed", "auto_dismissed"][i % 4],
                "security_vulnerability": {"severity": ["low", "medium", "high", "critical"][i % 4]},
                "created_at": stamp(i),
                "updated_at": stamp(i),
            },
        )
        workflow_run_upsert(
            repository=repository,
            data={
                "id": common["id"],
                "name": "CI" if i % 2 else "Deploy",
                "head_branch": "main",
                "status": "completed",
                "conclusion": "success",
                "created_at": stamp(i),
                "updated_at": stamp(i),
            },
        )


@pytest.fixture
def repository(team):
    return RepositoryFactory(connection=ConnectionFactory(team=team), owner="octo", name="app", full_name="octo/app")


def test_repositories_show_sync_status_and_never_a_secret(api_client, team, repository):
    response = api_client.get(API.format(team.slug) + "repositories/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["full_name"] == "octo/app" and item["sync_status"] == "idle"
    assert item["page_url"].endswith(f"/t/{team.slug}/github/#repository-{repository.pk}")
    text = response.content.decode()
    assert "ghp_test_token" not in text and "whsec_test" not in text and "token" not in item


def test_lists_are_paginated_with_a_count_and_filtered(api_client, team, repository):
    fill(repository, 8)
    other = RepositoryFactory(connection=repository.connection, owner="octo", name="other", full_name="octo/other")
    fill(other, 2)
    base = API.format(team.slug)

    assert api_client.get(base + "issues/").json()["count"] == 10
    issues = api_client.get(base + "issues/", {"repository": "octo/app", "state": "open"}).json()
    assert issues["count"] == 4 and {r["repository"] for r in issues["results"]} == {"octo/app"}
    assert api_client.get(base + "pulls/", {"repository": "octo/app", "state": "merged"}).json()["count"] == 2
    assert api_client.get(base + "pulls/", {"repository": "octo/app", "branch": "release"}).json()["count"] == 4
    alerts = api_client.get(base + "alerts/", {"repository": "octo/app", "severity": "high,critical"}).json()
    assert alerts["count"] == 4
    assert api_client.get(base + "alerts/", {"state": "auto_dismissed"}).json()["count"] == 2
    assert api_client.get(base + "runs/", {"workflow": "Deploy", "repository": "octo/app"}).json()["count"] == 4
    assert api_client.get(base + "runs/", {"branch": "main"}).json()["count"] == 10


def test_a_bad_filter_value_gets_a_clear_400(api_client, team, repository):
    response = api_client.get(API.format(team.slug) + "alerts/", {"severity": "urgent"})
    assert response.status_code == 400
    assert "use one of: low, medium, high, critical" in response.json()["severity"]
    assert response.json()["detail"]


def test_another_teams_rows_are_invisible(api_client, team, other_team):
    foreign = RepositoryFactory(connection=ConnectionFactory(team=other_team), full_name="evil/app")
    fill(foreign, 2)
    assert api_client.get(API.format(team.slug) + "issues/").json()["count"] == 0
    assert api_client.get(API.format(other_team.slug) + "issues/").status_code == 404


def test_sync_now_through_the_api_queues_a_sync(api_client, team, repository, monkeypatch):
    sent = []
    monkeypatch.setattr(connections, "task_send", lambda name, **options: sent.append((name, options)))
    response = api_client.post(API.format(team.slug) + f"repositories/{repository.pk}/sync/")
    assert response.status_code == 202
    assert response.json()["sync_status"] == "queued"
    assert sent == [("github.sync_repository", {"args": (repository.pk,), "kwargs": {"full": False}})]


@pytest.mark.parametrize("resource", ["issues", "pulls", "alerts", "runs", "repositories"])
def test_list_queries_do_not_grow_with_the_data(api_client, team, repository, resource, django_assert_num_queries):
    url = API.format(team.slug) + f"{resource}/"
    fill(repository, 2)
    with django_assert_num_queries(3) as small:
        api_client.get(url)
    fill(repository, 40)
    for n in range(5):
        RepositoryFactory(connection=repository.connection, full_name=f"octo/more{n}")
    with django_assert_num_queries(len(small.captured_queries)):
        api_client.get(url)


def test_the_github_page_runs_a_constant_number_of_queries(client_in, team, repository, django_assert_num_queries):
    fill(repository, 2)
    with django_assert_num_queries(8 + SESSION_QUERIES) as small:
        assert client_in.get(f"/t/{team.slug}/github/").status_code == 200
    for n in range(5):
        fill(RepositoryFactory(connection=repository.connection, full_name=f"octo/more{n}"), 3)
    with django_assert_num_queries(len(small.captured_queries)):
        client_in.get(f"/t/{team.slug}/github/")


def test_a_member_changes_the_interval_and_window_through_the_api(api_client, team, repository):
    from integrations.github.connections import repository_schedule

    repository_schedule(repository=repository)
    url = API.format(team.slug) + f"repositories/{repository.pk}/"
    response = api_client.patch(url, {"sync_interval_minutes": 60, "metrics_window_days": 30}, format="json")
    assert response.status_code == 200
    assert (response.json()["sync_interval_minutes"], response.json()["metrics_window_days"]) == (60, 30)
    repository.refresh_from_db()
    assert timedelta(minutes=59) < repository.next_sync_at - timezone.now() <= timedelta(minutes=60)
    bad = api_client.patch(url, {"sync_interval_minutes": 0}, format="json")
    assert bad.status_code == 400 and "sync_interval_minutes" in bad.json()


@pytest.mark.parametrize(
    ("stored", "answered"),
    [
        ("https://github.com/o/r/issues/1", "https://github.com/o/r/issues/1"),
        ("https://github.com/o/r/issues/ü 1", "https://github.com/o/r/issues/%C3%BC%201"),
        ("javascript:alert(1)", ""),
        ("/o/r/issues/1", ""),
    ],
)
def test_an_issues_html_url_is_answered_as_a_strict_uri_or_empty(api_client, team, stored, answered):
    repository = RepositoryFactory(connection__team=team)
    issue_upsert(
        repository=repository,
        data={
            "id": 1,
            "number": 1,
            "title": "t",
            "state": "open",
            "created_at": stamp(1),
            "updated_at": stamp(1),
            "html_url": stored,
        },
    )
    rows = api_client.get(API.format(team.slug) + "issues/").json()["results"]
    assert [row["html_url"] for row in rows] == [answered]
