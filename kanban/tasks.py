from celery import shared_task

from kanban.models import Board
from kanban.services import board_archive_stale


@shared_task(name="kanban.archive_done_cards", time_limit=600, soft_time_limit=540)
def archive_done_cards() -> int:
    """Archive the cards done longer ago than their board's `archive_after_days`; returns how many."""
    total = 0
    for board in Board.objects.filter(archive_after_days__isnull=False).select_related("team"):
        total += board_archive_stale(board=board)
    return total
