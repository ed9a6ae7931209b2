"""One truth for deployments and incidents (issue 20): every page that shows the figure shows the same one.

A team with its own definitions (deployments to `prod`, incidents labelled `outage`) and, in the last
ten days: 5 counted deployments (2 of them superseded, so `inactive` now) beside 3 that do not count,
and 9 incidents: 6 issues labelled `outage` and 3 postmortems, one of them an Alertmanager alert group
notified three times. The dashboard, the report (page, Markdown, API), the DORA API, the retro data
strip and the badge all say 5 and 9 (the badge: 5 in 30 days = 1.2 a week).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import DashboardSettings
from dashboard.tests import factories as f
from integrations.models import DeliverySettings, Deployment
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from postmortems.alertmanager import alertmanager_token_create, notification_process, notification_store
from postmortems.services import postmortem_create
from postmortems.tests.test_alertmanager import alert, notification
from retros.models import Phase
from retros.tests.factories import advance_to, make_retro

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(team, user):
    now = timezone.now()
    DeliverySettings.objects.create(team=team, deploy_environments=["prod"], incident_label="outage")
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), default_branch="main")
    for days in (9, 7, 5, 3, 1):
        f.deployment(repository, now - timedelta(days=days), environment="prod")
    for deployment in Deployment.objects.filter(environment="prod").order_by("succeeded_at")[:2]:
        deployment.status = "inactive"  # superseded by the next one
        deployment.save()
    f.deployment(repository, now - timedelta(days=2), environment="production")  # not the team's environment
    f.deployment(repository, now - timedelta(days=4), environment="prod", status="failure")
    f.deployment(repository, now - timedelta(days=6), environment="prod", status="inactive")  # never succeeded
    for days, labels in [(8, ["outage"]), (7, ["Outage"]), (6, ["outage", "p1"]), (4, ["outage"]), (2, ["outage"])]:
        f.issue(
            repository, created=now - timedelta(days=days), closed=now - timedelta(days=days, hours=-2), labels=labels
        )
    f.issue(repository, created=now - timedelta(days=1), labels=["outage"])
    f.issue(repository, created=now - timedelta(days=3), labels=["incident"])  # not the team's label
    for days in (8, 4):
        postmortem_create(team=team, title=f"{days} days ago", by=user, started_at=now - timedelta(days=days))
    alertmanager_token_create(team=team)
    group = '{}:{alertname="HighErrorRate"}'
    starts = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for status in ("firing", "firing", "resolved"):
        body = notification(group, status, [alert("HighErrorRate", status, starts)])
        stored, _ = notification_store(team=team, payload=body)  # a repeat of the same content is the same row
        notification_process(notification_id=stored.pk)
    return repository


def test_every_page_counts_the_same_deployments_and_incidents(client_in, team, user, history):
    dashboard = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "9 incidents in the period" in dashboard
    assert '<span class="muted">sample 5</span>' in dashboard  # deployment frequency's sample, first of the keys

    report = client_in.get(f"/t/{team.slug}/report/").content.decode()
    markdown = client_in.get(f"/t/{team.slug}/report.md").content.decode()
    api = client_in.get(f"/api/v1/teams/{team.slug}/report/").json()
    for text in (report, markdown, str(api)):
        assert "5 deployments counted in the period" in text
        assert "postmortems published for 9 incidents" in text
    assert "| Deployment frequency | " in markdown and "| 5 |" in markdown
    assert api["dora"]["deployment_frequency"]["sample_size"] == 5

    dora = client_in.get(f"/api/v1/teams/{team.slug}/metrics/dora/", {"days": 30}).json()
    assert dora["deployment_frequency"]["sample_size"] == 5
    assert dora["time_to_restore"]["sample_size"] == 6  # the 5 closed issues and the resolved alert group

    retro = advance_to(make_retro(team, user), Phase.REFLECT, user)  # the strip covers the last 14 days
    strip = client_in.get(f"/t/{team.slug}/retros/{retro.pk}/").content.decode()
    assert "<dt>Deployments</dt><dd>5</dd>" in strip
    assert "<dt>Incidents</dt><dd>9</dd>" in strip

    token = DashboardSettings.of(team).badge_token
    badge = client_in.get(f"/badges/{team.slug}/dora/deployment-frequency.svg", {"token": token}).content.decode()
    assert "1.2/week" in badge
