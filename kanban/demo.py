"""Demo board: columns (one with a hard WIP limit), labels and ~15 cards with three weeks of history."""

from datetime import timedelta

from django.utils import timezone

from kanban.models import Board
from kanban.services import (
    board_create,
    card_create,
    card_move,
    card_update,
    checklist_item_add,
    comment_add,
    label_create,
)

BOARD_NAME = "Platform delivery"
LABELS = [("bug", "red"), ("infra", "teal"), ("security", "purple"), ("docs", "gray"), ("customer", "orange")]
# title, labels, [(column index, days ago)...] — the first entry is where the card was created.
CARDS = [
    ("Rotate the database credentials", ["security"], [(0, 20), (1, 18), (2, 17), (3, 15), (4, 14)]),
    ("Move CI runners to the new pool", ["infra"], [(0, 19), (2, 16), (3, 12), (4, 11)]),
    ("Fix flaky login test", ["bug"], [(0, 18), (2, 15), (4, 13)]),
    ("Write the on-call runbook", ["docs"], [(0, 17), (1, 14), (2, 10), (3, 8), (4, 6)]),
    ("Alert on certificate expiry", ["infra", "security"], [(0, 15), (2, 9), (4, 4)]),
    ("Customer export times out", ["bug", "customer"], [(0, 12), (2, 7), (3, 3), (4, 2)]),
    ("Upgrade PostgreSQL to 16", ["infra"], [(0, 10), (1, 8), (2, 5), (3, 1)]),
    ("Document the deploy pipeline", ["docs"], [(0, 9), (2, 4)]),
    ("Rate-limit the public API", ["security", "customer"], [(0, 8), (1, 6), (2, 2)]),
    ("Reduce Docker image size", ["infra"], [(0, 7), (1, 3)]),
    ("Investigate 502s at peak", ["bug"], [(0, 6), (1, 2)]),
    ("Add SLO dashboard", ["infra"], [(0, 5)]),
    ("Clean up feature flags", [], [(0, 4)]),
    ("Audit IAM roles", ["security"], [(0, 3)]),
    ("Publish the status page", ["customer", "docs"], [(0, 1)]),
]


def seed(*, team, user, stdout) -> None:
    """Create the demo board once; a second run finds it and changes nothing."""
    if Board.objects.for_team(team).filter(name=BOARD_NAME).exists():
        return
    now = timezone.now()
    board = board_create(
        team=team,
        name=BOARD_NAME,
        by=user,
        archive_after_days=30,
        columns=[
            {"name": "Backlog"},
            {"name": "Ready"},
            {"name": "In progress", "wip_limit": 3, "wip_mode": "hard"},
            {"name": "Review", "wip_limit": 2, "wip_mode": "soft"},
            {"name": "Done", "is_done": True},
        ],
    )
    columns = list(board.columns.all())
    labels = {name: label_create(team=team, name=name, color=color, by=user) for name, color in LABELS}
    for title, label_names, path in CARDS:
        (first_column, created_days), *moves = path
        card = card_create(
            board=board,
            title=title,
            by=user,
            column=columns[first_column],
            labels=[labels[name] for name in label_names],
            description=f"**{title}.**\n\n- agree on the approach\n- do it\n- tell the team",
            at=now - timedelta(days=created_days, hours=2),
        )
        for column_index, days_ago in moves:
            card = card_move(
                card=card, column=columns[column_index], position=0, by=user, at=now - timedelta(days=days_ago)
            )
        if not card.column.is_done:
            card_update(card=card, by=user, assignees=[user])
    blocked = board.cards.get(title="Rate-limit the public API")
    card_update(card=blocked, by=user, blocked=True, blocked_reason="Waiting for the gateway vendor's quota change")
    runbook = board.cards.get(title="Upgrade PostgreSQL to 16")
    for item in ("Test restore of the backup", "Run the upgrade on staging", "Schedule the maintenance window"):
        checklist_item_add(card=runbook, text=item, by=user)
    comment_add(card=runbook, body="Staging went fine; *15 minutes* of downtime expected.", by=user)
    stdout.write(f"Kanban: board “{BOARD_NAME}” with {len(CARDS)} cards.")
