"""Reconciling with GitHub: ask for redelivery of the deliveries that failed on our side.

GitHub redelivers only deliveries of the last 3 days, and only when asked.
https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from django.utils import timezone

from integrations.github import payloads
from integrations.github.client import GitHubClient, GitHubError
from integrations.github.tokens import github_client
from integrations.models import Connection, WebhookDelivery

logger = structlog.get_logger(__name__)

# https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
REDELIVERY_WINDOW = timedelta(days=3)
# Each run also looks back this far before the previous run, to catch redeliveries that failed again.
RECONCILE_OVERLAP = timedelta(hours=1)


@dataclass
class Reconciled:
    hooks: int = 0
    failed: int = 0
    redelivered: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"hooks": self.hooks, "failed": self.failed, "redelivered": self.redelivered, "errors": self.errors}


def _hook_paths(connection: Connection) -> list[str]:
    """API paths of the hooks that deliver to this connection, from the headers GitHub sent us."""
    paths: dict[str, None] = {}
    recent = (
        WebhookDelivery.objects.filter(connection=connection)
        .exclude(repository_full_name="")
        .order_by("-received_at")
        .values_list("repository_full_name", "headers")[:500]
    )
    for full_name, headers in recent:
        hook_id = str((headers or {}).get("X-GitHub-Hook-ID", ""))
        if not hook_id.isdigit():
            continue
        if (headers or {}).get("X-GitHub-Hook-Installation-Target-Type") == "organization":
            paths[f"/orgs/{full_name.split('/')[0]}/hooks/{hook_id}"] = None
        else:
            paths[f"/repos/{full_name}/hooks/{hook_id}"] = None
    if connection.webhook_hook_id and not paths:
        for full_name in connection.repositories.values_list("full_name", flat=True):
            paths[f"/repos/{full_name}/hooks/{connection.webhook_hook_id}"] = None
    return list(paths)


def connection_reconcile(*, connection: Connection, client: GitHubClient | None = None) -> Reconciled:
    """Request redelivery of the hook's deliveries that failed on our side and that we never stored.

    Lists `GET .../hooks/{hook_id}/deliveries` (newest first, cursor pages) back to the
    previous run (at most GitHub's 3-day window), and for each GUID with no 2xx attempt
    and no stored row, `POST .../deliveries/{id}/attempts` once.
    https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
    """
    now = timezone.now()
    if client is None:
        client = github_client(connection=connection)
    since = now - REDELIVERY_WINDOW
    if connection.webhook_reconciled_at:
        since = max(since, connection.webhook_reconciled_at - RECONCILE_OVERLAP)
    result = Reconciled()
    for path in _hook_paths(connection):
        result.hooks += 1
        try:
            attempts = _failed_attempts(client, path=path, since=since)
            stored = set(
                WebhookDelivery.objects.filter(connection=connection, guid__in=list(attempts)).values_list(
                    "guid", flat=True
                )
            )
            for guid, attempt in attempts.items():
                if guid in stored:
                    continue
                result.failed += 1
                client.delivery_redeliver(f"{path}/deliveries/{attempt['id']}/attempts")
                result.redelivered += 1
        except GitHubError as error:
            result.errors.append(f"{path}: {error.message}")
    Connection.objects.filter(pk=connection.pk).update(webhook_reconciled_at=now)
    logger.info("webhook.reconciled", connection_id=connection.pk, **result.as_dict())
    return result


def _failed_attempts(client: GitHubClient, *, path: str, since) -> dict[str, dict]:
    """The latest attempt of each GUID delivered since `since` that never got a 2xx."""
    latest: dict[str, dict] = {}
    latest_at: dict[str, datetime] = {}
    succeeded: set[str] = set()
    url: str | None = f"{path}/deliveries"
    params: dict | None = {"per_page": 100}
    while url:
        page = client.list_page(url, resource="hook_deliveries", params=params)
        params = None  # the next-page URL carries the cursor and page size
        for item in page.items:
            delivered_at = payloads.parse_time(item.get("delivered_at") or "")
            if delivered_at is None or delivered_at < since:
                url = None
                continue
            guid = item.get("guid") or ""
            if 200 <= int(item.get("status_code") or 0) < 300:
                succeeded.add(guid)
            elif guid and (guid not in latest or latest_at[guid] < delivered_at):
                latest[guid], latest_at[guid] = item, delivered_at
        if url is not None:
            url = page.next_url
    return {guid: item for guid, item in latest.items() if guid not in succeeded}
