"""Connecting repositories: the form, `github_connect`, GitHub App installations, secrets kept secret."""

import io
import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from fakes import github_server
from fakes.github_server import TOKEN
from integrations.github.connections import ConnectError, repository_connect
from integrations.github.sync import repository_sync
from integrations.models import Connection, Issue, Repository
from teams.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def octo(github):
    repo = github.add_repo("octo/app")
    github.seed(repo, issues=3, pulls=1)
    return repo


def run_connect(*args) -> str:
    out = io.StringIO()
    call_command("github_connect", *args, stdout=out)
    return out.getvalue()


def test_github_connect_stores_the_token_encrypted_schedules_the_sync_and_prints_the_webhook(github, octo, team):
    output = run_connect("--team", team.slug, "--repo", "octo/app", "--token", TOKEN, "--api-url", github.url)

    repository = Repository.objects.get(team=team)
    connection = repository.connection
    assert (repository.full_name, repository.github_id) == ("octo/app", octo.id)
    assert f"/integrations/github/webhook/{connection.pk}/" in output
    assert connection.webhook_secret in output and len(connection.webhook_secret) >= 32
    assert TOKEN not in output
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT token, webhook_secret FROM integrations_connection WHERE id = %s", [connection.pk])
        stored_token, stored_secret = cursor.fetchone()
    assert stored_token.startswith("fernet:") and TOKEN not in stored_token
    assert stored_secret.startswith("fernet:")
    assert timedelta(minutes=14) < repository.next_sync_at - timezone.now() <= timedelta(minutes=15)
    assert not PeriodicTask.objects.exists()  # one periodic task for every repository, in settings
    assert AuditEvent.objects.filter(action="github.repository_connected", team=team).exists()


def test_github_connect_keeps_a_given_webhook_secret_and_interval(github, octo, team):
    run_connect(
        "--team", team.slug, "--repo", "octo/app", "--token", TOKEN, "--api-url", github.url,
        "--webhook-secret", "s3cret-from-github", "--interval", "60",
    )  # fmt: skip
    repository = Repository.objects.get(team=team)
    assert repository.connection.webhook_secret == "s3cret-from-github"
    assert timedelta(minutes=59) < repository.next_sync_at - timezone.now() <= timedelta(minutes=60)


def test_connecting_again_reuses_the_connection_and_the_repository(github, octo, team):
    repository_connect(team=team, full_name="octo/app", token=TOKEN, api_url=github.url)
    repository_connect(team=team, full_name="octo/app", token=TOKEN, api_url=github.url)
    assert Repository.objects.filter(team=team).count() == 1
    assert Connection.objects.filter(team=team).count() == 1


@pytest.mark.parametrize(
    ("repo", "token", "api_url", "message"),
    [
        ("octo/missing", TOKEN, None, "GitHub has no repository octo/missing, or the token cannot see it."),
        ("octo/app", "ghp_wrong", None, "GitHub rejected the token (bad credentials)"),
        ("not a repo", TOKEN, None, "is not a repository name; write it as OWNER/NAME"),
        ("octo/app", TOKEN, "http://127.0.0.1:9", "Cannot reach the GitHub API at http://127.0.0.1:9"),
    ],
)
def test_github_connect_fails_with_one_clear_line(github, octo, team, settings, repo, token, api_url, message):
    settings.GITHUB_RETRIES = 0
    with pytest.raises(CommandError) as caught:
        run_connect("--team", team.slug, "--repo", repo, "--token", token, "--api-url", api_url or github.url)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not Repository.objects.exists()


class Remember(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_the_token_never_reaches_the_logs(github, octo, team):
    handler, root, pygithub = Remember(), logging.getLogger(), logging.getLogger("github")
    levels = root.level, pygithub.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    pygithub.setLevel(logging.DEBUG)
    try:
        repository, _ = repository_connect(team=team, full_name="octo/app", token=TOKEN, api_url=github.url)
        repository_sync(repository=repository)
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        pygithub.setLevel(levels[1])
    text = "\n".join(handler.lines)
    assert "GET" in text  # PyGithub logged its requests, headers included
    assert TOKEN not in text
    assert TOKEN not in repr(repository.connection.token)


def test_the_form_on_the_github_page_connects_a_repository(github, octo, team, client_in):
    response = client_in.post(
        f"/t/{team.slug}/github/",
        {"repository": "octo/app", "auth_kind": "token", "token": TOKEN, "api_url": github.url, "interval": 30},
    )
    assert response.status_code == 302
    repository = Repository.objects.get(team=team)
    assert repository.sync_interval_minutes == 30
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert "octo/app" in page and "Sync now" in page
    assert TOKEN not in page


def test_the_form_shows_what_went_wrong(github, octo, team, client_in):
    response = client_in.post(
        f"/t/{team.slug}/github/",
        {"repository": "octo/app", "auth_kind": "token", "token": "ghp_wrong", "api_url": github.url, "interval": 15},
    )
    assert response.status_code == 400
    assert "GitHub rejected the token (bad credentials)" in response.content.decode()
    assert "ghp_wrong" not in response.content.decode()


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_only_an_owner_connects_and_others_are_told_who_can(github, octo, team, client, role):
    from teams.tests.factories import MembershipFactory

    client.force_login(MembershipFactory(team=team, role=role).user)
    page = client.get(f"/t/{team.slug}/github/").content.decode()
    assert 'class="gh-connect"' not in page
    assert f"only an owner of {team.name} can connect a repository" in page
    form = {"repository": "octo/app", "auth_kind": "token", "token": TOKEN, "api_url": github.url, "interval": 15}
    response = client.post(f"/t/{team.slug}/github/", form)
    assert response.status_code == 403
    assert not Repository.objects.exists()


@pytest.fixture
def app_key(github):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    github.app_keys["4242"] = public.decode()
    github.installations[77] = "4242"
    return pem.decode()


def test_a_github_app_installation_gets_its_token_refreshed_before_it_expires(github, octo, team, app_key):
    repository, connection = repository_connect(
        team=team, full_name="octo/app", app_id="4242", private_key=app_key, installation_id="77", api_url=github.url
    )
    first_token = connection.installation_token
    assert first_token.startswith("ghs_") and connection.auth_kind == "app"
    assert github.count("installation_token") == 1

    Connection.objects.filter(pk=connection.pk).update(
        installation_token_expires_at=timezone.now() + timedelta(minutes=1)
    )
    repository.refresh_from_db()
    repository_sync(repository=repository)

    connection.refresh_from_db()
    assert github.count("installation_token") == 2
    assert connection.installation_token != first_token
    assert connection.installation_token_expires_at > timezone.now() + timedelta(minutes=50)
    assert Issue.objects.filter(repository=repository).count() == 3


def test_a_revoked_installation_token_is_replaced_once(github, octo, team, app_key):
    repository, connection = repository_connect(
        team=team, full_name="octo/app", app_id="4242", private_key=app_key, installation_id="77", api_url=github.url
    )
    github.tokens.discard(connection.installation_token)

    repository_sync(repository=repository)

    assert github.count("installation_token") == 2
    repository.refresh_from_db()
    assert repository.last_error == "" and repository.last_success_at


def test_an_app_with_a_wrong_key_is_refused(github, octo, team, app_key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ConnectError, match="GitHub refused the GitHub App's credentials"):
        repository_connect(
            team=team, full_name="octo/app", app_id="4242", private_key=other.decode(), installation_id="77",
            api_url=github.url,
        )  # fmt: skip


@pytest.fixture
def enterprise():
    """A fake GitHub Enterprise Server: the API lives under /api/v3."""
    fake = github_server.FakeGitHub(prefix="/api/v3").start()
    yield fake
    fake.stop()


def test_github_enterprise_server_is_reached_through_api_url(enterprise, team):
    repo = enterprise.add_repo("corp/tool")
    enterprise.seed(repo, issues=130, alerts=3)
    assert enterprise.url.endswith("/api/v3")

    run_connect("--team", team.slug, "--repo", "corp/tool", "--token", TOKEN, "--api-url", enterprise.url)
    repository = Repository.objects.get(team=team)
    repository_sync(repository=repository)

    assert Issue.objects.filter(repository=repository).count() == 130
    assert all(r.path.startswith("/api/v3/") for r in enterprise.log)


def test_github_connect_takes_a_github_app_installation(github, octo, team, app_key, tmp_path):
    key_file = tmp_path / "app.pem"
    key_file.write_text(app_key)
    output = run_connect(
        "--team", team.slug, "--repo", "octo/app", "--app-id", "4242", "--app-key-file", str(key_file),
        "--installation-id", "77", "--api-url", github.url,
    )  # fmt: skip
    connection = Repository.objects.get(team=team).connection
    assert connection.auth_kind == "app" and connection.app_private_key == app_key
    assert "Connected octo/app" in output and "PRIVATE KEY" not in output


def test_the_same_repository_id_on_another_github_is_another_repository(github, octo, team):
    enterprise = github_server.FakeGitHub().start()
    try:
        twin = enterprise.add_repo("octo/app")
        assert twin.id == octo.id  # both GitHubs numbered their repositories alike
        on_github, _ = repository_connect(team=team, full_name="octo/app", token=TOKEN, api_url=github.url)
        on_enterprise, _ = repository_connect(team=team, full_name="octo/app", token=TOKEN, api_url=enterprise.url)
    finally:
        enterprise.stop()

    assert on_github.pk != on_enterprise.pk
    assert Repository.objects.filter(team=team).count() == 2
    on_github.refresh_from_db()
    assert (on_github.api_url, on_github.connection.api_url) == (github.url, github.url)
    assert on_enterprise.connection.api_url == enterprise.url
