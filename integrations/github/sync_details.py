"""The parts of a sync that cost a request per row: pull request details, deployment statuses."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from integrations.github import payloads, upserts
from integrations.github.client import PER_PAGE
from integrations.github.sync_run import SyncRun
from integrations.models import Deployment, PullRequest, Review, SyncCursor

TERMINAL_DEPLOYMENT_STATES = {"success", "failure", "error", "inactive"}


def pull_details_sync(run: SyncRun):
    """Reviews, CI state of the head commit and first commit time: open PRs and PRs merged in the window."""
    window_start = timezone.now() - timedelta(days=run.repository.metrics_window_days)
    pulls = PullRequest.objects.filter(repository=run.repository, deleted_at__isnull=True).filter(
        Q(state="open") | Q(merged_at__gte=window_start)
    )
    if not run.full:
        pulls = pulls.filter(
            Q(details_synced_at__isnull=True)
            | Q(details_synced_at__lt=F("updated_at"))
            | Q(state="open", ci_state="pending")
        )
    pulls = list(pulls.order_by("-updated_at"))
    run.report(step="pull_details", pages=0, items=0, total=len(pulls))
    base = f"/repos/{run.repository.full_name}"
    for done, pull in enumerate(pulls, start=1):
        _, reviews = run.client.get(
            f"{base}/pulls/{pull.number}/reviews", resource="pull_details", params={"per_page": PER_PAGE}
        )
        _, commits = run.client.get(
            f"{base}/pulls/{pull.number}/commits", resource="pull_details", params={"per_page": 1}
        )
        ci_state = ""
        if pull.head_sha:
            _, checks = run.client.get(
                f"{base}/commits/{pull.head_sha}/check-runs", resource="pull_details", params={"per_page": PER_PAGE}
            )
            ci_state = payloads.ci_state((checks or {}).get("check_runs", []))
        counts = upserts.rows_upsert(
            Review,
            repository=run.repository,
            rows=[{**payloads.review_fields(r), "pull_request_id": pull.pk} for r in reviews or []],
            version=None,
        )
        first_commit = (commits or [{}])[0].get("commit", {}) if commits else {}
        PullRequest.objects.filter(pk=pull.pk).update(
            review_state=payloads.review_state(reviews or []),
            ci_state=ci_state,
            first_commit_at=payloads.parse_time((first_commit.get("author") or {}).get("date")),
            details_synced_at=timezone.now(),
        )
        run.count("pull_details", Counter(updated=1, reviews_created=counts["created"]))
        if done % 10 == 0 or done == len(pulls):
            run.report(items=done)
    run.step_done("pull_details")


def deployment_statuses_sync(run: SyncRun):
    """The latest status of deployments that are new or not finished yet (newest status first)."""
    pending = Deployment.objects.filter(repository=run.repository).filter(
        Q(status="") | ~Q(status__in=TERMINAL_DEPLOYMENT_STATES)
    )
    base = f"/repos/{run.repository.full_name}/deployments"
    for deployment in pending:
        # Unfinished deployments are polled with their own ETag, so a quiet one costs a free 304.
        cursor, _ = SyncCursor.objects.get_or_create(
            repository=run.repository, resource=f"deployment:{deployment.github_id}"
        )
        headers, statuses = run.client.get(
            f"{base}/{deployment.github_id}/statuses",
            resource="deployment_statuses",
            params={"per_page": 1},
            etag=cursor.etag,
        )
        if statuses is None:
            continue
        if statuses:
            upserts.deployment_status_apply(deployment=deployment, data=statuses[0])
            run.count("deployments", Counter(statuses=1))
        if deployment.status in TERMINAL_DEPLOYMENT_STATES:
            cursor.delete()
        else:
            cursor.etag = headers.get("etag", "")
            cursor.save(update_fields=["etag", "updated_at"])
