"""The "How DevOps are we?" report: the team's self-assessment, answered from its own data first.

Each practice is a `Finding` naming the DORA capability it evidences, whether the data (or the
team's checklist) says the team does it, and the evidence in words. What the data cannot show is
asked in a short checklist kept in the dashboard settings; unanswered items say so.
"""

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from dashboard.dora import DoraDefinitions, Key, dora_metrics
from dashboard.figures import first_review_hours
from dashboard.learning import learning_figures
from dashboard.models import DashboardSettings
from integrations.models import DependabotAlert, PullRequest, Repository, WorkflowRun
from kanban.models import Card, Column
from postmortems.incidents import incidents_counted
from teams.models import Team

# DORA's capability catalog (https://dora.dev/capabilities/): key → (name, kind).
CAPABILITIES = {
    "continuous-integration": ("Continuous integration", "technical"),
    "continuous-delivery": ("Continuous delivery", "technical"),
    "deployment-automation": ("Deployment automation", "technical"),
    "trunk-based-development": ("Trunk-based development", "technical"),
    "test-automation": ("Test automation", "technical"),
    "test-data-management": ("Test data management", "technical"),
    "shifting-left-on-security": ("Pervasive security", "technical"),
    "version-control": ("Version control", "technical"),
    "loosely-coupled-architecture": ("Loosely coupled teams", "technical"),
    "database-change-management": ("Database change management", "technical"),
    "monitoring-and-observability": ("Monitoring and observability", "technical"),
    "proactive-failure-notification": ("Proactive failure notification", "technical"),
    "cloud-infrastructure": ("Flexible infrastructure", "technical"),
    "code-maintainability": ("Code maintainability", "technical"),
    "empowering-teams-to-choose-tools": ("Empowering teams to choose tools", "technical"),
    "documentation-quality": ("Documentation quality", "technical"),
    "wip-limits": ("Limiting work in progress", "process"),
    "visual-management": ("Visual management", "process"),
    "working-in-small-batches": ("Working in small batches", "process"),
    "streamlining-change-approval": ("Streamlining change approval", "process"),
    "customer-feedback": ("Customer feedback", "process"),
    "team-experimentation": ("Team experimentation", "process"),
    "work-visibility-in-value-stream": ("Visibility of work in the value stream", "process"),
    "monitoring-systems-to-inform-business-decisions": ("Monitoring systems to inform decisions", "process"),
    "learning-culture": ("Learning culture", "cultural"),
    "generative-organizational-culture": ("Generative organizational culture", "cultural"),
    "job-satisfaction": ("Job satisfaction", "cultural"),
    "transformational-leadership": ("Transformational leadership", "cultural"),
    "well-being": ("Well-being", "cultural"),
}

# What data cannot show, asked once and kept with the report: key → (question, group, capability).
CHECKLIST = {
    "containerised": (
        "Does the app run from containers or one command in development?",
        "flow",
        "cloud-infrastructure",
    ),
    "monitoring": (
        "Do you have metrics and dashboards for the running service?",
        "feedback",
        "monitoring-and-observability",
    ),
    "alerting": (
        "Do alerts page someone automatically when the service fails?",
        "feedback",
        "proactive-failure-notification",
    ),
    "issue_templates": ("Do your repositories have issue and PR templates?", "feedback", "documentation-quality"),
    "db_migrations": (
        "Are database changes versioned and applied by the deploy?",
        "flow",
        "database-change-management",
    ),
    "customer_feedback": ("Does user feedback reach the team within a week?", "feedback", "customer-feedback"),
}

SUGGESTIONS = {
    "continuous-integration": "Run a CI workflow on every pull request (GitHub Actions on `pull_request`).",
    "deployment-automation": "Deploy from a workflow and record GitHub deployments to `production`.",
    "continuous-delivery": "Deploy smaller changes more often: aim for at least one production deploy a week.",
    "trunk-based-development": "Merge pull requests within a day: split work so branches live short.",
    "test-automation": "Keep the default branch green: fix or quarantine failing tests first.",
    "shifting-left-on-security": "Fix Dependabot alerts within their SLA; turn critical ones into cards.",
    "streamlining-change-approval": "Review pull requests within a day of opening (a review rota helps).",
    "wip-limits": "Set WIP limits on the board's working columns and respect them.",
    "working-in-small-batches": "Split cards so each finishes within a few days.",
    "learning-culture": "Write a blameless postmortem after each incident and publish it.",
    "generative-organizational-culture": "Hold a retro every week and run its safety check.",
    "code-maintainability": "Merge dependency-update pull requests regularly (Dependabot).",
    "visual-management": "Keep the board current: move cards as work happens.",
}


@dataclass
class Finding:
    capability: str
    group: str  # flow | feedback | learning
    status: str  # yes | not_yet | unknown
    evidence: str
    source: str = "data"  # data | checklist
    rule: str = ""  # the threshold that puts the finding on its side, in words ("why?")

    @property
    def capability_name(self) -> str:
        return CAPABILITIES[self.capability][0]


@dataclass
class Report:
    team: str
    days: int
    generated_at: datetime
    dora: dict
    findings: list[Finding] = field(default_factory=list)

    def of_status(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]

    def next_improvements(self) -> list[dict]:
        return [
            {"capability": f.capability, "suggestion": SUGGESTIONS[f.capability], "because": f.evidence}
            for f in self.of_status("not_yet")
            if f.capability in SUGGESTIONS
        ]

    def coverage(self) -> dict:
        """How many of DORA's capabilities the data answers, the checklist answers, and neither: they add up."""
        from_data = {f.capability for f in self.findings if f.status != "unknown" and f.source == "data"}
        from_checklist = {f.capability for f in self.findings if f.status != "unknown"} - from_data
        return {
            "catalog": len(CAPABILITIES),
            "answered": len(from_data) + len(from_checklist),
            "from_data": len(from_data),
            "from_checklist": len(from_checklist),
            "open": len(CAPABILITIES) - len(from_data) - len(from_checklist),
        }

    def as_dict(self) -> dict:
        findings = [asdict(f) | {"capability_name": f.capability_name} for f in self.findings]
        return {
            "team": self.team,
            "days": self.days,
            "generated_at": self.generated_at.isoformat(),
            "dora": self.dora,
            "ways_we_are_devops": [f for f in findings if f["status"] == "yes"],
            "ways_we_are_not_devops_yet": [f for f in findings if f["status"] == "not_yet"],
            "unknown": [f for f in findings if f["status"] == "unknown"],
            "next_improvements": self.next_improvements(),
            "capabilities": self.coverage(),
        }


def report_build(*, team: Team, days: int = 90, now: datetime | None = None) -> Report:
    """Assess the team's practices over the last `days` days from its board, GitHub data, postmortems and retros."""
    now = now or timezone.now()
    settings = DashboardSettings.of(team)
    definitions = settings.dora_definitions()
    keys = dora_metrics(team=team, days=days, definitions=definitions, now=now)
    report = Report(team=team.name, days=days, generated_at=now, dora={k: v.as_dict() for k, v in keys.items()})
    start = now - timedelta(days=days)
    report.findings += _flow_findings(team, start, now, keys)
    report.findings += _feedback_findings(team, start, now, settings)
    report.findings += _learning_findings(team, start, now, definitions)
    report.findings += _checklist_findings(settings)
    return report


def _yes(condition: bool | None) -> str:
    return "unknown" if condition is None else ("yes" if condition else "not_yet")


def _flow_findings(team: Team, start: datetime, now: datetime, keys: dict[str, Key]) -> list[Finding]:
    repos = Repository.objects.for_team(team).count()
    merged = PullRequest.objects.for_team(team).filter(merged_at__gt=start, deleted_at=None)
    merged_count = merged.count()
    with_ci = merged.exclude(ci_state="").count()
    lifetimes = [
        (merged_at - created_at).total_seconds() / 3600
        for created_at, merged_at in merged.values_list("created_at", "merged_at")
        if merged_at is not None  # never: `merged` is filtered on it, but the column is nullable
    ]
    median_life = statistics.median(lifetimes) if lifetimes else None
    bot_merges = merged.filter(author__endswith="[bot]").count()
    frequency = keys["deployment_frequency"]
    ci_ok = with_ci / merged_count >= 0.8 if merged_count else None
    delivers = frequency.band in ("elite", "high") if repos else None
    findings = [
        Finding(
            "version-control",
            "flow",
            _yes(True if repos else None),
            f"{repos} {'repository' if repos == 1 else 'repositories'} connected to GitHub sync.",
            rule="Yes when at least one repository is connected.",
        ),
        Finding(
            "continuous-integration",
            "flow",
            _yes(ci_ok),
            f"{with_ci} of {_count(merged_count, 'pull request')} merged in {(now - start).days} days had CI checks.",
            rule="Yes when at least 80 % of merged pull requests had CI checks.",
        ),
        Finding(
            "deployment-automation",
            "flow",
            _yes(frequency.sample_size > 0 if repos else None),
            f"{_count(frequency.sample_size, 'deployment')} counted in the period (as the DORA settings define one).",
            rule="Yes when at least one deployment was recorded in the period.",
        ),
        Finding(
            "continuous-delivery",
            "flow",
            _yes(delivers),
            f"Deployment frequency band: {frequency.band or 'no deployments'}.",
            rule="Yes when deployment frequency is in the elite or high band (at least once a week).",
        ),
        Finding(
            "trunk-based-development",
            "flow",
            _yes(median_life < 24 if median_life is not None else None),
            f"Median pull request lifetime (opened → merged): {_hours_text(median_life)}"
            f" over {_count(merged_count, 'merge')}.",
            rule="Yes when the median pull request is merged within 24 h of opening.",
        ),
        Finding(
            "code-maintainability",
            "flow",
            _yes(bot_merges > 0 if merged_count else None),
            f"{_count(bot_merges, 'dependency-update pull request')} (bots) merged.",
            rule="Yes when at least one dependency-update pull request was merged.",
        ),
    ]
    return findings + _board_findings(team, start)


def _board_findings(team: Team, start: datetime) -> list[Finding]:
    columns = (
        Column.objects.for_team(team)
        .filter(is_done=False)
        .aggregate(total=Count("id"), limited=Count("id", filter=Q(wip_limit__isnull=False)))
    )
    done = [
        (started_at, done_at)
        for started_at, done_at in (
            Card.objects.for_team(team)
            .filter(done_at__gt=start, started_at__isnull=False)
            .values_list("started_at", "done_at")
        )
        if started_at is not None and done_at is not None  # never: the filter excludes both
    ]
    cycle = statistics.median([(d - s).total_seconds() / 86400 for s, d in done]) if done else None
    moved = Card.objects.for_team(team).filter(updated_at__gt=start).count()
    return [
        Finding(
            "wip-limits",
            "flow",
            _yes(columns["limited"] * 2 >= columns["total"] if columns["total"] else None),
            f"{columns['limited']} of {columns['total']} working columns have a WIP limit.",
            rule="Yes when at least half of the working columns have a WIP limit.",
        ),
        Finding(
            "working-in-small-batches",
            "flow",
            _yes(cycle <= 3 if cycle is not None else None),
            f"Median cycle time of the {len(done)} cards finished: {_days_text(cycle)}.",
            rule="Yes when the median card finishes within 3 days of starting.",
        ),
        Finding(
            "visual-management",
            "flow",
            _yes(moved > 0 if columns["total"] else None),
            f"{_count(moved, 'card')} changed on the board in the period.",
            rule="Yes when at least one card changed on the board in the period.",
        ),
    ]


def _feedback_findings(team: Team, start: datetime, now: datetime, settings: DashboardSettings) -> list[Finding]:
    runs = (
        WorkflowRun.objects.for_team(team)
        .filter(created_at__gt=start, status="completed", head_branch=F("repository__default_branch"))
        .aggregate(total=Count("id"), green=Count("id", filter=Q(conclusion="success")))
    )
    green = runs["green"] / runs["total"] if runs["total"] else None
    reviews = first_review_hours(team=team, start=start, end=now)
    pickup = statistics.median(reviews) if reviews else None
    breaches = 0
    for severity, created_at in (
        DependabotAlert.objects.for_team(team).filter(state="open").values_list("severity", "created_at")
    ):
        sla = settings.sla_days(severity)
        if sla is not None and (now - created_at).days > sla:
            breaches += 1
    alerts_seen = DependabotAlert.objects.for_team(team).exists()
    return [
        Finding(
            "test-automation",
            "feedback",
            _yes(green >= 0.8 if green is not None else None),
            f"{_percent(green)} of {runs['total']} CI runs on the default branch passed.",
            rule="Yes when at least 80 % of CI runs on the default branch passed.",
        ),
        Finding(
            "streamlining-change-approval",
            "feedback",
            _yes(pickup < 24 if pickup is not None else None),
            f"Median time to a first review: {_hours_text(pickup)} ({len(reviews)} reviewed pull requests).",
            rule="Yes when the median pull request gets its first review within 24 h.",
        ),
        Finding(
            "shifting-left-on-security",
            "feedback",
            _yes(breaches == 0 if alerts_seen else None),
            f"{_count(breaches, 'open Dependabot alert')} past their SLA.",
            rule="Yes when no open Dependabot alert is past its severity's SLA.",
        ),
    ]


def _learning_findings(team: Team, start: datetime, now: datetime, definitions: DoraDefinitions) -> list[Finding]:
    incidents = incidents_counted(team=team, definitions=definitions, since=start, until=now)
    figures = learning_figures(team=team, incidents=incidents, since=start, until=now)
    learns = None  # no incident and no action item due says nothing about learning from them
    if figures.incidents or figures.actions_due:
        written = figures.published * 2 >= figures.incidents
        followed_up = figures.actions_done_on_time >= 0.8 * figures.actions_due
        learns = written and followed_up
    return [
        Finding(
            "learning-culture",
            "learning",
            _yes(learns),
            f"{_count(figures.published, 'postmortem')} published for {_count(figures.incidents, 'incident')};"
            f" {figures.actions_done_on_time} of {_count(figures.actions_due, 'due action item')} done on time.",
            rule="Yes when postmortems are published for at least half of the incidents"
            " and at least 80 % of the action items due were done on time.",
        ),
        Finding(
            "generative-organizational-culture",
            "learning",
            _yes(figures.retros_held > 0 and figures.retros_safe * 2 >= figures.retros_held),
            f"{_count(figures.retros_held, 'retro')} held, {figures.retros_safe} with a safety check where people"
            f" speak up; latest safety check: {figures.safety_text}.",
            rule="Yes when at least half of the retros held had a safety check with enough answers to show"
            " and a median answer of 4 or 5 (people say almost anything).",
        ),
    ]


def _checklist_findings(settings: DashboardSettings) -> list[Finding]:
    findings = []
    for key, (question, group, capability) in CHECKLIST.items():
        answer = settings.checklist.get(key)
        status = "unknown" if answer is None else ("yes" if answer else "not_yet")
        evidence = (
            f"Team checklist: {question} {'Yes.' if answer else 'No.' if answer is not None else 'Not answered yet.'}"
        )
        rule = "As the team answers this question in the report's checklist."
        findings.append(Finding(capability, group, status, evidence, source="checklist", rule=rule))
    return findings


def _count(n: int, singular: str, plural: str = "") -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _hours_text(hours: float | None) -> str:
    if hours is None:
        return "no data"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _days_text(days: float | None) -> str:
    return "no data" if days is None else f"{days:.1f} days"


def _percent(ratio: float | None) -> str:
    return "none" if ratio is None else f"{round(100 * ratio)} %"
