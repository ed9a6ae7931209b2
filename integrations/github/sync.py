"""Syncing one repository from GitHub: claim it, read its lists and details, record the outcome.

How a sync reads GitHub, and why:
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
- PR details (reviews, first commit, the head commit's checks) come by GraphQL, 50 PRs a query
  (sync_details.py), only for open PRs and PRs merged in the metrics window, and only when the
  PR changed since; the page cursor is saved after each page, so a stopped run resumes there.
- What each new successful deployment shipped: one compare (paginated) of the previous successful
  deployment's sha with its own (sync_shipped.py), once per deployment.
- Rate limits (REST requests and GraphQL points, two budgets) raise `RateLimited` with the time
  to come back; the task re-schedules itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from integrations.github import payloads
from integrations.github.client import BadCredentials, GitHubError, NotFound, RateLimited
from integrations.github.sync_details import deployment_statuses_sync, pull_details_sync
from integrations.github.sync_lists import list_read, list_specs
from integrations.github.sync_run import SyncResult, SyncRun
from integrations.github.sync_shipped import deployment_commits_sync
from integrations.github.tokens import github_client
from integrations.models import Connection, Repository, SyncCursor

STALE_RUN = timedelta(minutes=20)
RECONCILE_EVERY = timedelta(days=1)


class SyncSkipped(Exception):
    """Another sync of the repository is running."""


def _run(run: SyncRun) -> SyncResult:
    run.report(step="repository")
    _repository_refresh(run)
    for spec in list_specs(run):
        # Per list: a run stopped by a rate limit keeps the complete reads it made, so the next one
        # does not read a reconciled list in full again.
        list_read(run, spec, reconcile=run.full or _reconcile_due(run, spec.resource))
    pull_details_sync(run)
    deployment_statuses_sync(run)
    deployment_commits_sync(run)
    run.report(step="done")
    run.result.requests = dict(run.client.requests)
    run.result.not_modified = dict(run.client.not_modified)
    return run.result


def _repository_refresh(run: SyncRun):
    """Refresh the repository's name and settings (a rename or transfer answers 301, which is followed)."""
    repository = run.repository
    cursor, _ = SyncCursor.objects.get_or_create(repository=repository, resource="repository")
    headers, data = run.client.get(
        f"/repos/{repository.full_name}",
        resource="repository",
        etag="" if run.full else cursor.etag,
        what=f"repository {repository.full_name}",
    )
    if data is None:
        return  # 304: unchanged, and free
    if repository.github_id and data["id"] != repository.github_id:
        raise NotFound(
            f"{repository.full_name} on GitHub is a different repository now (it was deleted and re-created); "
            "disconnect it and connect it again."
        )
    fields = payloads.repository_fields(data)
    for name, value in fields.items():
        setattr(repository, name, value)
    repository.save(update_fields=list(fields))
    cursor.etag = headers.get("etag", "")
    cursor.save(update_fields=["etag", "updated_at"])


def _reconcile_due(run: SyncRun, resource: str) -> bool:
    """Whether the list is due its daily complete read (which finds deleted and transferred rows)."""
    cursor = SyncCursor.objects.filter(repository=run.repository, resource=f"reconcile:{resource}").first()
    return cursor is None or cursor.since is None or timezone.now() - cursor.since > RECONCILE_EVERY


def _new_run(repository: Repository, *, full: bool, progress, force_refresh: bool = False) -> SyncRun:
    client = github_client(connection=repository.connection, force_refresh=force_refresh)
    return SyncRun(repository, full=full, progress=progress, client=client)


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
    run: SyncRun | None = None
    try:
        try:
            run = _new_run(repository, full=full, progress=progress)
            result = _run(run)
        except BadCredentials:
            if repository.connection.auth_kind != Connection.AuthKind.APP:
                raise
            # An installation token can be revoked before it expires: get a new one, once.
            run = _new_run(repository, full=full, progress=progress, force_refresh=True)
            result = _run(run)
    except RateLimited as error:
        _sync_failed(
            repository,
            run,
            status=Repository.SyncStatus.RATE_LIMITED,
            message=error.message,
            reset_at=error.retry_at,
            budget=error.budget,
        )
        raise
    except GitHubError as error:
        message = error.message
        if error.permanent:
            # Retrying cannot help until someone fixes access: stop the schedule, say so.
            Repository.objects.filter(pk=repository.pk).update(next_sync_at=None)
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
    _sync_succeeded(repository, run, result)
    return result


def _sync_succeeded(repository: Repository, run: SyncRun, result: SyncResult) -> None:
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
        **run.graphql_limit(),
    )
    if repository.sync_enabled:  # a schedule paused by lost access resumes
        Repository.objects.filter(pk=repository.pk, next_sync_at__isnull=True).update(
            next_sync_at=finished + timedelta(minutes=repository.sync_interval_minutes)
        )
    repository.refresh_from_db()


def _sync_failed(
    repository: Repository, run: SyncRun | None, *, status: str, message: str, reset_at=None, budget: str = "rest"
):
    client = run.client if run else None
    progress = {**(run.progress if run else {}), "step": "stopped"}
    limits = run.graphql_limit() if run else {}
    rest_reset_at = client.rate_limit_reset_at if client else None
    if reset_at and budget == "graphql":
        # The task waits for the reset of the budget that ran out (Repository.rate_limit_wait_until).
        progress["waiting_for"] = "graphql"
        limits["graphql_rate_limit_reset_at"] = reset_at
    elif reset_at:
        rest_reset_at = reset_at
    Repository.objects.filter(pk=repository.pk).update(
        sync_status=status,
        last_error=message,
        last_error_at=timezone.now(),
        sync_progress=progress,
        rate_limit_remaining=client.rate_limit_remaining if client else repository.rate_limit_remaining,
        rate_limit_reset_at=rest_reset_at,
        **limits,
    )
    repository.refresh_from_db()
