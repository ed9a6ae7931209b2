"""Deployment status history: a deployment counts when any of its statuses is a success (issue 20)."""

from datetime import datetime

import pytest

from integrations.github.sync import repository_sync
from integrations.github.upserts import deployment_status_apply, deployment_upsert
from integrations.models import Deployment
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.github_server import TOKEN

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def repository(github):
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    return RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None)


def _time(status: dict) -> datetime:
    return datetime.fromisoformat(status["created_at"].replace("Z", "+00:00"))


def _success(repo, deployment: dict) -> dict:
    return next(s for s in repo.deployment_statuses[deployment["id"]] if s["state"] == "success")


def test_deployments_superseded_before_the_first_sync_count_at_their_success(github, repository):
    repo = github.add_repo("octo/app")
    # Seven deployments, each marked inactive by GitHub when the next one succeeded: only the last is
    # still `success`. The newest status alone says 1 deployment; the history says 7.
    shipped = [github.add_deployment(repo, history=("in_progress", "success"), state="inactive") for _ in range(6)]
    shipped.append(github.add_deployment(repo, history=("in_progress",), state="success"))
    failed = github.add_deployment(repo, history=("in_progress",), state="failure")

    repository_sync(repository=repository, full=True)

    rows = {d.github_id: d for d in Deployment.objects.filter(repository=repository)}
    assert [rows[d["id"]].status for d in shipped] == ["inactive"] * 6 + ["success"]
    assert [rows[d["id"]].succeeded_at for d in shipped] == [_time(_success(repo, d)) for d in shipped]
    assert rows[failed["id"]].succeeded_at is None
    assert Deployment.objects.filter(repository=repository, succeeded_at__isnull=False).count() == 7
    # One read of the status history per deployment (100 statuses a page).
    assert github.count("deployment_statuses") == 8


def test_a_long_status_history_is_read_page_by_page_once(github, repository):
    repo = github.add_repo("octo/app")
    deployment = github.add_deployment(repo, history=("success",) + ("in_progress",) * 149, state="inactive")

    repository_sync(repository=repository, full=True)

    row = Deployment.objects.get(repository=repository)
    assert row.status == "inactive" and row.succeeded_at == _time(_success(repo, deployment))
    assert github.count("deployment_statuses") == 2  # 151 statuses: two pages of 100, one read

    github.log.clear()
    repository_sync(repository=repository)
    assert github.count("deployment_statuses") == 0  # finished: never read again


def test_an_inactive_webhook_after_the_success_keeps_the_deployment_counted(repository):
    deployment = deployment_upsert(
        repository=repository,
        data={
            "id": 9,
            "environment": "production",
            "created_at": "2026-06-01T10:00:00Z",
            "updated_at": "2026-06-01T10:00:00Z",
        },
        status={"state": "success", "created_at": "2026-06-01T10:05:00Z", "updated_at": "2026-06-01T10:05:00Z"},
    )
    deployment_status_apply(
        deployment=deployment,
        data={"state": "inactive", "created_at": "2026-06-02T09:00:00Z", "updated_at": "2026-06-02T09:00:00Z"},
    )

    deployment.refresh_from_db()
    assert deployment.status == "inactive"
    assert deployment.succeeded_at == datetime.fromisoformat("2026-06-01T10:05:00+00:00")
