"""Team scoping, spelled one way: `Model.objects.for_team(team)`.

Every model that holds a team's data gets its manager from `TeamScopedQuerySet` (or a subclass that adds its own
filters on top) and names its path to the team once, in `team_path`. Code outside models reaches team data only
through `for_team`; `tests/test_layout.py` refuses a raw `.filter(team=…)` anywhere else.
"""

from typing import ClassVar, Self

from django.db import models


class TeamScopedQuerySet(models.QuerySet):
    """Rows that belong to one team; `team_path` is the lookup from the row to its team."""

    # Rows with their own `team` key need nothing more; a subclass names a longer path ("board__team").
    team_path: ClassVar[str] = "team"

    def for_team(self, team: models.Model) -> Self:
        """The rows of `team` (the team itself, never its id)."""
        return self.filter(**{self.team_path: team})
