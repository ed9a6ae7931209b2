"""Board automation from GitHub events: a labelled issue becomes a card; PR steps move cards forward.

Connection.automation = {"board": id, "label": "name", "columns": {step: column id}}, steps as in AUTOMATION_STEPS.
"""

from integrations.models import Issue, Repository
from integrations.webhooks.received import Received
from kanban.models import Board, Card, Column
from kanban.services import CardError, card_create, card_move

AUTOMATION_STEPS = {
    "issue_opened": "A labelled new issue becomes a card in",
    "pr_opened": "When a pull request is opened, its card moves to",
    "pr_review": "When a review is requested or submitted, the card moves to",
    "pr_merged": "When the pull request is merged, the card moves to",
    "issue_closed": "When the issue is closed, its card moves to",
}


def _automation(event: Received):
    """The board automation of the delivery's connection: (board, config), or (None, {}) when off."""

    config = event.delivery.connection.automation or {}
    board_id = config.get("board")
    if not board_id:
        return None, {}
    board = Board.objects.for_team(event.delivery.team).filter(pk=board_id).first()
    return board, config if board else {}


def _source_id(repository: Repository, number: int) -> str:
    return f"{repository.full_name}#{number}"


def issue_card_create(event: Received, issue: Issue) -> None:
    """Make a card of a new issue carrying the chosen label, once."""

    board, config = _automation(event)
    label = (config.get("label") or "").strip().lower()
    if board is None or not label or issue.state != "open" or label not in {x.lower() for x in issue.labels}:
        return
    source_id = _source_id(event.repository, issue.number)
    if Card.objects.filter(board=board, source_kind="github_issue", source_id=source_id).exists():
        return
    column = Column.objects.filter(board=board, pk=(config.get("columns") or {}).get("issue_opened") or 0).first()
    try:
        card_create(
            board=board,
            title=f"#{issue.number} {issue.title}"[:200],
            by=None,
            column=column,
            source_kind="github_issue",
            source_id=source_id,
            source_url=issue.html_url,
        )
    except CardError as error:
        event.notes.append(f"No card for {source_id}: {error}")
    else:
        event.notes.append(f"Card created for {source_id}.")


def cards_move(event: Received, *, kind: str, numbers: list[int], step: str) -> None:
    """Move the cards linked to these issues/pull requests to the step's column, forward only.

    Forward only (by column position): a late or replayed older event never drags a card
    back, and a card a person already moved further stays where it is.
    """

    board, config = _automation(event)
    column_id = (config.get("columns") or {}).get(step)
    if board is None or not column_id or not numbers:
        return
    target = Column.objects.filter(board=board, pk=column_id).first()
    if target is None:
        return
    sources = [_source_id(event.repository, n) for n in numbers]
    cards = (
        Card.objects.open()
        .filter(board=board, source_kind=kind, source_id__in=sources)
        .filter(column__position__lt=target.position)
        .select_related("column")
    )
    for card in cards:
        try:
            card_move(card=card, column=target, position=0, by=None)
        except CardError as error:
            event.notes.append(f"Card {card.source_id} not moved to {target.name}: {error}")
        else:
            event.notes.append(f"Card {card.source_id} moved to {target.name}.")
