"""Which deployment caused an incident: the candidates of its window and the default pick (issue 13).

The candidates are the GitHub deployments the team counts (integrations.delivery.github_deployments:
its environments, a success in their statuses, at that success's time, as DORA counts them) that
succeeded in the 24 hours before the incident started.
"""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from integrations.delivery import github_deployments
from integrations.models import DeliverySettings, Deployment
from postmortems.models import Postmortem
from teams.models import Team

WINDOW = timedelta(hours=24)


def attribution_candidates(*, team: Team, started_at: datetime | None) -> QuerySet[Deployment]:
    """The team's counted deployments in the window before `started_at`, latest first."""
    if started_at is None:
        return Deployment.objects.none()
    return (
        github_deployments(team=team, definitions=DeliverySettings.of(team).definitions())
        .filter(succeeded_at__gt=started_at - WINDOW, succeeded_at__lte=started_at)
        .select_related("repository")
        .order_by("-succeeded_at", "-id")
    )


def attribution_default(*, team: Team, started_at: datetime | None) -> Deployment | None:
    """The last counted deployment before the incident started, within 24 h."""
    return attribution_candidates(team=team, started_at=started_at).first()


def attribution_choices(*, postmortem: Postmortem) -> QuerySet[Deployment]:
    """What the detail page offers: the window's deployments, and the current attribution if outside it."""
    window = attribution_candidates(team=postmortem.team, started_at=postmortem.started_at)
    chosen = Q(pk__in=window.values("pk"))
    if postmortem.caused_by_deployment_id:
        chosen |= Q(pk=postmortem.caused_by_deployment_id, team=postmortem.team)
    return Deployment.objects.filter(chosen).select_related("repository").order_by("-succeeded_at", "-id")


def deployment_label(deployment: Deployment) -> str:
    """How people name a deployment in a select: what, where and when."""
    what = deployment.ref or deployment.sha[:7] or f"#{deployment.github_id}"
    at = deployment.succeeded_at or deployment.status_updated_at
    # In the viewer's time zone and the app's one format, like every other date on the page.
    when = date_format(timezone.localtime(at), "DATETIME_FORMAT") if at else "—"
    return f"{deployment.repository.full_name} {what} to {deployment.environment}, {when}"
