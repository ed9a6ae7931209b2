"""Figures from the learning apps (postmortems, retros) for the dashboard and the report.

Those apps land beside this one; until they do, the figures say they are not available.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LearningFigures:
    postmortems_available: bool = False
    incidents: int = 0
    published: int = 0
    actions_due: int = 0
    actions_done_on_time: int = 0
    overdue_actions: int = 0
    retros_available: bool = False
    retros_held: int = 0
    safety_text: str = "no safety check yet"


def learning_figures(*, team, since: datetime, until: datetime) -> LearningFigures:
    """What postmortems and retros say about the team's learning in the window."""
    return LearningFigures()
