"""GitHub integration services: connecting repositories, syncing them, and writing GitHub's rows.

The per-row upserts (`issue_upsert`, `pull_request_upsert`, ...) take the JSON object GitHub
returns (REST list items and webhook payload objects have the same shape) and are shared by
the sync and the webhook processing (issue 5). They are keyed on GitHub's ids, safe to replay,
and never let an older `updated_at` overwrite a newer row.

How a sync reads GitHub (`repository_sync`), and why:
- Every list is read newest first (`sort=updated&direction=desc`, or by creation for runs,
  deployments and releases), 100 per page, and paging stops at the first item older than the
  resource's watermark (`SyncCursor.since`, the newest `updated_at` seen by the last complete
  read). We do not send `since=`: a URL that never changes keeps its ETag valid, so an
  unchanged list costs one 304, which GitHub does not count against the rate limit.
- The ETag and the new watermark are stored only once a list has been read to its end; the
  URL of the next page is stored after each page, so a crash resumes there (a list shifting
  under us while newest-first can only repeat items, which the upserts absorb).
- Issues and PRs are read in full once a day (or with `full=True`); rows GitHub no longer
  lists were deleted or transferred and get `deleted_at`.
- Details costing a request per PR (reviews, first commit, check runs) are fetched only for
  open PRs and PRs merged in the metrics window, and only when the PR changed since.
- Rate limits raise `RateLimited` with the time to come back; the task re-schedules itself.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.github.client import (
    PER_PAGE,
    BadCredentials,
    Forbidden,
    GitHubClient,
    GitHubError,
    NotFound,
    RateLimited,
    installation_token_create,
)
from integrations.models import (
    DEFAULT_API_URL,
    Connection,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    Review,
    SyncCursor,
    WorkflowRun,
)
from teams.audit import audit_record
from teams.models import Team

# --- payload -> row values -------------------------------------------------------------


def _time(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _login(user: dict | None) -> str:
    return (user or {}).get("login") or ""


def _logins(users: list | None) -> list[str]:
    return sorted(u["login"] for u in users or [] if u and u.get("login"))


def _labels(labels: list | None) -> list[str]:
    return sorted((label["name"] if isinstance(label, dict) else str(label)) for label in labels or [])


def _issue_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "number": data["number"],
        "title": (data.get("title") or "")[:1024],
        "state": data.get("state") or "",
        "state_reason": data.get("state_reason") or "",
        "author": _login(data.get("user")),
        "assignees": _logins(data.get("assignees")),
        "labels": _labels(data.get("labels")),
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data["updated_at"]),
        "closed_at": _time(data.get("closed_at")),
        "html_url": data.get("html_url") or "",
        "deleted_at": None,
    }


def _pull_request_values(data: dict) -> dict:
    head, base = data.get("head") or {}, data.get("base") or {}
    reviewers = _logins(data.get("requested_reviewers"))
    reviewers += sorted(f"team:{t['slug']}" for t in data.get("requested_teams") or [] if t.get("slug"))
    return {
        "github_id": data["id"],
        "number": data["number"],
        "title": (data.get("title") or "")[:1024],
        "state": data.get("state") or "",
        "author": _login(data.get("user")),
        "assignees": _logins(data.get("assignees")),
        "labels": _labels(data.get("labels")),
        "requested_reviewers": reviewers,
        "draft": bool(data.get("draft")),
        "head_sha": head.get("sha") or "",
        "head_ref": head.get("ref") or "",
        "base_ref": base.get("ref") or "",
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data["updated_at"]),
        "closed_at": _time(data.get("closed_at")),
        "merged_at": _time(data.get("merged_at")),
        "merge_commit_sha": data.get("merge_commit_sha") or "",
        "html_url": data.get("html_url") or "",
        "deleted_at": None,
    }


def _alert_values(data: dict) -> dict:
    dependency = data.get("dependency") or {}
    package = dependency.get("package") or {}
    advisory = data.get("security_advisory") or {}
    vulnerability = data.get("security_vulnerability") or {}
    return {
        "number": data["number"],
        "state": data.get("state") or "",
        "severity": vulnerability.get("severity") or advisory.get("severity") or "",
        "package": package.get("name") or "",
        "ecosystem": package.get("ecosystem") or "",
        "manifest_path": dependency.get("manifest_path") or "",
        "ghsa_id": advisory.get("ghsa_id") or "",
        "cve_id": advisory.get("cve_id") or "",
        "summary": (advisory.get("summary") or "")[:1024],
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
        "fixed_at": _time(data.get("fixed_at")),
        "dismissed_at": _time(data.get("dismissed_at")),
        "auto_dismissed_at": _time(data.get("auto_dismissed_at")),
        "html_url": data.get("html_url") or "",
    }


def _workflow_run_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "workflow_id": data.get("workflow_id"),
        "workflow_name": data.get("name") or "",
        "run_number": data.get("run_number") or 0,
        "run_attempt": data.get("run_attempt") or 1,
        "event": data.get("event") or "",
        "head_branch": data.get("head_branch") or "",
        "head_sha": data.get("head_sha") or "",
        "status": data.get("status") or "",
        "conclusion": data.get("conclusion") or "",
        "created_at": _time(data["created_at"]),
        "run_started_at": _time(data.get("run_started_at")),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
        "html_url": data.get("html_url") or "",
    }


def _deployment_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "environment": data.get("environment") or "",
        "ref": data.get("ref") or "",
        "sha": data.get("sha") or "",
        "task": data.get("task") or "",
        "creator": _login(data.get("creator")),
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data.get("updated_at") or data["created_at"]),
    }


def _release_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "tag_name": data.get("tag_name") or "",
        "name": (data.get("name") or "")[:255],
        "draft": bool(data.get("draft")),
        "prerelease": bool(data.get("prerelease")),
        "author": _login(data.get("author")),
        "created_at": _time(data["created_at"]),
        "published_at": _time(data.get("published_at")),
        "html_url": data.get("html_url") or "",
    }


def _review_values(data: dict) -> dict:
    return {
        "github_id": data["id"],
        "author": _login(data.get("user")),
        "state": (data.get("state") or "").upper(),
        "submitted_at": _time(data.get("submitted_at")),
        "html_url": data.get("html_url") or "",
    }


# --- writing rows ----------------------------------------------------------------------


def _rows_upsert(
    model,
    *,
    repository: Repository,
    rows: list[dict],
    key: str = "github_id",
    version: str | None,
    into: dict | None = None,
):
    """Insert or update `rows` (values dicts) of one repository in one transaction; count what happened.

    Existing rows are locked while compared, so a webhook writing the same row waits for
    us (or we for it) and the newer `version` wins whatever the order. `into`, when given,
    receives each row as stored, by its key. Inside a caller's transaction (a webhook's)
    no savepoint is taken: an error here fails the caller's transaction anyway.
    """
    counts: Counter = Counter()
    latest: dict = {}
    for values in rows:  # a page may hold the same row twice when the list shifted under us
        previous = latest.get(values[key])
        if previous is None or not version or values[version] >= previous[version]:
            latest[values[key]] = values
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        existing = {
            getattr(row, key): row
            for row in model.objects.select_for_update().filter(repository=repository, **{f"{key}__in": list(latest)})
        }
        if into is not None:
            into.update(existing)  # as compared below: unchanged, newer (stale input) or updated in place
        to_create, to_update, changed_fields = [], [], set()
        for value_key, values in latest.items():
            row = existing.get(value_key)
            if row is None:
                to_create.append(model(team_id=repository.team_id, repository=repository, synced_at=now, **values))
                continue
            if version and getattr(row, version) and values[version] and getattr(row, version) > values[version]:
                counts["stale"] += 1
                continue
            changed = [field for field, value in values.items() if getattr(row, field) != value]
            if not changed:
                counts["unchanged"] += 1
                continue
            for field in changed:
                setattr(row, field, values[field])
            row.synced_at = now
            changed_fields.update(changed)
            to_update.append(row)
        lost = []
        if to_create:
            model.objects.bulk_create(to_create, ignore_conflicts=True)
            keys = [getattr(row, key) for row in to_create]
            stored = model.objects.filter(repository=repository, **{f"{key}__in": keys})
            # Rows that differ from ours were inserted first by a concurrent writer (a webhook, another
            # sync) and our insert was skipped: run them through the version comparison again.
            lost = []
            for row in stored:
                values = latest[getattr(row, key)]
                if any(getattr(row, field) != value for field, value in values.items()):
                    lost.append(values)
                elif into is not None:
                    into[getattr(row, key)] = row
            counts["created"] += len(keys) - len(lost)
        if to_update:
            model.objects.bulk_update(to_update, [*sorted(changed_fields), "synced_at"])
    counts["updated"] += len(to_update)
    if lost:
        counts.update(_rows_upsert(model, repository=repository, rows=lost, key=key, version=version, into=into))
    return counts


def _row_upsert(model, *, repository: Repository, values: dict, key: str = "github_id", version: str | None):
    stored: dict = {}
    _rows_upsert(model, repository=repository, rows=[values], key=key, version=version, into=stored)
    row = stored.get(values[key])
    return row if row is not None else model.objects.get(repository=repository, **{key: values[key]})


def issue_upsert(*, repository: Repository, data: dict) -> Issue | None:
    """Write one issue from GitHub's issue JSON (a pull request in the issues list is skipped: None)."""
    if data.get("pull_request"):
        return None
    return _row_upsert(Issue, repository=repository, values=_issue_values(data), version="updated_at")


def pull_request_upsert(*, repository: Repository, data: dict) -> PullRequest:
    """Write one pull request from GitHub's pull request JSON."""
    return _row_upsert(PullRequest, repository=repository, values=_pull_request_values(data), version="updated_at")


def alert_upsert(*, repository: Repository, data: dict) -> DependabotAlert:
    """Write one Dependabot alert from GitHub's alert JSON (keyed on its number)."""
    return _row_upsert(
        DependabotAlert, repository=repository, values=_alert_values(data), key="number", version="updated_at"
    )


def workflow_run_upsert(*, repository: Repository, data: dict) -> WorkflowRun:
    """Write one GitHub Actions workflow run from GitHub's workflow run JSON."""
    return _row_upsert(WorkflowRun, repository=repository, values=_workflow_run_values(data), version="updated_at")


def deployment_upsert(*, repository: Repository, data: dict, status: dict | None = None) -> Deployment:
    """Write one deployment from GitHub's deployment JSON, with its latest deployment status JSON if given."""
    deployment = _row_upsert(Deployment, repository=repository, values=_deployment_values(data), version="updated_at")
    if status:
        deployment_status_apply(deployment=deployment, data=status)
    return deployment


def deployment_status_apply(*, deployment: Deployment, data: dict) -> Deployment:
    """Record a deployment status JSON on its deployment unless a newer status is already there."""
    status_at = _time(data.get("updated_at") or data.get("created_at"))
    updated = (
        Deployment.objects.filter(pk=deployment.pk)
        .exclude(status_updated_at__gt=status_at)
        .update(status=data.get("state") or "", status_updated_at=status_at, synced_at=timezone.now())
    )
    if updated:
        deployment.refresh_from_db(fields=["status", "status_updated_at", "synced_at"])
    return deployment


def release_upsert(*, repository: Repository, data: dict) -> Release:
    """Write one release from GitHub's release JSON."""
    return _row_upsert(Release, repository=repository, values=_release_values(data), version=None)


def review_upsert(*, repository: Repository, data: dict, pull_request: PullRequest | None = None) -> Review | None:
    """Write one pull request review from GitHub's review JSON (None when its pull request is unknown)."""
    if pull_request is None:
        number = str(data.get("pull_request_url") or "").rstrip("/").rsplit("/", 1)[-1]
        pull_request = (
            PullRequest.objects.filter(repository=repository, number=number).first() if number.isdigit() else None
        )
        if pull_request is None:
            return None
    values = {**_review_values(data), "pull_request_id": pull_request.pk}
    with transaction.atomic():
        # Review events carry no updated_at. A review only moves forward (pending, then submitted,
        # then perhaps dismissed), so a late event of an earlier stage leaves the row alone.
        # Locking the pull request serialises its review writes, so two events cannot race past this check.
        PullRequest.objects.select_for_update().filter(pk=pull_request.pk).values_list("pk").first()
        current = Review.objects.filter(repository=repository, github_id=values["github_id"]).first()
        if current is not None and _review_stage(current.state, current.submitted_at) > _review_stage(
            values["state"], values["submitted_at"]
        ):
            return current
        return _row_upsert(Review, repository=repository, values=values, version=None)


REVIEW_STAGES = {"PENDING": 0, "COMMENTED": 1, "APPROVED": 1, "CHANGES_REQUESTED": 1, "DISMISSED": 2}


def _review_stage(state: str, submitted_at) -> tuple:
    """How far a review has come; a review never goes back (GitHub cannot undo a dismissal)."""
    return (REVIEW_STAGES.get(state, 1), submitted_at.timestamp() if submitted_at else 0.0)


# --- connecting --------------------------------------------------------------------------


class ConnectError(Exception):
    """Connecting a repository failed; the message says why in plain words."""


FULL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}/[A-Za-z0-9._-]{1,100}$")
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


def connection_token(*, connection: Connection, force_refresh: bool = False) -> str:
    """Return a token for API calls: the PAT, or a fresh installation token of the GitHub App (stored encrypted)."""
    if connection.auth_kind == Connection.AuthKind.TOKEN:
        return connection.token
    expires = connection.installation_token_expires_at
    if (
        force_refresh
        or not connection.installation_token
        or not expires
        or expires - timezone.now() < TOKEN_REFRESH_MARGIN
    ):
        try:
            token, expires_at = installation_token_create(
                api_url=connection.api_url,
                app_id=connection.app_id,
                private_key=connection.app_private_key,
                installation_id=connection.installation_id,
            )
        except BadCredentials:
            raise BadCredentials(
                "GitHub refused the GitHub App's credentials: check the app id and its private key "
                "(a key deleted in the App's settings stops working)."
            ) from None
        except NotFound:
            raise NotFound(
                f"GitHub has no installation {connection.installation_id} of App {connection.app_id}: "
                "check the installation id (in the URL of the installation's settings page)."
            ) from None
        connection.installation_token = token
        connection.installation_token_expires_at = expires_at
        if connection.pk:  # a connection being created is saved by repository_connect
            connection.save(update_fields=["installation_token", "installation_token_expires_at"])
    return connection.installation_token


def github_client(*, connection: Connection, force_refresh: bool = False, retries: int | None = None) -> GitHubClient:
    """Build the HTTP client of a connection (throttling and retry backoff come from settings)."""
    return GitHubClient(
        api_url=connection.api_url,
        token=connection_token(connection=connection, force_refresh=force_refresh),
        reserve=settings.GITHUB_RATE_LIMIT_RESERVE,
        retries=settings.GITHUB_RETRIES if retries is None else retries,
        backoff=settings.GITHUB_RETRY_BACKOFF,
        seconds_between_requests=settings.GITHUB_SECONDS_BETWEEN_REQUESTS,
        timeout=settings.GITHUB_TIMEOUT,
    )


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
    credentials = {
        "api_url": api_url,
        "token": token,
        "app_id": str(app_id),
        "private_key": private_key,
        "installation_id": str(installation_id),
    }
    connection = next((c for c in team.github_connections.all() if _same_credentials(c, **credentials)), None)
    if connection is None:
        connection = Connection(
            team=team,
            api_url=api_url,
            auth_kind=Connection.AuthKind.TOKEN if token else Connection.AuthKind.APP,
            token=token,
            app_id=str(app_id),
            app_private_key=private_key,
            installation_id=str(installation_id),
            webhook_secret=webhook_secret or secrets.token_urlsafe(32),
            created_by=by if by is not None and by.is_authenticated else None,
        )
    elif webhook_secret:
        connection.webhook_secret = webhook_secret
    try:
        # Someone is waiting on the page or in the terminal: one retry at most.
        client = github_client(connection=connection, retries=min(1, settings.GITHUB_RETRIES))
        data = client.repository_get(full_name)
    except NotFound:
        raise ConnectError(f"GitHub has no repository {full_name}, or the token cannot see it.") from None
    except GitHubError as error:
        raise ConnectError(error.message) from None
    with transaction.atomic():
        connection.name = connection.name or f"{data['owner']['login']} ({connection.get_auth_kind_display()})"
        connection.save()
        repository = Repository.objects.filter(
            Q(github_id=data["id"]) | Q(full_name__iexact=data["full_name"]), team=team
        ).first() or Repository(team=team)
        _repository_apply(repository, data)
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
        repository_sync_request(repository=repository, by=None)
    return repository, connection


def _repository_apply(repository: Repository, data: dict):
    repository.github_id = data["id"]
    repository.owner = data["owner"]["login"]
    repository.name = data["name"]
    repository.full_name = data["full_name"]
    repository.html_url = data.get("html_url") or ""
    repository.default_branch = data.get("default_branch") or ""
    repository.private = bool(data.get("private"))


def _schedule_name(repository: Repository) -> str:
    return f"github-sync-repository-{repository.pk}"


def repository_schedule(*, repository: Repository) -> PeriodicTask:
    """Create or update the repository's periodic sync in django-celery-beat."""
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=repository.sync_interval_minutes, period=IntervalSchedule.MINUTES
    )
    task, _ = PeriodicTask.objects.update_or_create(
        name=_schedule_name(repository),
        defaults={
            "task": "github.sync_repository",
            "interval": interval,
            "args": json.dumps([repository.pk]),
            "enabled": repository.sync_enabled,
            "description": f"Sync {repository.full_name} from GitHub",
        },
    )
    return task


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
    """Remove a repository, its synced rows and its schedule."""
    PeriodicTask.objects.filter(name=_schedule_name(repository)).delete()
    audit_record(action="github.repository_disconnected", actor=by, team=repository.team, obj=repository)
    repository.delete()


def repository_sync_request(*, repository: Repository, by, full: bool = False) -> None:
    """Queue a sync now (after the transaction commits)."""
    from integrations.tasks import sync_repository

    Repository.objects.filter(pk=repository.pk).exclude(sync_status=Repository.SyncStatus.RUNNING).update(
        sync_status=Repository.SyncStatus.QUEUED
    )
    if by is not None:
        audit_record(action="github.sync_requested", actor=by, team=repository.team, obj=repository)
    transaction.on_commit(lambda: sync_repository.delay(repository.pk, full=full))


# --- syncing ----------------------------------------------------------------------------


STALE_RUN = timedelta(minutes=20)
RECONCILE_EVERY = timedelta(days=1)
TERMINAL_DEPLOYMENT_STATES = {"success", "failure", "error", "inactive"}


class SyncSkipped(Exception):
    """Another sync of the repository is running."""


@dataclass
class SyncResult:
    changes: dict = field(default_factory=dict)  # resource -> Counter(created/updated/unchanged/stale/deleted)
    requests: dict = field(default_factory=dict)  # resource -> requests sent
    not_modified: dict = field(default_factory=dict)  # resource -> 304 answers
    warnings: list = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for resource, counts in self.changes.items():
            changed = {k: v for k, v in counts.items() if k in ("created", "updated", "deleted") and v}
            if changed:
                parts.append(f"{resource}: " + ", ".join(f"{v} {k}" for k, v in changed.items()))
        return "; ".join(parts) or "nothing changed"


@dataclass
class ListSpec:
    resource: str
    path: str
    params: dict
    write: Callable[[Repository, list], Counter]
    key: str | None = None
    # Lists sorted newest first stop paging at the first item older than the watermark.
    watermark_field: str | None = "updated_at"
    # A fixed place to stop instead of the cursor's watermark, even on a full sync (workflow runs).
    stop_before: datetime | None = None
    # Items older than this are outside the window and not written (workflow runs).
    keep_after: datetime | None = None


class _Sync:
    """One sync run of one repository: lists, then details, with progress written as it goes."""

    def __init__(self, repository: Repository, *, full: bool, progress: Callable[[dict], None] | None):
        self.repository = repository
        self.full = full
        self.progress_callback = progress
        self.result = SyncResult()
        self.client: GitHubClient | None = None
        self.progress = {"step": "starting", "pages": 0, "items": 0, "done": []}

    # progress ---------------------------------------------------------------------------

    def report(self, **changes):
        self.progress.update(changes)
        if self.client is not None:
            self.progress["requests"] = sum(self.client.requests.values())
        Repository.objects.filter(pk=self.repository.pk).update(
            sync_progress=self.progress,
            rate_limit_remaining=self.client.rate_limit_remaining if self.client else None,
            rate_limit_reset_at=self.client.rate_limit_reset_at if self.client else None,
        )
        if self.progress_callback:
            self.progress_callback(dict(self.progress))

    def count(self, resource: str, counts: Counter):
        self.result.changes.setdefault(resource, Counter()).update(counts)

    # the run ------------------------------------------------------------------------------

    def run(self) -> SyncResult:
        repository = self.repository
        self.client = github_client(connection=repository.connection)
        self.report(step="repository")
        self._repository()
        reconcile = self.full or self._reconcile_due()
        for spec in self._specs():
            self._list(spec, reconcile=reconcile)
        self._pull_details()
        self._deployment_statuses()
        self.report(step="done")
        if reconcile:
            SyncCursor.objects.update_or_create(
                repository=repository, resource="reconcile", defaults={"since": timezone.now()}
            )
        self.result.requests = dict(self.client.requests)
        self.result.not_modified = dict(self.client.not_modified)
        return self.result

    def _repository(self):
        """Refresh the repository's name and settings (a rename or transfer answers 301, which is followed)."""
        repository = self.repository
        cursor, _ = SyncCursor.objects.get_or_create(repository=repository, resource="repository")
        headers, data = self.client.get(
            f"/repos/{repository.full_name}",
            resource="repository",
            etag="" if self.full else cursor.etag,
            what=f"repository {repository.full_name}",
        )
        if data is None:
            return  # 304: unchanged, and free
        if repository.github_id and data["id"] != repository.github_id:
            raise NotFound(
                f"{repository.full_name} on GitHub is a different repository now (it was deleted and re-created); "
                "disconnect it and connect it again."
            )
        _repository_apply(repository, data)
        repository.save(
            update_fields=["github_id", "owner", "name", "full_name", "html_url", "default_branch", "private"]
        )
        cursor.etag = headers.get("etag", "")
        cursor.save(update_fields=["etag", "updated_at"])

    def _reconcile_due(self) -> bool:
        cursor = SyncCursor.objects.filter(repository=self.repository, resource="reconcile").first()
        return cursor is None or cursor.since is None or timezone.now() - cursor.since > RECONCILE_EVERY

    def _specs(self) -> list[ListSpec]:
        base = f"/repos/{self.repository.full_name}"
        newest_first = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
        return [
            ListSpec("issues", f"{base}/issues", newest_first, _issues_write),
            ListSpec("pulls", f"{base}/pulls", newest_first, _pulls_write),
            ListSpec(
                "alerts",
                f"{base}/dependabot/alerts",
                {
                    "state": "auto_dismissed,dismissed,fixed,open",
                    "sort": "updated",
                    "direction": "desc",
                    "per_page": PER_PAGE,
                },
                _alerts_write,
            ),
            ListSpec(
                "runs",
                f"{base}/actions/runs",
                # No `created` filter: GitHub caps filtered run searches at 1,000 results.
                {"per_page": PER_PAGE},
                _runs_write,
                key="workflow_runs",
                watermark_field="created_at",
                stop_before=self._runs_stop_before(),
                keep_after=timezone.now() - timedelta(days=self.repository.metrics_window_days),
            ),
            ListSpec(
                "deployments",
                f"{base}/deployments",
                {"per_page": PER_PAGE},
                _deployments_write,
                watermark_field="created_at",
            ),
            ListSpec(
                "releases", f"{base}/releases", {"per_page": PER_PAGE}, _releases_write, watermark_field="created_at"
            ),
        ]

    def _runs_stop_before(self) -> datetime:
        """Runs come newest first: stop at the window's start, or below the oldest run that may still change."""
        window_start = timezone.now() - timedelta(days=self.repository.metrics_window_days)
        if self.full:
            return window_start
        runs = WorkflowRun.objects.filter(repository=self.repository, created_at__gte=window_start)
        unfinished = runs.exclude(status="completed").aggregate(m=Min("created_at"))["m"]
        newest = runs.aggregate(m=Max("created_at"))["m"]
        candidates = [moment for moment in (unfinished, newest) if moment]
        return max(window_start, min(candidates)) if candidates else window_start

    def _list(self, spec: ListSpec, *, reconcile: bool):
        """Read a list page by page: ETag on the first page, stop at the watermark, resumable after a crash."""
        cursor, _ = SyncCursor.objects.get_or_create(repository=self.repository, resource=spec.resource)
        # Only a complete read of issues and PRs can tell which ones were deleted or transferred.
        reconcile = reconcile and spec.resource in ("issues", "pulls")
        resuming = bool(cursor.resume_url) and not self.full
        if resuming:
            url, params, etag = cursor.resume_url, None, ""
        else:
            url, params = spec.path, spec.params
            etag = "" if self.full or reconcile else cursor.etag
            cursor.pending_since = None
        watermark = spec.stop_before or (None if self.full or reconcile else cursor.since)
        first_etag = ""
        seen: set = set()
        pages = 0
        self.report(step=spec.resource, pages=0, items=0)
        while url:
            try:
                page = self.client.list_page(url, resource=spec.resource, params=params, etag=etag, key=spec.key)
            except Forbidden as error:
                if spec.resource != "alerts":
                    raise
                self.result.warnings.append(
                    "No access to Dependabot alerts: give the token the Dependabot alerts (read) permission, "
                    f"or enable Dependabot alerts on the repository ({error.message})"
                )
                return
            except GitHubError as error:
                if spec.resource != "issues" or error.status != 410:
                    raise
                self.result.warnings.append("Issues are turned off for this repository on GitHub; none were synced.")
                return
            if page.not_modified:
                self.count(spec.resource, Counter(not_modified=1))
                break
            if pages == 0 and not resuming:
                first_etag = page.etag
                if spec.watermark_field and page.items and spec.stop_before is None:
                    cursor.pending_since = max(_time(item[spec.watermark_field]) for item in page.items)
            pages += 1
            items = page.items
            if spec.keep_after:
                items = [item for item in items if _time(item[spec.watermark_field]) >= spec.keep_after]
            self.count(spec.resource, spec.write(self.repository, items))
            seen.update(item.get("id") or item.get("number") for item in page.items)
            reached = (
                watermark is not None
                and spec.watermark_field
                and any(_time(item[spec.watermark_field]) < watermark for item in page.items)
            )
            url = None if reached else page.next_url
            params, etag = None, ""
            # Where to go on from if the process dies now (pages before it are written).
            cursor.resume_url = url or ""
            cursor.save(update_fields=["resume_url", "pending_since", "updated_at"])
            self.report(pages=pages, items=self.progress["items"] + len(page.items))
        else:
            if cursor.pending_since and (cursor.since is None or cursor.pending_since > cursor.since):
                cursor.since = cursor.pending_since
            # The ETag is kept only once the whole list is read: a 304 on a half-read list would hide the rest.
            cursor.etag = first_etag if not resuming else ""
            if reconcile and not resuming and spec.resource in ("issues", "pulls"):
                self._mark_missing(spec.resource, seen)
        cursor.resume_url = ""
        cursor.pending_since = None
        cursor.save()
        self.progress["done"] = [*self.progress["done"], spec.resource]

    def _mark_missing(self, resource: str, seen: set):
        """Rows GitHub no longer lists were deleted or transferred to another repository."""
        model = Issue if resource == "issues" else PullRequest
        gone = model.objects.filter(repository=self.repository, deleted_at__isnull=True).exclude(github_id__in=seen)
        deleted = gone.update(deleted_at=timezone.now())
        if deleted:
            self.count(resource, Counter(deleted=deleted))

    def _pull_details(self):
        """Reviews, CI state of the head commit and first commit time: open PRs and PRs merged in the window."""
        window_start = timezone.now() - timedelta(days=self.repository.metrics_window_days)
        pulls = PullRequest.objects.filter(repository=self.repository, deleted_at__isnull=True).filter(
            Q(state="open") | Q(merged_at__gte=window_start)
        )
        if not self.full:
            pulls = pulls.filter(
                Q(details_synced_at__isnull=True)
                | Q(details_synced_at__lt=F("updated_at"))
                | Q(state="open", ci_state="pending")
            )
        pulls = list(pulls.order_by("-updated_at"))
        self.report(step="pull_details", pages=0, items=0, total=len(pulls))
        base = f"/repos/{self.repository.full_name}"
        for done, pull in enumerate(pulls, start=1):
            _, reviews = self.client.get(
                f"{base}/pulls/{pull.number}/reviews", resource="pull_details", params={"per_page": PER_PAGE}
            )
            _, commits = self.client.get(
                f"{base}/pulls/{pull.number}/commits", resource="pull_details", params={"per_page": 1}
            )
            ci_state = ""
            if pull.head_sha:
                _, checks = self.client.get(
                    f"{base}/commits/{pull.head_sha}/check-runs", resource="pull_details", params={"per_page": PER_PAGE}
                )
                ci_state = _ci_state((checks or {}).get("check_runs", []))
            counts = _rows_upsert(
                Review,
                repository=self.repository,
                rows=[{**_review_values(r), "pull_request_id": pull.pk} for r in reviews or []],
                version=None,
            )
            first_commit = (commits or [{}])[0].get("commit", {}) if commits else {}
            PullRequest.objects.filter(pk=pull.pk).update(
                review_state=_review_state(reviews or []),
                ci_state=ci_state,
                first_commit_at=_time((first_commit.get("author") or {}).get("date")),
                details_synced_at=timezone.now(),
            )
            self.count("pull_details", Counter(updated=1, reviews_created=counts["created"]))
            if done % 10 == 0 or done == len(pulls):
                self.report(items=done)
        self.progress["done"] = [*self.progress["done"], "pull_details"]

    def _deployment_statuses(self):
        """The latest status of deployments that are new or not finished yet (newest status first)."""
        pending = Deployment.objects.filter(repository=self.repository).filter(
            Q(status="") | ~Q(status__in=TERMINAL_DEPLOYMENT_STATES)
        )
        base = f"/repos/{self.repository.full_name}/deployments"
        for deployment in pending:
            # Unfinished deployments are polled with their own ETag, so a quiet one costs a free 304.
            cursor, _ = SyncCursor.objects.get_or_create(
                repository=self.repository, resource=f"deployment:{deployment.github_id}"
            )
            headers, statuses = self.client.get(
                f"{base}/{deployment.github_id}/statuses",
                resource="deployment_statuses",
                params={"per_page": 1},
                etag=cursor.etag,
            )
            if statuses is None:
                continue
            if statuses:
                deployment_status_apply(deployment=deployment, data=statuses[0])
                self.count("deployments", Counter(statuses=1))
            if deployment.status in TERMINAL_DEPLOYMENT_STATES:
                cursor.delete()
            else:
                cursor.etag = headers.get("etag", "")
                cursor.save(update_fields=["etag", "updated_at"])


def _issues_write(repository: Repository, items: list) -> Counter:
    rows = [_issue_values(item) for item in items if not item.get("pull_request")]
    return _rows_upsert(Issue, repository=repository, rows=rows, version="updated_at")


def _pulls_write(repository: Repository, items: list) -> Counter:
    return _rows_upsert(
        PullRequest, repository=repository, rows=[_pull_request_values(i) for i in items], version="updated_at"
    )


def _alerts_write(repository: Repository, items: list) -> Counter:
    return _rows_upsert(
        DependabotAlert,
        repository=repository,
        rows=[_alert_values(i) for i in items],
        key="number",
        version="updated_at",
    )


def _runs_write(repository: Repository, items: list) -> Counter:
    return _rows_upsert(
        WorkflowRun, repository=repository, rows=[_workflow_run_values(i) for i in items], version="updated_at"
    )


def _deployments_write(repository: Repository, items: list) -> Counter:
    return _rows_upsert(
        Deployment, repository=repository, rows=[_deployment_values(i) for i in items], version="updated_at"
    )


def _releases_write(repository: Repository, items: list) -> Counter:
    return _rows_upsert(Release, repository=repository, rows=[_release_values(i) for i in items], version=None)


def _ci_state(check_runs: list) -> str:
    if not check_runs:
        return ""
    if any(
        run.get("conclusion") in ("failure", "timed_out", "cancelled", "action_required", "startup_failure")
        for run in check_runs
    ):
        return "failure"
    if any(run.get("status") != "completed" for run in check_runs):
        return "pending"
    return "success"


def _review_state(reviews: list) -> str:
    latest: dict[str, str] = {}
    for review in sorted(reviews, key=lambda r: r.get("submitted_at") or ""):
        state = (review.get("state") or "").upper()
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[_login(review.get("user"))] = state
        elif state == "COMMENTED":
            latest.setdefault(_login(review.get("user")), state)
    states = set(latest.values())
    if "CHANGES_REQUESTED" in states:
        return "changes_requested"
    if "APPROVED" in states:
        return "approved"
    return "commented" if "COMMENTED" in states else ""


def repository_sync(
    *, repository: Repository, full: bool = False, progress: Callable[[dict], None] | None = None
) -> SyncResult:
    """Sync one repository from GitHub now, recording status, progress and errors on it.

    Raises `SyncSkipped` when another sync holds the repository, `RateLimited` (to be
    re-scheduled at `retry_at`), and the other `GitHubError`s after recording them.
    """
    now = timezone.now()
    claimed = (
        Repository.objects.filter(pk=repository.pk)
        .exclude(sync_status=Repository.SyncStatus.RUNNING, last_sync_started_at__gt=now - STALE_RUN)
        .update(sync_status=Repository.SyncStatus.RUNNING, last_sync_started_at=now)
    )
    if not claimed:
        raise SyncSkipped(f"A sync of {repository.full_name} is already running.")
    repository.refresh_from_db()
    run = _Sync(repository, full=full, progress=progress)
    try:
        try:
            result = run.run()
        except BadCredentials:
            if repository.connection.auth_kind != Connection.AuthKind.APP:
                raise
            # An installation token can be revoked before it expires: get a new one, once.
            connection_token(connection=repository.connection, force_refresh=True)
            run = _Sync(repository, full=full, progress=progress)
            result = run.run()
    except RateLimited as error:
        _sync_failed(
            repository, run, status=Repository.SyncStatus.RATE_LIMITED, message=error.message, reset_at=error.retry_at
        )
        raise
    except GitHubError as error:
        message = error.message
        if error.permanent:
            # Retrying cannot help until someone fixes access: stop the schedule, say so.
            PeriodicTask.objects.filter(name=_schedule_name(repository)).update(enabled=False)
            message += " Scheduled syncs are paused until a sync succeeds again (Sync now, or connect again)."
        _sync_failed(repository, run, status=Repository.SyncStatus.FAILED, message=message)
        raise
    except BaseException:
        _sync_failed(
            repository,
            run,
            status=Repository.SyncStatus.FAILED,
            message="The sync stopped unexpectedly; it resumes from where it was on the next run.",
        )
        raise
    finished = timezone.now()
    progress_done = {**run.progress, "step": "done", "summary": result.summary(), "finished_at": finished.isoformat()}
    Repository.objects.filter(pk=repository.pk).update(
        sync_status=Repository.SyncStatus.IDLE,
        last_success_at=finished,
        last_error=" ".join(result.warnings),
        last_error_at=finished if result.warnings else None,
        sync_progress=progress_done,
        rate_limit_remaining=run.client.rate_limit_remaining,
        rate_limit_reset_at=run.client.rate_limit_reset_at,
    )
    if repository.sync_enabled:
        PeriodicTask.objects.filter(name=_schedule_name(repository), enabled=False).update(enabled=True)
    repository.refresh_from_db()
    return result


def _sync_failed(repository: Repository, run: _Sync, *, status: str, message: str, reset_at=None):
    client = run.client
    Repository.objects.filter(pk=repository.pk).update(
        sync_status=status,
        last_error=message,
        last_error_at=timezone.now(),
        sync_progress={**run.progress, "step": "stopped"},
        rate_limit_remaining=client.rate_limit_remaining if client else repository.rate_limit_remaining,
        rate_limit_reset_at=reset_at or (client.rate_limit_reset_at if client else None),
    )
    repository.refresh_from_db()
