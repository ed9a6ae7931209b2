from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from dashboard.models import DashboardSettings, RepositoryBadge
from dashboard.tests import factories as f
from integrations.models import Repository
from integrations.tests.factories import ConnectionFactory, RepositoryFactory


@pytest.fixture
def repository(team):
    return RepositoryFactory(connection=ConnectionFactory(team=team), owner="octo", name="app", default_branch="main")


def badge(client, team, path, token):
    return client.get(f"/badges/{team.slug}/{path}", {"token": token})


def published(repository: Repository) -> str:
    """Publish the repository's badge, as an owner does on the settings page; its token."""
    return RepositoryBadge.objects.create(repository=repository).token


SETTINGS_FORM = {
    "stale_pr_days": 7,
    "incident_label": "incident",
    "environments": "production",
    "sources": ["deployments"],
    "workflow_trigger": "default_branch",
    "rollback_hours": 0,
    **{f"sla_{s}": 30 for s in ("critical", "high", "medium", "low")},
}


def test_the_ci_badge_shows_the_latest_default_branch_run_as_valid_svg(client, team, repository):
    now = timezone.now()
    f.run(repository, now - timedelta(hours=2), conclusion="success")
    f.run(repository, now - timedelta(hours=1), conclusion="failure")
    f.run(repository, now, conclusion="success", branch="feature")  # not the default branch
    response = badge(client, team, "octo/app/CI.svg", published(repository))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cache-Control"] == "max-age=60, public"
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("aria-label") == "CI: failing"


def test_a_running_workflow_says_running(client, team, repository):
    f.run(repository, timezone.now(), status="in_progress", conclusion="")
    response = badge(client, team, "octo/app/CI.svg", published(repository))
    assert b"CI: running" in response.content


def test_one_name_connected_under_two_api_urls_has_a_badge_for_each(client, team, repository):
    enterprise = RepositoryFactory(
        connection=ConnectionFactory(team=team, api_url="https://github.example.com/api/v3"),
        owner="octo",
        name="app",
        default_branch="trunk",
    )
    now = timezone.now()
    f.run(repository, now - timedelta(hours=1), conclusion="success")
    f.run(enterprise, now, conclusion="failure")
    f.run(enterprise, now + timedelta(minutes=1), conclusion="success", branch="main")  # not its default branch
    public, private = published(repository), published(enterprise)

    assert b"CI: failing" in badge(client, team, "octo/app/CI.svg", private).content
    assert b"CI: passing" in badge(client, team, "octo/app/CI.svg", public).content
    assert badge(client, team, "octo/nothing/CI.svg", public).status_code == 404


@pytest.mark.parametrize("token", ["", "wrong", "0" * 32])
def test_without_the_teams_token_a_badge_is_not_found(client, team, repository, token):
    f.run(repository, timezone.now())
    published(repository)
    assert badge(client, team, "octo/app/CI.svg", token).status_code == 404
    assert badge(client, team, "dora/deployment-frequency.svg", token).status_code == 404


def test_a_new_badge_token_revokes_the_old_ones(client_in, team, repository):
    f.run(repository, timezone.now())
    old, old_ci = DashboardSettings.of(team).badge_token, published(repository)
    data = SETTINGS_FORM | {"regenerate_badge_token": "on", "badge_repositories": [repository.pk]}
    assert client_in.post(f"/t/{team.slug}/dashboard/settings/", data).status_code == 302
    assert badge(client_in, team, "dora/deployment-frequency.svg", old).status_code == 404
    assert badge(client_in, team, "octo/app/CI.svg", old_ci).status_code == 404
    new = DashboardSettings.of(team).badge_token
    assert badge(client_in, team, "dora/deployment-frequency.svg", new).status_code == 200
    assert badge(client_in, team, "octo/app/CI.svg", RepositoryBadge.objects.get().token).status_code == 200


def test_another_teams_token_opens_no_badge_of_this_team(client, team, other_team, repository):
    f.run(repository, timezone.now())
    published(repository)
    assert badge(client, team, "octo/app/CI.svg", DashboardSettings.of(other_team).badge_token).status_code == 404


def test_owners_choose_which_repositories_have_badges(client_in, team, repository):
    other = RepositoryFactory(connection=repository.connection, owner="octo", name="secret", private=True)
    url = f"/t/{team.slug}/dashboard/settings/"
    assert client_in.post(url, SETTINGS_FORM | {"badge_repositories": [repository.pk]}).status_code == 302
    assert [b.repository for b in RepositoryBadge.objects.all()] == [repository]
    page = client_in.get(url).content.decode()
    assert f"/badges/{team.slug}/octo/app/WORKFLOW.svg?token={repository.badge.token}" in page
    assert "octo/secret/WORKFLOW" not in page
    assert client_in.post(url, SETTINGS_FORM | {"badge_repositories": [other.pk]}).status_code == 302
    assert [b.repository for b in RepositoryBadge.objects.all()] == [other]


def test_a_repository_without_a_badge_answers_as_a_missing_one_even_to_the_teams_token(client, team, repository):
    private = RepositoryFactory(connection=repository.connection, owner="octo", name="secret", private=True)
    f.run(private, timezone.now())
    team_token = DashboardSettings.of(team).badge_token
    unpublished = badge(client, team, "octo/secret/CI.svg", team_token)
    missing = badge(client, team, "octo/nothing/CI.svg", team_token)
    assert unpublished.status_code == missing.status_code == 404
    assert b"secret" not in unpublished.content and b"no runs" not in unpublished.content


def test_a_repositorys_token_opens_its_own_badges_only(client, team, repository):
    other = RepositoryFactory(connection=repository.connection, owner="octo", name="other", default_branch="main")
    f.run(repository, timezone.now())
    f.run(other, timezone.now())
    token = published(repository)
    published(other)
    assert badge(client, team, "octo/app/CI.svg", token).status_code == 200
    assert badge(client, team, "octo/other/CI.svg", token).status_code == 404
    assert badge(client, team, "dora/deployment-frequency.svg", token).status_code == 404


def test_an_unknown_workflow_answers_404(client, team, repository):
    f.run(repository, timezone.now(), workflow="CI")
    token = published(repository)
    assert badge(client, team, "octo/app/CI.svg", token).status_code == 200
    assert badge(client, team, "octo/app/Nope.svg", token).status_code == 404


def test_the_dora_badge_shows_deployments_a_week_and_band(client, team, repository):
    for n in range(8):
        f.deployment(repository, timezone.now() - timedelta(days=n, hours=1))
    response = badge(client, team, "dora/deployment-frequency.svg", DashboardSettings.of(team).badge_token)
    ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
    assert b"1.9/week (high)" in response.content
