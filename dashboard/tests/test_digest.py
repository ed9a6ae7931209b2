"""The weekly digest (issue 23): the dashboard's figures for the week, to the channels that hear `digest.weekly`.

A hand-checked week, relative to the moment the digest is built (default definitions, 2023 bands):
- deployments to production: 7 in the last 7 days (1.00 a day, elite), 2 in the week before (high);
- one PR, first commit 3 days ago, merged 2.6 days ago, shipped by the deployment 2.5 days ago: 12.0 h (elite);
  none the week before;
- incidents (issues labelled `incident`): one this week restored in 2 h (high), one the week before in 30 h (medium);
  each marks the deployment before it failed: 1 of 7 this week (14 %, medium), 1 of 2 the week before (50 %, low);
- Dependabot: a critical alert open 10 days (SLA 7: past it), a high one open 5 days (SLA 30: not);
- action items: one due yesterday and open (overdue), one due tomorrow;
- open PRs: one untouched for 10 days (stale after 7), one opened yesterday.
"""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.events import Event
from dashboard import digest as digest_module
from dashboard.dora import dora_metrics
from dashboard.dora_detail import dora_weekly
from dashboard.figures import dependabot_summary, open_pulls
from dashboard.models import DashboardSettings, Weekday
from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from notifications.tests.factories import json_channel
from notifications.tests.receiver import receiving
from postmortems.figures import postmortem_figures
from postmortems.services import action_item_create, postmortem_create

SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def week_of(team, user, now):
    repository = RepositoryFactory(connection=ConnectionFactory(team=team), default_branch="main")
    for days in (0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 8, 10):
        f.deployment(repository, now - timedelta(days=days))
    f.pull(
        repository,
        created=now - timedelta(days=3),
        first_commit=now - timedelta(days=3),
        merged=now - timedelta(days=2.6),
    )
    f.issue(repository, created=now - timedelta(days=4), closed=now - timedelta(days=4, hours=-2), labels=["incident"])
    f.issue(repository, created=now - timedelta(days=9), closed=now - timedelta(days=9, hours=-30), labels=["incident"])
    f.alert(repository, created=now - timedelta(days=10), severity="critical")
    f.alert(repository, created=now - timedelta(days=5), severity="high")
    stale = f.pull(repository, created=now - timedelta(days=12))
    stale.updated_at = now - timedelta(days=10)
    stale.save()
    f.pull(repository, created=now - timedelta(days=1))
    postmortem = postmortem_create(team=team, title="Outage", by=user, started_at=now - timedelta(days=20))
    today = timezone.localdate(now)
    action_item_create(postmortem=postmortem, description="Add alerts", by=user, due_date=today - timedelta(days=1))
    action_item_create(postmortem=postmortem, description="Write runbook", by=user, due_date=today + timedelta(days=1))
    return repository


@pytest.mark.django_db
def test_the_digest_says_what_the_dashboard_says_for_the_same_week(team, user):
    now = timezone.now()
    week_of(team, user, now)

    digest = digest_module.digest_build(team=team, now=now)

    # By hand (see the module docstring).
    keys = {key.name: key for key in digest.keys}
    assert keys["deployment_frequency"].now.text == "1.00 / day"
    assert keys["deployment_frequency"].change == "up from high to elite"
    assert keys["lead_time_for_changes"].now.text == "12.0 h"
    assert keys["lead_time_for_changes"].change == "no data → elite"
    assert keys["change_failure_rate"].now.text == "14 %"
    assert keys["change_failure_rate"].change == "up from low to medium"
    assert keys["time_to_restore"].now.text == "2.0 h"
    assert keys["time_to_restore"].change == "up from medium to high"
    assert (digest.alerts_past_sla, digest.actions_overdue, digest.stale_pulls) == (1, 1, 1)

    # The dashboard's selectors for the same week: the panel keys, the trends page's last two weeks, the panels.
    definitions = DashboardSettings.of(team).dora_definitions()
    panel = dora_metrics(team=team, days=7, definitions=definitions, now=now)
    before, this = dora_weekly(team=team, definitions=definitions, weeks=2, now=now)
    for key in digest.keys:
        assert key.now == panel[key.name]
        assert key.now.as_dict() == this[key.name]
        assert key.before.as_dict() == before[key.name]
    sla = DashboardSettings.of(team).alert_sla_days
    assert digest.alerts_past_sla == dependabot_summary(team=team, sla_days=sla, now=now)["breaches"]
    assert digest.actions_overdue == postmortem_figures(team=team)["actions_overdue"]
    pulls = open_pulls(team=team, stale_days=7, now=now)
    assert digest.stale_pulls == sum(row["stale"] for row in pulls["humans"])

    text = digest.text()
    assert "- Deployment frequency: 1.00 / day, elite (up from high to elite)" in text
    assert "- Time to restore: 2.0 h, high (up from medium to high)" in text
    assert f"Dependabot alerts past SLA: 1 {SITE}/t/{team.slug}/data/alerts/" in text
    assert f"Overdue action items: 1 {SITE}/t/{team.slug}/postmortems/reminders/" in text
    assert f"Open PRs stale for over 7 days: 1 {SITE}/t/{team.slug}/data/pulls/" in text
    assert f"{SITE}/t/{team.slug}/dora/trends/" in text


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_sends_the_digest_once_to_the_channels_that_hear_it(team, user):
    from dashboard.tasks import send_weekly_digests

    now = timezone.now()
    week_of(team, user, now)
    berlin = now.astimezone(ZoneInfo("Europe/Berlin"))
    DashboardSettings.objects.create(
        team=team, time_zone="Europe/Berlin", digest_weekday=berlin.weekday(), digest_hour=berlin.hour
    )
    with receiving() as hearing, receiving() as deaf:
        json_channel(team, hearing, name="hearing", events=[Event.DIGEST_WEEKLY])
        json_channel(team, deaf, name="deaf", events=[e for e in Event.values if e != Event.DIGEST_WEEKLY])
        assert send_weekly_digests.apply().get() == 1
        assert send_weekly_digests.apply().get() == 0  # the same week: not again

    assert deaf.requests == [], deaf.all_bodies()
    assert len(hearing.requests) == 1, hearing.all_bodies()
    message = json.loads(hearing.requests[0].body)
    assert message["title"].startswith(f"Weekly digest of {team.name}: ")
    assert "- Deployment frequency: 1.00 / day, elite (up from high to elite)" in message["message"]
    assert "- Lead time for changes: 12.0 h, elite (no data → elite)" in message["message"]
    assert f"Dependabot alerts past SLA: 1 {SITE}/t/{team.slug}/data/alerts/" in message["message"]
    assert f"Overdue action items: 1 {SITE}" in message["message"]
    assert f"Open PRs stale for over 7 days: 1 {SITE}" in message["message"]
    assert message["message"].endswith(f"{SITE}/t/{team.slug}/")
    assert DashboardSettings.of(team).digest_sent_on == berlin.date()


@pytest.mark.django_db
def test_the_day_and_hour_are_the_teams_own_in_its_time_zone(team):
    DashboardSettings.objects.create(team=team, time_zone="Asia/Tokyo", digest_weekday=Weekday.MONDAY, digest_hour=9)
    utc = ZoneInfo("UTC")
    # Monday 08:30 in Tokyo is Sunday 23:30 UTC; Monday 09:30 in Tokyo is Monday 00:30 UTC.
    assert digest_module.digests_due_send(now=timezone.datetime(2026, 11, 29, 23, 30, tzinfo=utc)) == 0
    assert digest_module.digests_due_send(now=timezone.datetime(2026, 11, 30, 0, 30, tzinfo=utc)) == 1
    assert digest_module.digests_due_send(now=timezone.datetime(2026, 11, 30, 9, 30, tzinfo=utc)) == 0  # sent
    assert DashboardSettings.of(team).digest_sent_on == timezone.datetime(2026, 11, 30).date()


@pytest.mark.django_db
def test_a_team_without_settings_gets_its_digest_on_monday_at_nine_utc(team):
    monday = timezone.datetime(2026, 11, 30, 9, 5, tzinfo=ZoneInfo("UTC"))
    assert digest_module.digests_due_send(now=monday - timedelta(hours=1)) == 0
    assert digest_module.digests_due_send(now=monday) == 1
    assert digest_module.digests_due_send(now=monday + timedelta(hours=1)) == 0
    assert digest_module.digests_due_send(now=monday + timedelta(days=7)) == 1


def test_the_settings_page_sets_the_digest_day_hour_and_time_zone(client_in, team):
    page = client_in.get(f"/t/{team.slug}/dashboard/settings/").content.decode()
    assert "Weekly digest day" in page and "Team time zone" in page
    form = {
        "stale_pr_days": 7, "incident_label": "incident", "environments": "production", "sources": ["deployments"],
        "workflow_trigger": "default_branch", "rollback_hours": 0,
        "time_zone": "Europe/Lisbon", "digest_weekday": 4, "digest_hour": 16,
    } | {f"sla_{s}": 30 for s in ("critical", "high", "medium", "low")}  # fmt: skip

    assert client_in.post(f"/t/{team.slug}/dashboard/settings/", form).status_code == 302
    stored = DashboardSettings.of(team)
    assert (stored.time_zone, stored.digest_weekday, stored.digest_hour) == ("Europe/Lisbon", 4, 16)

    refused = client_in.post(f"/t/{team.slug}/dashboard/settings/", form | {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert "Mars/Olympus is not a time zone" in refused.content.decode()
    assert client_in.post(f"/t/{team.slug}/dashboard/settings/", form | {"digest_hour": 24}).status_code == 400
    assert DashboardSettings.of(team).time_zone == "Europe/Lisbon"

    older = {key: value for key, value in form.items() if key not in ("time_zone", "digest_weekday", "digest_hour")}
    assert client_in.post(f"/t/{team.slug}/dashboard/settings/", older).status_code == 302
    stored = DashboardSettings.of(team)
    assert (stored.time_zone, stored.digest_weekday, stored.digest_hour) == ("Europe/Lisbon", 4, 16)
