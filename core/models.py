"""Shapes that models of several apps share (core itself has no tables)."""

from typing import Self


class TeamSettings:
    """A model holding a team's settings of one app: one row per team (a one-to-one `team`), made on first change.

    `Model.of(team)` is the one way to reach them; the model's manager is team-scoped (`for_team`).
    """

    @classmethod
    def of(cls, team, *, stored: bool = False) -> Self:
        """The team's settings: the defaults, unsaved, until someone changes them, so reading writes nothing.

        `stored`: the row to change, created with the defaults when there is none yet.
        """
        manager = cls._default_manager  # type: ignore[attr-defined]
        if stored:
            return manager.get_or_create(team=team)[0]
        return manager.for_team(team).first() or cls(team=team)  # type: ignore[call-arg]
