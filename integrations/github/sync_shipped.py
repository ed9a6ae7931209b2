"""What each deployment shipped: GitHub's compare of the previous deployment's commit with its own (issue 20).

GitHub's compare (https://docs.github.com/rest/commits/commits#compare-two-commits) lists the commits
reachable from `head` and not from `base`, oldest first, 250 at most unless paginated, so it is always
asked page by page (`per_page=100`). With `base` the sha of the previous successful deployment of the
same repository and environment, and `head` the deployment's own, the answer is what the deployment
shipped: a merged pull request belongs to the deployment that shipped its merge commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.github.client import NotFound
from integrations.github.sync_run import SyncRun
from integrations.models import CommitsState, DeliverySettings, Deployment, ShippedCommit

PER_PAGE = 100


def deployment_commits_sync(run: SyncRun):
    """Record what each new successful deployment shipped: one paginated compare each, never asked again.

    Only the environments the team counts (when it counts GitHub deployments), and only deployments
    that succeeded in the metrics window. A deployment with nothing before it in its environment is
    FIRST; one whose sha (or its predecessor's) is missing, or whose comparison GitHub cannot make (a
    commit force-pushed away answers 404), is UNKNOWN: lead time links both by time instead. The same
    sha deployed again shipped nothing, without a request.
    """
    definitions = DeliverySettings.of(run.repository.team).definitions()
    if "deployments" not in definitions.sources:
        return
    window_start = timezone.now() - timedelta(days=run.repository.metrics_window_days)
    for deployment_id, sha, previous_sha in _due(run, definitions.environments, window_start):
        state: str
        shipped: list[str]
        if previous_sha is None:
            state, shipped = CommitsState.FIRST, []
        elif not sha or not previous_sha:
            state, shipped = CommitsState.UNKNOWN, []
        elif sha == previous_sha:
            state, shipped = CommitsState.COMPARED, []
        else:
            state, shipped = _compare(run, previous_sha, sha)
        # Each deployment's answer is kept as it comes: a run stopped by a rate limit does not ask again.
        with transaction.atomic():
            ShippedCommit.objects.bulk_create(
                [ShippedCommit(repository=run.repository, deployment_id=deployment_id, sha=s) for s in shipped],
                ignore_conflicts=True,
            )
            Deployment.objects.filter(pk=deployment_id).update(commits=state)
        run.count("deployments", Counter({f"commits_{state}": 1, "shipped_commits": len(shipped)}))


def _due(run: SyncRun, environments: tuple[str, ...], window_start: datetime) -> Iterator[tuple[int, str, str | None]]:
    """(id, sha, previous successful deployment's sha or None) of deployments not looked at yet, oldest first."""
    rows = (
        Deployment.objects.filter(repository=run.repository, environment__in=environments, succeeded_at__isnull=False)
        .order_by("environment", "succeeded_at", "id")
        .values_list("id", "environment", "sha", "succeeded_at", "commits")
    )
    previous: dict[str, str] = {}
    for deployment_id, environment, sha, succeeded_at, commits in rows:
        if not commits and succeeded_at is not None and succeeded_at >= window_start:
            yield deployment_id, sha, previous.get(environment)
        previous[environment] = sha


def _compare(run: SyncRun, base: str, head: str) -> tuple[str, list[str]]:
    """(state, shas) of the commits `head` has and `base` has not, read page by page."""
    path = f"/repos/{run.repository.full_name}/compare/{base}...{head}"
    try:
        page = run.client.list_page(path, resource="compare", params={"per_page": PER_PAGE}, key="commits")
        shas = [commit["sha"] for commit in page.items]
        while page.next_url:
            page = run.client.list_page(page.next_url, resource="compare", key="commits")
            shas += [commit["sha"] for commit in page.items]
    except NotFound:
        return CommitsState.UNKNOWN, []
    return CommitsState.COMPARED, shas
