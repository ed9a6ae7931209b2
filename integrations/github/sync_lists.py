"""Reading GitHub's lists for a sync: newest first, stop at the watermark, ETags, resumable pages.

See integrations/github/sync.py for why lists are read this way.
https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Min
from django.utils import timezone

from integrations.alert_cards import alert_cards_apply
from integrations.github import payloads, upserts
from integrations.github.client import PER_PAGE, Forbidden, GitHubError, Page
from integrations.github.sync_run import SyncRun
from integrations.models import Issue, PullRequest, Repository, SyncCursor, WorkflowRun


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


def list_specs(run: SyncRun) -> list[ListSpec]:
    base = f"/repos/{run.repository.full_name}"
    newest_first = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
    return [
        ListSpec("issues", f"{base}/issues", newest_first, upserts.issues_write),
        ListSpec("pulls", f"{base}/pulls", newest_first, upserts.pulls_write),
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
            upserts.runs_write,
            key="workflow_runs",
            watermark_field="created_at",
            stop_before=_runs_stop_before(run),
            keep_after=timezone.now() - timedelta(days=run.repository.metrics_window_days),
        ),
        ListSpec(
            "deployments",
            f"{base}/deployments",
            {"per_page": PER_PAGE},
            upserts.deployments_write,
            watermark_field="created_at",
        ),
        ListSpec(
            "releases", f"{base}/releases", {"per_page": PER_PAGE}, upserts.releases_write, watermark_field="created_at"
        ),
    ]


def _alerts_write(repository: Repository, items: list) -> Counter:
    """Write a page of alerts, then make or close their cards as the team's alert card rule says."""
    counts = upserts.alerts_write(repository, items)
    alert_cards_apply(repository=repository, numbers=[item["number"] for item in items])
    return counts


def _runs_stop_before(run: SyncRun) -> datetime:
    """Runs come newest first: stop at the window's start, or below the oldest run that may still change."""
    window_start = timezone.now() - timedelta(days=run.repository.metrics_window_days)
    if run.full:
        return window_start
    runs = WorkflowRun.objects.filter(repository=run.repository, created_at__gte=window_start)
    unfinished = runs.exclude(status="completed").aggregate(m=Min("created_at"))["m"]
    newest = runs.aggregate(m=Max("created_at"))["m"]
    candidates = [moment for moment in (unfinished, newest) if moment]
    return max(window_start, min(candidates)) if candidates else window_start


def _stamp(item: dict, field: str | None) -> datetime:
    """The time in an item's watermark field, which GitHub sets on every item of the lists read by time."""
    value = payloads.parse_time(item[field]) if field else None
    if value is None:
        raise GitHubError(f"GitHub sent a list item without {field or 'a watermark field'}.")
    return value


def list_read(run: SyncRun, spec: ListSpec, *, reconcile: bool):
    """Read a list page by page: ETag on the first page, stop at the watermark, resumable after a crash."""
    cursor, _ = SyncCursor.objects.get_or_create(repository=run.repository, resource=spec.resource)
    # Only a complete read of issues and PRs can tell which ones were deleted or transferred.
    reconcile = reconcile and spec.resource in ("issues", "pulls")
    resuming = bool(cursor.resume_url) and not run.full
    url: str | None
    if resuming:
        url, params, etag = cursor.resume_url, None, ""
    else:
        url, params = spec.path, spec.params
        etag = "" if run.full or reconcile else cursor.etag
        cursor.pending_since = None
    watermark = spec.stop_before or (None if run.full or reconcile else cursor.since)
    first_etag = ""
    seen: set = set()
    pages = 0
    run.report(step=spec.resource, pages=0, items=0)
    while url:
        page = _page(run, spec, url, params=params, etag=etag)
        if page is None:
            return
        if page.not_modified:
            run.count(spec.resource, Counter(not_modified=1))
            break
        if pages == 0 and not resuming:
            first_etag = page.etag
            if spec.watermark_field and page.items and spec.stop_before is None:
                cursor.pending_since = max(_stamp(item, spec.watermark_field) for item in page.items)
        pages += 1
        items = page.items
        if spec.keep_after:
            items = [item for item in items if _stamp(item, spec.watermark_field) >= spec.keep_after]
        run.count(spec.resource, spec.write(run.repository, items))
        seen.update(item.get("id") or item.get("number") for item in page.items)
        reached = (
            watermark is not None
            and spec.watermark_field
            and any(_stamp(item, spec.watermark_field) < watermark for item in page.items)
        )
        url = None if reached else page.next_url
        params, etag = None, ""
        # Where to go on from if the process dies now (pages before it are written).
        cursor.resume_url = url or ""
        cursor.save(update_fields=["resume_url", "pending_since", "updated_at"])
        run.report(pages=pages, items=run.progress["items"] + len(page.items))
    else:
        if cursor.pending_since and (cursor.since is None or cursor.pending_since > cursor.since):
            cursor.since = cursor.pending_since
        # The ETag is kept only once the whole list is read: a 304 on a half-read list would hide the rest.
        cursor.etag = first_etag if not resuming else ""
        if reconcile and not resuming:
            _mark_missing(run, spec.resource, seen)
            SyncCursor.objects.update_or_create(
                repository=run.repository, resource=f"reconcile:{spec.resource}", defaults={"since": timezone.now()}
            )
    cursor.resume_url = ""
    cursor.pending_since = None
    cursor.save()
    run.step_done(spec.resource)


def _page(run: SyncRun, spec: ListSpec, url: str, *, params: dict | None, etag: str) -> Page | None:
    """One page of the list; None (with a warning for the person) when GitHub turned the list off for us."""
    try:
        return run.client.list_page(url, resource=spec.resource, params=params, etag=etag, key=spec.key)
    except Forbidden as error:
        if spec.resource != "alerts":
            raise
        run.result.warnings.append(
            "No access to Dependabot alerts: give the token the Dependabot alerts (read) permission, "
            f"or enable Dependabot alerts on the repository ({error.message})"
        )
    except GitHubError as error:
        if spec.resource != "issues" or error.status != 410:
            raise
        run.result.warnings.append("Issues are turned off for this repository on GitHub; none were synced.")
    return None


def _mark_missing(run: SyncRun, resource: str, seen: set):
    """Rows GitHub no longer lists were deleted or transferred to another repository."""
    model = Issue if resource == "issues" else PullRequest
    gone = model.objects.filter(repository=run.repository, deleted_at__isnull=True).exclude(github_id__in=seen)
    deleted = gone.update(deleted_at=timezone.now())
    if deleted:
        run.count(resource, Counter(deleted=deleted))
