"""Connecting a repository, changing its sync settings, disconnecting it, asking for a sync."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from core.tasks import task_enqueue, task_send
from integrations.github import payloads
from integrations.github.client import GitHubClient, GitHubError, NotFound, installation_token_create
from integrations.github.tokens import github_client
from integrations.models import DEFAULT_API_URL, Connection, Repository
from teams.audit import audit_record
from teams.models import Team

logger = structlog.get_logger(__name__)

SYNC_TASK = "github.sync_repository"


class ConnectError(DomainError):
    """Connecting a repository failed; the message says why in plain words."""


FULL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}/[A-Za-z0-9._-]{1,100}$")


def _same_credentials(connection: Connection, *, api_url, token, app_id, private_key, installation_id) -> bool:
    if connection.api_url.rstrip("/") != api_url.rstrip("/"):
        return False
    if token:
        return connection.auth_kind == Connection.AuthKind.TOKEN and connection.token == token
    return (
        connection.auth_kind == Connection.AuthKind.APP
        and connection.app_id == str(app_id)
        and connection.installation_id == str(installation_id)
        and connection.app_private_key == private_key
    )


def repository_connect(
    *,
    team: Team,
    full_name: str,
    token: str = "",
    app_id: str = "",
    private_key: str = "",
    installation_id: str = "",
    api_url: str = DEFAULT_API_URL,
    webhook_secret: str = "",
    sync_interval_minutes: int = 15,
    by=None,
) -> tuple[Repository, Connection]:
    """Check the credentials against GitHub, store them encrypted, schedule the repository's sync, start one."""
    full_name = full_name.strip().strip("/")
    if not FULL_NAME.match(full_name):
        raise ConnectError(f"'{full_name}' is not a repository name; write it as OWNER/NAME, e.g. octocat/hello-world.")
    if bool(token) == bool(app_id or private_key or installation_id):
        raise ConnectError("Give either a personal access token, or a GitHub App id, private key and installation id.")
    if not token and not (app_id and private_key and installation_id):
        raise ConnectError("A GitHub App needs its app id, its private key and the installation id.")
    api_url = (api_url or DEFAULT_API_URL).rstrip("/")
    connection = _connection_for(
        team=team,
        api_url=api_url,
        token=token,
        app_id=str(app_id),
        private_key=private_key,
        installation_id=str(installation_id),
        webhook_secret=webhook_secret,
        by=by,
    )
    try:
        # Someone is waiting on the page or in the terminal: one retry at most, none after a timeout.
        client = github_client(connection=connection, retries=min(1, settings.GITHUB_RETRIES), retry_timeouts=False)
        data = client.repository_get(full_name)
    except NotFound:
        raise ConnectError(f"GitHub has no repository {full_name}, or the token cannot see it.") from None
    except GitHubError as error:
        raise ConnectError(error.message) from None
    if not _looks_like_a_repository(data):
        raise ConnectError("The API URL answered, but not as GitHub's API does: check the URL.")
    with transaction.atomic():
        connection.name = connection.name or f"{data['owner']['login']} ({connection.get_auth_kind_display()})"
        connection.save()
        # The same id or name on another GitHub (an Enterprise server beside github.com) is another repository.
        repository = Repository.objects.for_team(team).filter(
            Q(github_id=data["id"]) | Q(full_name__iexact=data["full_name"]), api_url=api_url
        ).first() or Repository(team=team, api_url=api_url)
        for name, value in payloads.repository_fields(data).items():
            setattr(repository, name, value)
        repository.connection = connection
        repository.sync_interval_minutes = sync_interval_minutes
        repository.sync_enabled = True
        if repository.sync_status == Repository.SyncStatus.FAILED:
            repository.sync_status = Repository.SyncStatus.IDLE
        repository.save()
        repository_schedule(repository=repository)
        audit_record(
            action="github.repository_connected", actor=by, team=team, obj=repository, data={"api_url": api_url}
        )
        # The first sync, once the repository is committed; a broker failure is shown on the repository.
        Repository.objects.filter(pk=repository.pk).update(sync_status=Repository.SyncStatus.QUEUED)
        repository_id = repository.pk
        task_enqueue(
            SYNC_TASK,
            args=(repository_id,),
            kwargs={"full": False},
            on_failure=lambda error: _sync_unqueue(repository_id=repository_id),
        )
    return repository, connection


def repositories_visible(
    *,
    api_url: str = DEFAULT_API_URL,
    token: str = "",
    app_id: str = "",
    private_key: str = "",
    installation_id: str = "",
) -> list[str]:
    """The OWNER/NAME of every repository these credentials can see, to pick several to connect; nothing is stored."""
    if not token and not (app_id and private_key and installation_id):
        raise ConnectError("Give a personal access token, or a GitHub App id, private key and installation id, first.")
    api_url = (api_url or DEFAULT_API_URL).rstrip("/")
    installation = not token
    try:
        if installation:
            token, _ = installation_token_create(
                api_url=api_url, app_id=app_id, private_key=private_key, installation_id=installation_id
            )
        # Someone is waiting on the page: one retry at most, none after a timeout.
        client = GitHubClient(
            api_url=api_url, token=token, retries=min(1, settings.GITHUB_RETRIES), retry_timeouts=False
        )
        found = client.repositories_visible(installation=installation)
    except GitHubError as error:
        raise ConnectError(error.message) from None
    except ValueError:
        raise ConnectError("The GitHub App key or ids are not valid.") from None
    names = sorted(
        {repo["full_name"] for repo in found if isinstance(repo, dict) and isinstance(repo.get("full_name"), str)}
    )
    return [name for name in names if FULL_NAME.match(name)]


def _looks_like_a_repository(data) -> bool:
    """Whether an answer has what connecting reads of a repository (any server may be at the API URL)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("id"), int)
        and isinstance(data.get("full_name"), str)
        and isinstance(data.get("name"), str)
        and isinstance(data.get("owner"), dict)
        and isinstance(data["owner"].get("login"), str)
    )


def _connection_for(
    *, team: Team, api_url: str, token: str, app_id: str, private_key: str, installation_id: str, webhook_secret, by
) -> Connection:
    """The team's connection with these credentials (unsaved when new), its secret replaced if one is given."""
    credentials = {
        "api_url": api_url,
        "token": token,
        "app_id": app_id,
        "private_key": private_key,
        "installation_id": installation_id,
    }
    connection = next((c for c in team.github_connections.all() if _same_credentials(c, **credentials)), None)
    if connection is None:
        return Connection(
            team=team,
            api_url=api_url,
            auth_kind=Connection.AuthKind.TOKEN if token else Connection.AuthKind.APP,
            token=token,
            app_id=app_id,
            app_private_key=private_key,
            installation_id=installation_id,
            webhook_secret=webhook_secret or secrets.token_urlsafe(32),
            created_by=by if by is not None and by.is_authenticated else None,
        )
    if webhook_secret:
        connection.webhook_secret = webhook_secret
    return connection


def repository_schedule(*, repository: Repository) -> None:
    """Set when the periodic `github.sync_due` task next syncs the repository (one interval from now)."""
    next_sync_at = timezone.now() + timedelta(minutes=repository.sync_interval_minutes)
    repository.next_sync_at = next_sync_at if repository.sync_enabled else None
    Repository.objects.filter(pk=repository.pk).update(next_sync_at=repository.next_sync_at)


def repository_settings_update(
    *, repository: Repository, by, sync_interval_minutes: int | None = None, metrics_window_days: int | None = None
) -> Repository:
    """Change how often the repository is synced and how far back runs and PR details go."""
    changes = {}
    if sync_interval_minutes is not None:
        changes["sync_interval_minutes"] = sync_interval_minutes
    if metrics_window_days is not None:
        changes["metrics_window_days"] = metrics_window_days
    for name, value in changes.items():
        setattr(repository, name, value)
    repository.save(update_fields=list(changes))
    repository_schedule(repository=repository)
    audit_record(action="github.sync_settings_changed", actor=by, team=repository.team, obj=repository, data=changes)
    return repository


def repository_disconnect(*, repository: Repository, by) -> None:
    """Remove a repository and its synced rows (its schedule is a column of its row: nothing is left running)."""
    audit_record(action="github.repository_disconnected", actor=by, team=repository.team, obj=repository)
    repository.delete()


class DemoRepository(DomainError):
    """The demo data is not connected to GitHub: there is nothing to sync."""

    status_code = 409


class SyncUnavailable(DomainError):
    """The task queue did not take the sync."""

    status_code = 503


BROKER_DOWN = (
    "The task queue (Redis) is not answering, so the sync was not started. "
    "Try again in a minute; scheduled syncs go on once it is back."
)


def repository_sync_request(*, repository: Repository, by, full: bool = False) -> None:
    """Queue a sync now: DemoRepository for seeded demo data, SyncUnavailable when the broker does not take it."""
    if repository.connection.demo:
        raise DemoRepository(
            f"{repository.full_name} is demo data, seeded without GitHub: there is nothing to sync. "
            "Connect one of your repositories to sync it."
        )
    Repository.objects.filter(pk=repository.pk).exclude(sync_status=Repository.SyncStatus.RUNNING).update(
        sync_status=Repository.SyncStatus.QUEUED
    )
    if by is not None:
        audit_record(action="github.sync_requested", actor=by, team=repository.team, obj=repository)
    try:
        task_send(SYNC_TASK, args=(repository.pk,), kwargs={"full": full})
    except Exception as error:  # any broker failure: recorded where the person looks, and logged
        logger.warning("github.sync_enqueue_failed", repository_id=repository.pk, error=error.__class__.__name__)
        _sync_unqueue(repository_id=repository.pk)
        raise SyncUnavailable(BROKER_DOWN) from None


def _sync_unqueue(*, repository_id: int) -> None:
    """The broker did not take the sync: say so on the repository instead of "queued"."""
    Repository.objects.filter(pk=repository_id, sync_status=Repository.SyncStatus.QUEUED).update(
        sync_status=Repository.SyncStatus.IDLE, last_error=BROKER_DOWN, last_error_at=timezone.now()
    )
