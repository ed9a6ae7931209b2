"""The one selector of a team's incidents over a window (issue 20): incident issues and postmortems.

An incident is an issue (not a pull request) of the team's repositories carrying its incident label
(integrations.delivery.incident_issues), or a postmortem, started in the window. An Alertmanager alert
group is one postmortem (postmortems.alertmanager updates it for every later notification), so it
counts once. Every figure that counts incidents reads them here: DORA's change failure rate and time
to restore, the dashboard's learning panel, the report, the retro data strip.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from integrations.definitions import DoraDefinitions
from integrations.delivery import incident_issues
from integrations.models import Repository
from postmortems.models import Postmortem, Status
from teams.models import Team


@dataclass(frozen=True)
class Incident:
    kind: str  # "issue" | "postmortem"
    title: str
    url: str  # the issue on GitHub, the postmortem's page
    opened_at: datetime
    restored_at: datetime | None  # the issue closed, the postmortem's incident resolved
    repository_id: int | None = None  # an issue's repository, a postmortem's attributed deployment's
    # (repository id, success time) of the deployment a postmortem is attributed to, if any.
    deployment_key: tuple[int, datetime] | None = None
    published: bool = False  # a postmortem that was published

    @property
    def restore_hours(self) -> float | None:
        return (self.restored_at - self.opened_at).total_seconds() / 3600 if self.restored_at else None


def incidents_counted(
    *,
    team: Team,
    definitions: DoraDefinitions,
    since: datetime,
    until: datetime,
    repository: Repository | None = None,
) -> list[Incident]:
    """Incidents opened in (since, until], oldest first: two queries.

    With a `repository`, its incident issues and the postmortems attributed to one of its deployments
    (the others cannot be placed in a repository).
    """
    issues = incident_issues(team=team, definitions=definitions, since=since, until=until, repository=repository)
    incidents = [
        Incident(
            kind="issue",
            title=f"{issue.repository}#{issue.number} {issue.title}",
            url=issue.html_url,
            opened_at=issue.created_at,
            restored_at=issue.closed_at,
            repository_id=issue.repository_id,
        )
        for issue in issues
    ]
    postmortems = Postmortem.objects.for_team(team).filter(started_at__gt=since, started_at__lte=until)
    if repository is not None:
        postmortems = postmortems.filter(caused_by_deployment__repository=repository)
    rows = postmortems.order_by("started_at", "id").values_list(
        "id",
        "title",
        "status",
        "started_at",
        "resolved_at",
        "caused_by_deployment__repository_id",
        "caused_by_deployment__succeeded_at",
    )
    for pk, title, status, started_at, resolved_at, repository_id, deployed_at in rows:
        if started_at is None:  # never: the window filter excludes it, but the column is nullable
            continue
        incidents.append(
            Incident(
                kind="postmortem",
                title=title,
                url=reverse("postmortems:detail", kwargs={"team": team.slug, "pm_id": pk}),
                opened_at=started_at,
                restored_at=resolved_at,
                repository_id=repository_id,
                deployment_key=(repository_id, deployed_at) if repository_id and deployed_at else None,
                published=status == Status.PUBLISHED,
            )
        )
    incidents.sort(key=lambda incident: incident.opened_at)
    return incidents
