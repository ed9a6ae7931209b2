"""Every team-owned integrations model is scoped one way: `Model.objects.for_team(team)`."""

import pytest
from django.apps import apps
from django.utils import timezone

from integrations.models import CommitCheck, Issue, SyncCursor, WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from teams.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_every_integrations_model_has_for_team():
    missing = [model.__name__ for model in apps.get_app_config("integrations").get_models()]
    missing = [name for name in missing if not hasattr(apps.get_model("integrations", name).objects, "for_team")]
    assert missing == []


def _rows_of(team):
    connection = ConnectionFactory(team=team)
    repository = RepositoryFactory(team=team, connection=connection)
    now = timezone.now()
    return {
        "issue": Issue.objects.create(
            team=team,
            repository=repository,
            github_id=1,
            number=1,
            title="t",
            state="open",
            created_at=now,
            updated_at=now,
        ),
        "cursor": SyncCursor.objects.create(repository=repository, resource="issues"),
        "check": CommitCheck.objects.create(team=team, repository=repository, head_sha="a" * 40, state="success"),
        "delivery": WebhookDelivery.objects.create(
            team=team, connection=connection, guid=f"g-{team.pk}", event="issues"
        ),
        "repository": repository,
        "connection": connection,
    }


def test_for_team_returns_the_teams_rows_and_none_of_another_team():
    ours, theirs = TeamFactory(), TeamFactory()
    mine, other = _rows_of(ours), _rows_of(theirs)

    for name, row in mine.items():
        scoped = type(row).objects.for_team(ours)
        assert row in scoped, name
        assert other[name] not in scoped, name
