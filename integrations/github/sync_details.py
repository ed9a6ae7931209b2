"""The parts of a sync beyond the lists: pull request details (GraphQL, by page), deployment statuses."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from integrations.github import payloads, queries, upserts
from integrations.github.client import NotFound
from integrations.github.sync_run import SyncRun
from integrations.models import Deployment, PullRequest, Review, SyncCursor

TERMINAL_DEPLOYMENT_STATES = {"success", "failure", "error", "inactive"}
DETAILS_CURSOR = "pull_details"  # SyncCursor.resume_url holds the GraphQL cursor of the next page


def pull_details_sync(run: SyncRun):
    """Reviews, CI state of the head commit and first commit time: open PRs and PRs merged in the window.

    One GraphQL query per page of PRs (open and merged, newest update first) brings the details of
    50 PRs. Paging stops once every changed PR that needs details was seen, or at the metrics window
    (or the oldest changed PR, if later). The page cursor is saved after each page, so a run stopped
    by a rate limit resumes there. PRs needing details that the pages did not hold (open ones not
    updated within the window, ones updated after a resumed run's cursor, and unchanged open ones
    asked for again only because their CI was pending) are then asked for by number, 50 a query.
    """
    needed, pending = _pulls_needing_details(run)
    run.report(step="pull_details", pages=0, items=0, total=len(needed))
    window_start = timezone.now() - timedelta(days=run.repository.metrics_window_days)
    changed = [updated_at for number, (_, updated_at) in needed.items() if number not in pending]
    _pages_read(run, needed, pending, stop_before=max(min(changed, default=window_start), window_start))
    _by_number_read(run, needed)
    run.step_done("pull_details")


def _pages_read(run: SyncRun, needed: dict, pending: set, *, stop_before):
    """Read pages of PRs from the saved cursor (or the newest) until no changed PR is `needed`, or `stop_before`.

    PRs in `pending` (unchanged, CI pending) do not keep the paging going: by number they cost one
    query for 50, where paging down to them could cost a page for every 50 PRs updated since.
    """
    cursor, _ = SyncCursor.objects.get_or_create(repository=run.repository, resource=DETAILS_CURSOR)
    after = cursor.resume_url or None
    pages = 0
    while needed.keys() - pending:
        data = run.client.graphql(
            queries.PULL_DETAILS_PAGE,
            {**_repo_variables(run), "first": queries.PULLS_PER_PAGE, "after": after},
            resource="pull_details",
            what=f"repository {run.repository.full_name}",
        )
        connection = _repository(data, run)["pullRequests"]
        _nodes_write(run, needed, connection["nodes"])
        pages += 1
        info = connection["pageInfo"]
        reached = any(payloads.parse_time(node["updatedAt"]) < stop_before for node in connection["nodes"])
        after = info["endCursor"] if info["hasNextPage"] and not reached and needed.keys() - pending else None
        # Where to go on from if this run stops now (pages before it are written).
        cursor.resume_url = after or ""
        cursor.save(update_fields=["resume_url", "updated_at"])
        run.report(pages=pages)
        if after is None:
            break
    if cursor.resume_url:
        cursor.resume_url = ""
        cursor.save(update_fields=["resume_url", "updated_at"])


def _by_number_read(run: SyncRun, needed: dict):
    """Ask for the PRs still in `needed` by number, 50 a query."""
    numbers = sorted(needed)
    for start in range(0, len(numbers), queries.PULLS_PER_PAGE):
        batch = numbers[start : start + queries.PULLS_PER_PAGE]
        try:
            data = run.client.graphql(
                queries.pull_details_by_number(len(batch)),
                {**_repo_variables(run), **{f"n{index}": number for index, number in enumerate(batch)}},
                resource="pull_details",
                what=f"pull request among #{', #'.join(map(str, batch))}",
            )
        except NotFound as error:
            # The repository answered the pages just before: a PR of the batch is gone (the daily
            # complete read of the lists marks it deleted). GitHub still answers the others' details.
            data = _partial_answer(run, batch, error)
            if data is None:
                continue
        repository = _repository(data, run)
        _nodes_write(run, needed, [repository.get(f"p{index}") for index in range(len(batch))])


def _partial_answer(run: SyncRun, batch: list[int], error: NotFound) -> dict | None:
    """What a by-number query answered beside its missing PRs, each named in a warning; None if nothing."""
    repository = (error.data or {}).get("repository")
    if not repository:
        run.result.warnings.append(f"{error.message} Their details stay as they were.")
        return None
    aliases = [path[1] for path in error.paths if len(path) == 2 and path[0] == "repository"]
    for number in sorted(batch[int(alias[1:])] for alias in aliases):
        run.result.warnings.append(
            f"GitHub found no pull request #{number}, or the token cannot see it; its details stay as they were."
        )
    return {"repository": repository}


def _nodes_write(run: SyncRun, needed: dict, nodes: list):
    """Write the details of the PRs among `nodes` that are in `needed`, and take them out of it."""
    due = [(needed.pop(node["number"])[0], node) for node in nodes if node and node["number"] in needed]
    _pull_details_write(run, [(pk, node, _reviews(run, node)) for pk, node in due])
    run.report(items=run.progress["total"] - len(needed))


def _pulls_needing_details(run: SyncRun) -> tuple[dict, set]:
    """{number: (pk, updated_at)} of the PRs whose details are due, as the REST sync chose them, and the
    numbers among them due only because their CI was pending (unchanged since their details were read)."""
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
    rows = pulls.values_list("number", "pk", "updated_at", "details_synced_at", "state", "ci_state")
    needed, pending = {}, set()
    for number, pk, updated_at, synced_at, state, ci_state in rows:
        needed[number] = (pk, updated_at)
        if not run.full and synced_at and synced_at >= updated_at and state == "open" and ci_state == "pending":
            pending.add(number)
    return needed, pending


def _repo_variables(run: SyncRun) -> dict:
    return {"owner": run.repository.owner, "name": run.repository.name}


def _repository(data: dict, run: SyncRun) -> dict:
    repository = data.get("repository")
    if repository is None:  # GitHub answers NOT_FOUND in `errors`; a bare null means the same
        raise NotFound(f"GitHub found no repository {run.repository.full_name}, or the token cannot see it.")
    return repository


def _reviews(run: SyncRun, node: dict) -> list[dict]:
    """All reviews of a PR node: the first 100 came with it, the rest are followed with their own cursor."""
    reviews = list(node["reviews"]["nodes"])
    info = node["reviews"]["pageInfo"]
    while info["hasNextPage"]:
        data = run.client.graphql(
            queries.PULL_REVIEWS_PAGE,
            {
                **_repo_variables(run),
                "number": node["number"],
                "first": queries.REVIEWS_PER_PAGE,
                "after": info["endCursor"],
            },
            resource="pull_details",
            what=f"pull request #{node['number']} of {run.repository.full_name}",
        )
        page = (_repository(data, run).get("pullRequest") or {}).get("reviews") or {}
        reviews += page.get("nodes") or []
        info = page.get("pageInfo") or {"hasNextPage": False}
    return [payloads.review_from_graphql(review) for review in reviews if review and review.get("databaseId")]


def _pull_details_write(run: SyncRun, pulls: list[tuple[int, dict, list[dict]]]):
    """Write the details and reviews of a page's PRs ((pk, GraphQL node, REST-shaped reviews)) in a few queries."""
    if not pulls:
        return
    now = timezone.now()
    counts = upserts.rows_upsert(
        Review,
        repository=run.repository,
        rows=[
            {**payloads.review_fields(review), "pull_request_id": pk} for pk, _, reviews in pulls for review in reviews
        ],
        version=None,
    )
    PullRequest.objects.bulk_update(
        [
            PullRequest(
                pk=pk,
                review_state=payloads.review_state(reviews),
                **payloads.pull_details_from_graphql(node),
                details_synced_at=now,
            )
            for pk, node, reviews in pulls
        ],
        ["review_state", "ci_state", "first_commit_at", "details_synced_at"],
    )
    run.count("pull_details", Counter(updated=len(pulls), reviews_created=counts["created"]))


def deployment_statuses_sync(run: SyncRun):
    """The status history of deployments that are new or not finished yet: one paginated read each.

    GitHub lists statuses newest first. The newest is the deployment's state; a `success` anywhere in
    the history is when it shipped: a deployment first seen after a newer one superseded it (a first
    sync, a backfill, a missed webhook: GitHub sends none for `inactive`) is already `inactive` and
    still counts. A full sync also rereads inactive deployments with no success recorded.
    """
    unfinished = Q(status="") | ~Q(status__in=TERMINAL_DEPLOYMENT_STATES)
    if run.full:
        unfinished |= Q(status="inactive", succeeded_at=None)
    pending = Deployment.objects.filter(repository=run.repository).filter(unfinished)
    base = f"/repos/{run.repository.full_name}/deployments"
    for deployment in pending:
        # Unfinished deployments are polled with their own ETag, so a quiet one costs a free 304.
        cursor, _ = SyncCursor.objects.get_or_create(
            repository=run.repository, resource=f"deployment:{deployment.github_id}"
        )
        page = run.client.list_page(
            f"{base}/{deployment.github_id}/statuses",
            resource="deployment_statuses",
            params={"per_page": 100},
            etag=cursor.etag,
        )
        if page.not_modified:
            continue
        statuses, etag = list(page.items), page.etag
        while page.next_url:
            page = run.client.list_page(page.next_url, resource="deployment_statuses")
            statuses.extend(page.items)
        if statuses:
            upserts.deployment_statuses_apply(deployment=deployment, statuses=statuses)
            run.count("deployments", Counter(statuses=1))
        if deployment.status in TERMINAL_DEPLOYMENT_STATES:
            cursor.delete()
        else:
            cursor.etag = etag
            cursor.save(update_fields=["etag", "updated_at"])
