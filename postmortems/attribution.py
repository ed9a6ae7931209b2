"""Which deployment caused an incident: the candidates of its window and the default pick (issue 13).

A deployment counts when it succeeded in production (its latest status `success`, at the time of
that status, as DORA counts deployments) on one of the team's repositories in the 24 hours before
the incident started.
"""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from integrations.models import Deployment
from postmortems.models import Postmortem
from teams.models import Team

WINDOW = timedelta(hours=24)
ENVIRONMENT = "production"


def attribution_candidates(*, team: Team, started_at: datetime | None) -> QuerySet[Deployment]:
    """The team's successful production deployments in the window before `started_at`, latest first."""
    if started_at is None:
        return Deployment.objects.none()
    return (
        Deployment.objects.for_team(team)
        .filter(
            environment=ENVIRONMENT,
            status="success",
            status_updated_at__gt=started_at - WINDOW,
            status_updated_at__lte=started_at,
        )
        .select_related("repository")
        .order_by("-status_updated_at", "-id")
    )


def attribution_default(*, team: Team, started_at: datetime | None) -> Deployment | None:
    """The last successful production deployment before the incident started, within 24 h."""
    return attribution_candidates(team=team, started_at=started_at).first()


def attribution_choices(*, postmortem: Postmortem) -> QuerySet[Deployment]:
    """What the detail page offers: the window's deployments, and the current attribution if outside it."""
    window = attribution_candidates(team=postmortem.team, started_at=postmortem.started_at)
    chosen = Q(pk__in=window.values("pk"))
    if postmortem.caused_by_deployment_id:
        chosen |= Q(pk=postmortem.caused_by_deployment_id, team=postmortem.team)
    return Deployment.objects.filter(chosen).select_related("repository").order_by("-status_updated_at", "-id")


def deployment_label(deployment: Deployment) -> str:
    """How people name a deployment in a select: what, where and when."""
    what = deployment.ref or deployment.sha[:7] or f"#{deployment.github_id}"
    when = deployment.status_updated_at.strftime("%Y-%m-%d %H:%M") if deployment.status_updated_at else "—"
    return f"{deployment.repository.full_name} {what} to {deployment.environment}, {when} UTC"
