"""The state of one sync run: its client, progress (written to the repository as it goes) and counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.github.client import GitHubClient
from integrations.models import Repository


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


class SyncRun:
    """One sync run of one repository: lists, then details, with progress written as it goes."""

    def __init__(
        self, repository: Repository, *, full: bool, progress: Callable[[dict], None] | None, client: GitHubClient
    ):
        self.repository = repository
        self.full = full
        self.progress_callback = progress
        self.result = SyncResult()
        self.client = client
        self.progress: dict[str, Any] = {"step": "starting", "pages": 0, "items": 0, "done": []}

    # progress ---------------------------------------------------------------------------

    def report(self, **changes):
        """Record progress on the repository (the page polls it) and tell the caller's callback."""
        self.progress.update(changes)
        self.progress["requests"] = sum(self.client.requests.values())
        Repository.objects.filter(pk=self.repository.pk).update(
            sync_progress=self.progress,
            rate_limit_remaining=self.client.rate_limit_remaining,
            rate_limit_reset_at=self.client.rate_limit_reset_at,
            **self.graphql_limit(),
        )
        if self.progress_callback:
            self.progress_callback(dict(self.progress))

    def graphql_limit(self) -> dict:
        """The GraphQL budget as last seen (kept as stored when this run sent no GraphQL query)."""
        if self.client.graphql_remaining is None:
            return {}
        return {
            "graphql_rate_limit_remaining": self.client.graphql_remaining,
            "graphql_rate_limit_reset_at": self.client.graphql_reset_at,
        }

    def count(self, resource: str, counts: Counter):
        self.result.changes.setdefault(resource, Counter()).update(counts)

    def step_done(self, step: str):
        self.progress["done"] = [*self.progress["done"], step]
