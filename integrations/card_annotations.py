"""The pull requests of a board's GitHub cards, with their head commit's CI state, as kanban card annotations.

A pull request is linked to a card when
- the card was made from that pull request (`source_kind` github_pull, `source_id` "owner/name#14"), or
- the card was made from an issue (github_issue, "owner/name#12") that the pull request's body closes
  with GitHub's closing keywords ("Fixes #12", "closes owner/name#12"): the rule the board automation
  already uses to move an issue's card on pull request steps (`payloads.closing_references`).
Registered with kanban in `IntegrationsConfig.ready()`: at most two queries per render, whatever the cards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from integrations.models import PullRequest, PullRequestReference
from kanban.annotations import Annotation
from kanban.models import Card, SourceKind
from teams.models import Team

# A card names at most this many pull requests (the newest): a long-lived issue may have had many attempts.
MAX_PULLS_PER_CARD = 3
CI_STATUS = {
    "success": ("CI passing", "success"),
    "failure": ("CI failing", "danger"),
    "pending": ("CI pending", "warning"),
}
PULL_FIELDS = ("number", "state", "draft", "merged_at", "ci_state", "html_url")


def source_key(source_id: str) -> tuple[str, int] | None:
    """("owner/name", 12) from a card's source id "owner/name#12"; None for anything else."""
    name, _, number = source_id.rpartition("#")
    return (name, int(number)) if name and number.isdigit() else None


def pull_annotation(pull: dict) -> Annotation:
    """Say "PR #14 merged", linked to GitHub, with its CI state as a badge in words."""
    if pull["merged_at"]:
        state = "merged"
    elif pull["state"] == "open":
        state = "draft" if pull["draft"] else "open"
    else:
        state = "closed"
    status, tone = CI_STATUS.get(pull["ci_state"], ("", ""))
    return Annotation(f"PR #{pull['number']} {state}", url=pull["html_url"], status=status, tone=tone, kind="pull")


def _wanted(cards: Sequence[Card], kind: str) -> dict[tuple[str, int], list[int]]:
    wanted: dict[tuple[str, int], list[int]] = defaultdict(list)
    for card in cards:
        key = source_key(card.source_id) if card.source_kind == kind else None
        if key:
            wanted[key].append(card.pk)
    return wanted


def _pulls_by_card(cards: Sequence[Card], team: Team) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    pulls = _wanted(cards, SourceKind.GITHUB_PULL)
    if pulls:
        rows = (
            PullRequest.objects.for_team(team)
            .filter(
                deleted_at__isnull=True,
                repository__full_name__in={name for name, _ in pulls},
                number__in={number for _, number in pulls},
            )
            .values("repository__full_name", *PULL_FIELDS)
        )
        for row in rows:
            for card_id in pulls.get((row["repository__full_name"], row["number"]), []):
                found[card_id].append(row)
    issues = _wanted(cards, SourceKind.GITHUB_ISSUE)
    if issues:
        references = (
            PullRequestReference.objects.for_team(team)
            .filter(
                pull_request__deleted_at__isnull=True,
                repository__full_name__in={name for name, _ in issues},
                issue_number__in={number for _, number in issues},
            )
            .values("repository__full_name", "issue_number", *(f"pull_request__{name}" for name in PULL_FIELDS))
        )
        for reference in references:
            row = {name: reference[f"pull_request__{name}"] for name in PULL_FIELDS}
            for card_id in issues.get((reference["repository__full_name"], reference["issue_number"]), []):
                found[card_id].append(row)
    return found


def pull_request_annotations(cards: Sequence[Card], team: Team) -> dict[int, list[Annotation]]:
    """The linked pull requests of each card of `team`, newest first, at most MAX_PULLS_PER_CARD."""
    return {
        card_id: [pull_annotation(row) for row in sorted(rows, key=lambda r: -r["number"])[:MAX_PULLS_PER_CARD]]
        for card_id, rows in _pulls_by_card(cards, team).items()
    }
