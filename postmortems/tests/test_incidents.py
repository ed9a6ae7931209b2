"""incidents_counted: the incidents DORA counts (labelled issues and postmortems), with each postmortem's deployment."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.dora import dora_metrics
from integrations.definitions import DoraDefinitions
from integrations.tests.factories import RepositoryFactory
from postmortems.incidents import incidents_counted
from postmortems.services import postmortem_create
from postmortems.tests.factories import DeploymentFactory, PostmortemFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)


@pytest.fixture
def repositories(team):
    return RepositoryFactory(connection__team=team, name="web"), RepositoryFactory(connection__team=team, name="api")


def deployed(repository, at):
    return DeploymentFactory(repository=repository, created_at=at - timedelta(minutes=2), status_updated_at=at)


def test_each_postmortem_started_in_the_window_with_its_times_and_deployment(team, user, repositories):
    web, _ = repositories
    deploy_at = NOW - timedelta(days=3, hours=1)
    deployed(web, deploy_at)
    attributed = postmortem_create(
        team=team, title="a", by=user, started_at=NOW - timedelta(days=3), resolved_at=NOW - timedelta(days=2)
    )
    unattributed = postmortem_create(team=team, title="b", by=user, started_at=NOW - timedelta(days=10))
    postmortem_create(team=team, title="at the start: out", by=user, started_at=SINCE)
    postmortem_create(team=team, title="later: out", by=user, started_at=NOW + timedelta(minutes=1))
    postmortem_create(team=team, title="no start: out", by=user)
    PostmortemFactory(started_at=NOW - timedelta(days=1))  # another team's

    rows = incidents_counted(team=team, definitions=DoraDefinitions(), since=SINCE, until=NOW)

    assert [(row.kind, row.opened_at, row.restored_at, row.deployment_key) for row in rows] == [
        ("postmortem", unattributed.started_at, None, None),
        ("postmortem", attributed.started_at, attributed.resolved_at, (web.pk, deploy_at)),
    ]
    assert rows[1].url == f"/t/{team.slug}/postmortems/{attributed.pk}/"


def test_with_a_repository_only_postmortems_attributed_to_its_deployments(team, user, repositories):
    web, api = repositories
    deployed(web, NOW - timedelta(days=3, hours=1))
    deployed(api, NOW - timedelta(days=5, hours=1))
    postmortem_create(team=team, title="web", by=user, started_at=NOW - timedelta(days=3))
    postmortem_create(team=team, title="api", by=user, started_at=NOW - timedelta(days=5))
    postmortem_create(team=team, title="none", by=user, started_at=NOW - timedelta(days=20))

    rows = incidents_counted(team=team, definitions=DoraDefinitions(), since=SINCE, until=NOW, repository=web)

    assert [row.deployment_key[0] for row in rows] == [web.pk]


def test_dora_counts_a_deployment_a_postmortem_is_attributed_to_as_failed(team, user, repositories):
    web, _ = repositories
    for days_ago in (20, 10, 5):
        deployed(web, NOW - timedelta(days=days_ago))
    # Attributed (by default) to the deployment of 10 days ago; restored in 2 hours.
    start = NOW - timedelta(days=10) + timedelta(hours=1)
    postmortem_create(team=team, title="x", by=user, started_at=start, resolved_at=start + timedelta(hours=2))

    keys = dora_metrics(team=team, days=30, now=NOW)

    assert keys["change_failure_rate"].as_dict() == {"value": 0.3333, "unit": "ratio", "band": "low", "sample_size": 3}
    assert keys["time_to_restore"].as_dict() == {"value": 2.0, "unit": "hours", "band": "high", "sample_size": 1}
