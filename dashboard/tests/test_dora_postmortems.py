"""DORA over postmortems: a postmortem attributed to a deployment marks it failed and counts for time to restore."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.dora import dora_metrics
from integrations.tests.factories import RepositoryFactory
from postmortems.services import postmortem_create
from postmortems.tests.factories import DeploymentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def test_dora_counts_a_deployment_a_postmortem_is_attributed_to_as_failed(team, user):
    web = RepositoryFactory(connection__team=team, name="web")
    for days_ago in (20, 10, 5):
        at = NOW - timedelta(days=days_ago)
        DeploymentFactory(repository=web, created_at=at - timedelta(minutes=2), status_updated_at=at)
    # Attributed (by default) to the deployment of 10 days ago; restored in 2 hours.
    start = NOW - timedelta(days=10) + timedelta(hours=1)
    postmortem_create(team=team, title="x", by=user, started_at=start, resolved_at=start + timedelta(hours=2))

    keys = dora_metrics(team=team, days=30, now=NOW)

    assert keys["change_failure_rate"].as_dict() == {"value": 0.3333, "unit": "ratio", "band": "low", "sample_size": 3}
    assert keys["time_to_restore"].as_dict() == {"value": 2.0, "unit": "hours", "band": "high", "sample_size": 1}
