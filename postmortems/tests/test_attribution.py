"""Attribution (issue 13): the deployment that caused an incident, by default and by hand, on the page and API."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.tests.factories import RepositoryFactory
from postmortems.models import Postmortem
from postmortems.services import PostmortemError, postmortem_create, postmortem_update
from postmortems.tests.factories import DeploymentFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def repository(team):
    return RepositoryFactory(connection__team=team, owner="shop", name="web")


def deployed(repository, at, **fields):
    """A deployment of `repository` whose latest status came at `at`."""
    return DeploymentFactory(
        repository=repository, created_at=at - timedelta(minutes=2), status_updated_at=at, **fields
    )


def test_a_new_postmortem_names_the_last_successful_production_deployment_of_the_day_before(team, user, repository):
    other_repository = RepositoryFactory(connection__team=team)
    deployed(repository, START - timedelta(hours=3))
    last = deployed(other_repository, START - timedelta(minutes=20))
    deployed(repository, START - timedelta(minutes=10), status="failure")
    deployed(repository, START - timedelta(minutes=5), environment="staging")
    deployed(repository, START + timedelta(minutes=1))
    DeploymentFactory(created_at=START - timedelta(minutes=4), status_updated_at=START - timedelta(minutes=2))

    made = postmortem_create(team=team, title="Checkout errors", by=user, started_at=START)

    assert made.caused_by_deployment == last


def test_a_deployment_older_than_a_day_is_not_named(team, user, repository):
    deployed(repository, START - timedelta(hours=24, minutes=1))
    assert postmortem_create(team=team, title="x", by=user, started_at=START).caused_by_deployment is None


def test_a_postmortem_without_a_start_gets_its_default_when_it_gets_the_start(team, user, repository):
    found = deployed(repository, START - timedelta(hours=1))
    made = postmortem_create(team=team, title="x", by=user)
    assert made.caused_by_deployment is None

    made = postmortem_update(postmortem=made, by=user, started_at=START)

    assert made.caused_by_deployment == found
    assert made.revisions.get().changed == ["caused_by_deployment", "started_at"]


def test_a_later_change_of_the_start_keeps_the_named_deployment(team, user, repository):
    named = deployed(repository, START - timedelta(hours=1))
    made = postmortem_create(team=team, title="x", by=user, started_at=START)
    deployed(repository, START + timedelta(minutes=30))
    made = postmortem_update(postmortem=made, by=user, started_at=START + timedelta(hours=1))
    assert made.caused_by_deployment == named


def test_a_named_deployment_or_none_is_kept_at_creation(team, user, repository):
    deployed(repository, START - timedelta(hours=1))
    chosen = deployed(repository, START - timedelta(hours=2))
    assert (
        postmortem_create(
            team=team, title="x", by=user, started_at=START, caused_by_deployment=chosen
        ).caused_by_deployment
        == chosen
    )
    assert (
        postmortem_create(
            team=team, title="y", by=user, started_at=START, caused_by_deployment=None
        ).caused_by_deployment
        is None
    )


def test_another_teams_deployment_is_refused(team, user, other_team):
    foreign = DeploymentFactory(repository__connection__team=other_team, status_updated_at=START - timedelta(hours=1))
    with pytest.raises(PostmortemError):
        postmortem_create(team=team, title="x", by=user, started_at=START, caused_by_deployment=foreign)
    made = postmortem_create(team=team, title="x", by=user)
    with pytest.raises(PostmortemError):
        postmortem_update(postmortem=made, by=user, caused_by_deployment=foreign)
    assert Postmortem.objects.get().caused_by_deployment is None


def test_deleting_the_deployment_leaves_the_postmortem_unattributed(team, user, repository):
    found = deployed(repository, START - timedelta(hours=1))
    made = postmortem_create(team=team, title="x", by=user, started_at=START)
    found.delete()
    made.refresh_from_db()
    assert made.caused_by_deployment is None


# --- the detail page -------------------------------------------------------------------------------


def test_the_detail_page_shows_the_deployment_and_offers_the_windows_deployments(client_in, team, user, repository):
    outside = deployed(repository, START - timedelta(hours=30), ref="v1.0.0")
    earlier = deployed(repository, START - timedelta(hours=5), ref="v2.13.0")
    named = deployed(repository, START - timedelta(minutes=20), ref="v2.14.0")
    made = postmortem_create(team=team, title="Checkout errors", by=user, started_at=START)

    response = client_in.get(made.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "shop/web v2.14.0 to production, 2026-03-01 09:40<" in page
    choices = list(response.context["form"].fields["caused_by_deployment"].queryset)
    assert choices == [named, earlier] and outside not in choices
    assert response.context["form"]["caused_by_deployment"].value() == named.pk


def test_a_member_names_another_deployment_of_the_window_or_none(client_in, team, user, repository):
    earlier = deployed(repository, START - timedelta(hours=5))
    deployed(repository, START - timedelta(minutes=20))
    made = postmortem_create(team=team, title="Checkout errors", by=user, started_at=START)
    form = {"title": "Checkout errors", "severity": "SEV3", "started_at": "2026-03-01T10:00"}

    assert (
        client_in.post(f"{made.get_absolute_url()}edit/", {**form, "caused_by_deployment": earlier.pk}).status_code
        == 302
    )
    made.refresh_from_db()
    assert made.caused_by_deployment == earlier

    assert client_in.post(f"{made.get_absolute_url()}edit/", {**form, "caused_by_deployment": ""}).status_code == 302
    made.refresh_from_db()
    assert made.caused_by_deployment is None


def test_the_page_refuses_a_deployment_outside_the_window_or_of_another_team(
    client_in, team, user, other_team, repository
):
    made = postmortem_create(team=team, title="Checkout errors", by=user, started_at=START)
    outside = deployed(repository, START - timedelta(hours=30))
    foreign = DeploymentFactory(repository__connection__team=other_team, status_updated_at=START - timedelta(hours=1))
    form = {"title": "Checkout errors", "severity": "SEV3", "started_at": "2026-03-01T10:00"}
    for deployment in (outside, foreign):
        response = client_in.post(f"{made.get_absolute_url()}edit/", {**form, "caused_by_deployment": deployment.pk})
        assert response.status_code == 400
    made.refresh_from_db()
    assert made.caused_by_deployment is None


# --- the API ---------------------------------------------------------------------------------------


def api_url(team, pk=None):
    return f"/api/v1/teams/{team.slug}/postmortems/" + (f"{pk}/" if pk else "")


def test_the_api_defaults_reads_and_changes_the_attribution(api_client, team, repository):
    named = deployed(repository, START - timedelta(minutes=20))
    other = deployed(repository, START - timedelta(hours=2))

    created = api_client.post(api_url(team), {"title": "x", "started_at": "2026-03-01T10:00:00Z"}, format="json")
    assert created.status_code == 201 and created.json()["caused_by_deployment"] == named.pk

    pk = created.json()["id"]
    changed = api_client.patch(api_url(team, pk), {"caused_by_deployment": other.pk}, format="json")
    assert changed.status_code == 200 and changed.json()["caused_by_deployment"] == other.pk
    cleared = api_client.patch(api_url(team, pk), {"caused_by_deployment": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["caused_by_deployment"] is None
    assert Postmortem.objects.get().caused_by_deployment is None


def test_the_api_refuses_another_teams_deployment_like_a_missing_one(api_client, team, user, other_team):
    foreign = DeploymentFactory(repository__connection__team=other_team)
    made = postmortem_create(team=team, title="x", by=user)
    for deployment_id in (foreign.pk, 10**9):
        response = api_client.patch(api_url(team, made.pk), {"caused_by_deployment": deployment_id}, format="json")
        assert response.status_code == 400
        assert "caused_by_deployment" in response.json()
    made.refresh_from_db()
    assert made.caused_by_deployment is None
