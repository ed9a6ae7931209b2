"""Incidents recorded as postmortems, in the shape the DORA keys need (postmortems.figures)."""

from dataclasses import dataclass
from datetime import datetime

from integrations.models import Repository
from postmortems.figures import incidents_for_dora
from teams.models import Team


@dataclass(frozen=True)
class Incident:
    started_at: datetime
    resolved_at: datetime | None
    # (repository id, deployment time) of the deployment the postmortem is attributed to, if any.
    deployment_key: tuple[int, datetime] | None = None


def postmortem_incidents(
    *, team: Team, repository: Repository | None, since: datetime, until: datetime
) -> list[Incident]:
    """Postmortems started in (since, until]."""
    return [Incident(**row) for row in incidents_for_dora(team=team, repository=repository, since=since, until=until)]
