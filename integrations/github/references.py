"""Which issues a pull request closes, kept from its body: how a card made from an issue finds its pull requests."""

from __future__ import annotations

from integrations.github import payloads
from integrations.models import PullRequest, PullRequestReference, Repository


def pull_references_write(*, repository: Repository, items: list, stored: dict[int, PullRequest]) -> None:
    """Replace the closing references of the pull requests whose stored version is the one in `items`.

    `stored` maps GitHub ids to the rows as written. An item older than its stored row (a late
    webhook) or without a body (a review payload's pull request) leaves that row's references alone.
    """
    numbers: dict[int, list[int]] = {}
    for item in items:
        row = stored.get(item["id"])
        if row is None or "body" not in item or row.updated_at != payloads.parse_time(item["updated_at"]):
            continue
        numbers[row.pk] = payloads.closing_references(item.get("body") or "", repository.full_name)
    if not numbers:
        return
    PullRequestReference.objects.filter(pull_request_id__in=list(numbers)).delete()
    PullRequestReference.objects.bulk_create(
        PullRequestReference(team_id=repository.team_id, repository=repository, pull_request_id=pk, issue_number=n)
        for pk, issue_numbers in numbers.items()
        for n in issue_numbers
    )
