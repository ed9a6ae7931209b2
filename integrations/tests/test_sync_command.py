"""`manage.py github_sync`: progress, what changed, one clear line when it cannot sync."""

import io

import pytest
from django.core.management import CommandError, call_command

from fakes.github_server import TOKEN
from integrations.models import Issue
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_client_retries(settings):
    settings.GITHUB_RETRIES = 0


@pytest.fixture
def repository(github):
    repo = github.add_repo("octo/app")
    github.seed(repo, issues=120, pulls=2, alerts=3)
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    return RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None)


def sync(*args) -> str:
    out = io.StringIO()
    call_command("github_sync", *args, stdout=out)
    return out.getvalue()


def test_it_syncs_with_a_progress_bar_and_prints_what_changed(github, repository):
    output = sync("--team", repository.team.slug, "--repo", "octo/app")

    assert "[####" in output and "issues" in output
    assert "octo/app: issues: 120 created; pulls: 2 created; alerts: 3 created" in output
    assert Issue.objects.count() == 120

    again = sync("--repo", "octo/app")
    assert "octo/app: nothing changed" in again
    assert "answered 304 Not Modified" in again


def test_a_full_sync_rereads_everything(github, repository):
    sync()
    github.log.clear()
    sync("--full")
    assert github.count("issues", status=200) == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("wrong_name", "No connected repository octo/nope in team"),
        ("gone_on_github", "octo/app: GitHub found no repository octo/app, or the token cannot see it."),
        ("bad_token", "octo/app: GitHub rejected the token (bad credentials)"),
        ("unreachable", "octo/app: Cannot reach the GitHub API at http://127.0.0.1:9"),
    ],
)
def test_it_exits_non_zero_with_one_clear_line(github, repository, setup, message):
    repo_arg = "octo/app"
    if setup == "wrong_name":
        repo_arg = "octo/nope"
    elif setup == "gone_on_github":
        github.repos.clear()
    elif setup == "bad_token":
        github.tokens.clear()
    elif setup == "unreachable":
        repository.connection.api_url = "http://127.0.0.1:9"
        repository.connection.save()
    with pytest.raises(CommandError) as caught:
        sync("--team", repository.team.slug, "--repo", repo_arg)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
