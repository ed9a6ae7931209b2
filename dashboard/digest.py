"""The weekly digest (issue 23): a team's week in a few lines, sent to the channels that hear `digest.weekly`.

The week is the 7 days before the moment it is built. Every figure comes from the selector the dashboard shows it
with (one truth): the four keys from `dora_counted` (the DORA detail pages), each against the 7 days before;
Dependabot alerts past their SLA from `dependabot_summary`; overdue action items from `postmortem_figures`; stale
open PRs from `open_pulls` with the team's `stale_pr_days`.

Each team picks the day and hour in its own time zone (DashboardSettings); the hourly beat task sends the digest to
the teams whose chosen local day has come and hour has passed, once per local week: the claim is a conditional
UPDATE of `digest_sent_on` (the local date it went out), so two runs send one digest a week.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.events import Event, emit
from dashboard.dora import Key
from dashboard.dora_detail import KEYS, dora_counted
from dashboard.figures import dependabot_summary, open_pulls
from dashboard.models import DashboardSettings
from postmortems.figures import postmortem_figures
from teams.models import Team

WEEK = timedelta(days=7)
BAND_ORDER = ["low", "medium", "high", "elite"]


@dataclass(frozen=True)
class KeyChange:
    name: str
    now: Key
    before: Key

    @property
    def change(self) -> str:
        """How the band moved against the week before, in words."""
        if self.now.band == self.before.band:
            return f"still {self.now.band}" if self.now.band else "no data either week"
        if self.now.band is None or self.before.band is None:
            return f"{self.before.band or 'no data'} → {self.now.band or 'no data'}"
        up = BAND_ORDER.index(self.now.band) > BAND_ORDER.index(self.before.band)
        return f"{'up' if up else 'down'} from {self.before.band} to {self.now.band}"


@dataclass(frozen=True)
class Digest:
    team: Team
    ends: datetime
    keys: list[KeyChange]
    alerts_past_sla: int
    actions_overdue: int
    stale_pulls: int
    stale_pr_days: int

    @property
    def title(self) -> str:
        starts = timezone.localtime(self.ends - WEEK).date()
        return f"Weekly digest of {self.team.name}: {starts:%d %b} – {timezone.localtime(self.ends):%d %b %Y}"

    def text(self) -> str:
        """The digest's lines, each section with the absolute link to the page that shows its figures."""
        slug = self.team.slug
        lines = ["Four keys (last 7 days, against the 7 days before):"]
        for key in self.keys:
            band = f", {key.now.band}" if key.now.band else ""
            lines.append(f"- {KEYS[key.name]}: {key.now.text}{band} ({key.change})")
        lines.append(_link("dashboard:dora-trends", slug))
        lines.append(f"Dependabot alerts past SLA: {self.alerts_past_sla} {_link('dashboard:data', slug, 'alerts')}")
        lines.append(f"Overdue action items: {self.actions_overdue} {_link('postmortems:reminders', slug)}")
        pulls = _link("dashboard:data", slug, "pulls")
        lines.append(f"Open PRs stale for over {self.stale_pr_days} days: {self.stale_pulls} {pulls}")
        return "\n".join(lines)


def _link(name: str, team: str, kind: str | None = None) -> str:
    kwargs = {"team": team, "kind": kind} if kind else {"team": team}
    return f"{settings.SITE_URL}{reverse(name, kwargs=kwargs)}"


def digest_build(*, team: Team, now: datetime | None = None) -> Digest:
    """The team's digest of the 7 days before `now`, from the dashboard's own selectors."""
    now = now or timezone.now()
    dashboard = DashboardSettings.of(team)
    definitions = dashboard.dora_definitions()
    this_week = dora_counted(team=team, definitions=definitions, days=7, now=now).keys
    week_before = dora_counted(team=team, definitions=definitions, days=7, now=now - WEEK).keys
    pulls = open_pulls(team=team, stale_days=dashboard.stale_pr_days, now=now)
    return Digest(
        team=team,
        ends=now,
        keys=[KeyChange(name, this_week[name], week_before[name]) for name in KEYS],
        alerts_past_sla=dependabot_summary(team=team, sla_days=dashboard.alert_sla_days, now=now)["breaches"],
        actions_overdue=postmortem_figures(team=team, today=timezone.localdate(now))["actions_overdue"],
        stale_pulls=sum(1 for row in pulls["humans"] + pulls["bots"] if row["stale"]),
        stale_pr_days=dashboard.stale_pr_days,
    )


def digest_send(*, team: Team, now: datetime | None = None) -> Digest:
    """Build the team's digest and announce it (`digest.weekly`) to whoever listens."""
    digest = digest_build(team=team, now=now)
    emit(
        team=team,
        event=Event.DIGEST_WEEKLY,
        title=digest.title,
        summary=digest.text(),
        path=reverse("dashboard:home", kwargs={"team": team.slug}),
    )
    return digest


def _local_day(dashboard: DashboardSettings, now: datetime) -> date | None:
    """The team's local date when its digest is due at `now` (its day, at or after its hour), else None."""
    local = now.astimezone(ZoneInfo(dashboard.time_zone))
    if local.weekday() == dashboard.digest_weekday and local.hour >= dashboard.digest_hour:
        return local.date()
    return None


def digests_due_send(*, now: datetime | None = None) -> int:
    """Send the digest of every team whose chosen local day and hour have come, once per week; the count sent."""
    now = now or timezone.now()
    stored = {row.team_id: row for row in DashboardSettings.objects.all()}
    sent = 0
    for team in Team.objects.order_by("pk"):
        dashboard = stored.get(team.pk) or DashboardSettings(team=team)
        day = _local_day(dashboard, now)
        if day is None:
            continue
        if dashboard.pk is None:
            dashboard = DashboardSettings.of(team, stored=True)
        # The claim: only the run that moves the marker to today sends; a second run, or a day changed after this
        # week's digest went out, finds it sent less than a week ago.
        claimed = (
            DashboardSettings.objects.filter(pk=dashboard.pk)
            .filter(Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lte=day - WEEK))
            .update(digest_sent_on=day)
        )
        if claimed:
            digest_send(team=team, now=now)
            sent += 1
    return sent
