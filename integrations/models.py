"""GitHub data of a team: connections (credentials), repositories, and the rows sync and webhooks write.

Rows are keyed on GitHub's ids per repository (a repository connected by two teams is
stored twice, each team's copy scoped to it). Times named like GitHub's (`created_at`,
`updated_at`) are GitHub's; `synced_at` is when we last wrote the row.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from core.fields import EncryptedTextField
from core.models import TeamSettings
from core.querysets import TeamScopedQuerySet
from integrations.definitions import BENCHMARKS, FREQUENCY_UNITS, LEAD_TIME_PULLS, RECOVERY, TRIGGERS, DoraDefinitions
from teams.models import Team

DEFAULT_API_URL = "https://api.github.com"


class RepositoryOwnedQuerySet(TeamScopedQuerySet):
    """Rows that belong to a team through their repository."""

    team_path = "repository__team"


class Connection(models.Model):
    """Credentials to reach GitHub for one team, and the webhook secret GitHub signs with."""

    class AuthKind(models.TextChoices):
        TOKEN = "token", "Personal access token"
        APP = "app", "GitHub App installation"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="github_connections")
    name = models.CharField(max_length=100, blank=True)
    api_url = models.URLField(default=DEFAULT_API_URL)
    auth_kind = models.CharField(max_length=10, choices=AuthKind.choices, default=AuthKind.TOKEN)
    token = EncryptedTextField(blank=True)
    app_id = models.CharField(max_length=32, blank=True)
    app_private_key = EncryptedTextField(blank=True)
    installation_id = models.CharField(max_length=32, blank=True)
    installation_token = EncryptedTextField(blank=True)
    installation_token_expires_at = models.DateTimeField(null=True, blank=True)
    webhook_secret = EncryptedTextField()
    # Seeded demo data (seed_demo): never synced from GitHub, and "Sync now" says so.
    demo = models.BooleanField(default=False)
    # Board automation from events (see issue 5): {"board": id, "label": "...", "columns": {...}}.
    automation = models.JSONField(default=dict, blank=True)
    # GitHub's id of the webhook (X-GitHub-Hook-ID), which the reconciler asks for failed deliveries.
    webhook_hook_id = models.BigIntegerField(null=True, blank=True)
    webhook_reconciled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    # Set by the webhooks page for its template: the URL to paste into GitHub, the automation form.
    payload_url: str
    form: Any

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name or f"GitHub connection {self.pk}"

    def webhook_path(self) -> str:
        return reverse("github-webhooks-public:receive", kwargs={"connection_id": self.pk})


class Repository(models.Model):
    class SyncStatus(models.TextChoices):
        IDLE = "idle", "Idle"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RATE_LIMITED = "rate_limited", "Waiting for the rate limit"
        FAILED = "failed", "Failed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="github_repositories")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="repositories")
    # Which GitHub (github.com or an Enterprise server) the repository lives on: ids and names are per GitHub.
    api_url = models.URLField(default=DEFAULT_API_URL)
    github_id = models.BigIntegerField(null=True, blank=True)
    owner = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    full_name = models.CharField(max_length=201)
    html_url = models.URLField(blank=True)
    default_branch = models.CharField(max_length=255, blank=True)
    private = models.BooleanField(default=False)
    sync_enabled = models.BooleanField(default=True)
    sync_interval_minutes = models.PositiveIntegerField(default=15)
    # When the periodic `github.sync_due` task next starts a sync; None: paused (disabled, or access lost).
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    metrics_window_days = models.PositiveIntegerField(default=90)
    sync_status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.IDLE)
    sync_progress = models.JSONField(default=dict, blank=True)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    # GraphQL's budget is separate: points an hour, read from each answer's `rateLimit`.
    graphql_rate_limit_remaining = models.IntegerField(null=True, blank=True)
    graphql_rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    # Set by the GitHub page for its template: the repository's own sync settings form.
    interval_form: Any

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "repositories"
        constraints = [
            models.UniqueConstraint(fields=["team", "api_url", "full_name"], name="unique_team_github_repository")
        ]

    def __str__(self):
        return self.full_name

    def rate_limit_wait_until(self):
        """When a sync stopped by a rate limit may run again: the reset of the budget that ran out (or None)."""
        if self.sync_status != self.SyncStatus.RATE_LIMITED:
            return None
        if (self.sync_progress or {}).get("waiting_for") == "graphql":
            return self.graphql_rate_limit_reset_at
        return self.rate_limit_reset_at


class SyncCursor(models.Model):
    """Where the sync of one resource of a repository stands: watermark, ETag, page to resume from."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="cursors")
    resource = models.CharField(max_length=32)
    since = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    resume_url = models.TextField(blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RepositoryOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "resource"], name="unique_cursor")]

    def __str__(self):
        return f"{self.repository} {self.resource}"


class GitHubRow(models.Model):
    """Fields every synced row has: its team and repository, GitHub's id, when we wrote it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    github_id = models.BigIntegerField()
    html_url = models.URLField(max_length=500, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Issue(GitHubRow):
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=1024)
    state = models.CharField(max_length=10)  # open | closed
    state_reason = models.CharField(max_length=20, blank=True)
    author = models.CharField(max_length=100, blank=True)
    assignees = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # deleted or transferred away

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_issue")]
        indexes = [models.Index(fields=["team", "state"]), models.Index(fields=["repository", "number"])]

    def __str__(self):
        return f"{self.repository_id}#{self.number} {self.title}"


class PullRequest(GitHubRow):
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=1024)
    state = models.CharField(max_length=10)  # open | closed
    author = models.CharField(max_length=100, blank=True)
    assignees = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=list, blank=True)
    requested_reviewers = models.JSONField(default=list, blank=True)
    draft = models.BooleanField(default=False)
    head_sha = models.CharField(max_length=40, blank=True)
    head_ref = models.CharField(max_length=255, blank=True)
    base_ref = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=40, blank=True)
    # Details that cost a request per PR: only for open PRs and PRs merged in the metrics window.
    review_state = models.CharField(max_length=20, blank=True)  # approved | changes_requested | commented | ""
    ci_state = models.CharField(max_length=20, blank=True)  # success | failure | pending | ""
    first_commit_at = models.DateTimeField(null=True, blank=True)
    details_synced_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_pull")]
        indexes = [models.Index(fields=["team", "state"]), models.Index(fields=["repository", "number"])]

    def __str__(self):
        return f"{self.repository_id}!{self.number} {self.title}"

    @property
    def shown_state(self) -> str:
        """`open`, `merged` or `closed`: GitHub says `closed` for a merged pull request too."""
        return "merged" if self.merged_at else self.state


class PullRequestReference(models.Model):
    """An issue of the same repository a pull request closes ("Fixes #12" in its body, GitHub's keywords).

    Kept from each pull request's body as stored, so a card made from the issue finds its pull requests.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="closing_references")
    issue_number = models.PositiveIntegerField()

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pull_request", "issue_number"], name="unique_pull_reference")]
        indexes = [models.Index(fields=["repository", "issue_number"], name="pull_reference_issue")]

    def __str__(self):
        return f"{self.pull_request_id} closes #{self.issue_number}"


class Review(GitHubRow):
    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="reviews")
    author = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20)  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_review")]

    def __str__(self):
        return f"review {self.github_id} {self.state}"


class DependabotAlert(GitHubRow):
    # Alerts are keyed on number; django-stubs cannot express a subclass loosening the base field.
    github_id = models.BigIntegerField(null=True, blank=True)  # type: ignore[assignment]
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=20)  # open | dismissed | fixed | auto_dismissed
    severity = models.CharField(max_length=10, blank=True)  # low | medium | high | critical
    package = models.CharField(max_length=255, blank=True)
    ecosystem = models.CharField(max_length=50, blank=True)
    manifest_path = models.CharField(max_length=500, blank=True)
    ghsa_id = models.CharField(max_length=50, blank=True)
    cve_id = models.CharField(max_length=50, blank=True)
    summary = models.CharField(max_length=1024, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    auto_dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "number"], name="unique_alert")]
        indexes = [models.Index(fields=["team", "state", "severity"])]

    def __str__(self):
        return f"alert {self.number} {self.package} {self.severity}"


class AlertCardRule(models.Model):
    """Which of a team's Dependabot alerts become cards: a column of one board per severity (none: no card).

    The cards are closed (moved to the board's first done column) when their alert is fixed or dismissed.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="alert_card_rule")
    board = models.ForeignKey("kanban.Board", on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=dict, blank=True)  # severity -> column id, e.g. {"critical": 3}
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self):
        return f"alert cards of {self.team_id} on {self.board_id}"


class WorkflowRun(GitHubRow):
    workflow_id = models.BigIntegerField(null=True, blank=True)
    workflow_name = models.CharField(max_length=255, blank=True)
    run_number = models.PositiveIntegerField(default=0)
    run_attempt = models.PositiveIntegerField(default=1)
    event = models.CharField(max_length=50, blank=True)
    head_branch = models.CharField(max_length=255, blank=True)
    head_sha = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, blank=True)  # queued | in_progress | completed ...
    conclusion = models.CharField(max_length=20, blank=True)  # success | failure | cancelled ...
    created_at = models.DateTimeField()
    run_started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_run")]
        indexes = [models.Index(fields=["team", "workflow_name", "head_branch"])]

    def __str__(self):
        return f"{self.workflow_name} #{self.run_number}"


class CommitsState(models.TextChoices):
    """How much is known of the commits a deployment shipped (empty: not looked at yet)."""

    COMPARED = "compared", "Compared with the previous deployment"
    FIRST = "first", "The first deployment of its environment: nothing to compare with"
    UNKNOWN = "unknown", "A sha is missing, or GitHub cannot compare the two"


class Deployment(GitHubRow):
    environment = models.CharField(max_length=255, blank=True)
    ref = models.CharField(max_length=255, blank=True)
    sha = models.CharField(max_length=40, blank=True)
    task = models.CharField(max_length=100, blank=True)
    creator = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The latest status: success | failure | error | inactive | in_progress | queued | pending.
    status = models.CharField(max_length=20, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    # When a status `success` was first seen, kept when GitHub later marks the deployment `inactive`
    # (superseded by a newer one): what DORA counts as a deployment, at this time. Null: never succeeded.
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # What the deployment shipped, by GitHub's compare with the previous successful deployment of
    # its environment (`ShippedCommit` rows): COMPARED is the only state whose commits are known.
    commits = models.CharField(max_length=10, choices=CommitsState.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_deployment")]
        # The next counted deployment of a repository after a merge (lead time): one index probe a PR.
        indexes = [models.Index(fields=["repository", "environment", "succeeded_at"], name="deployment_succeeded")]

    def __str__(self):
        return f"deployment {self.github_id} to {self.environment}"


class ShippedCommit(models.Model):
    """A commit a deployment shipped: in GitHub's compare of the previous successful deployment's sha with its own.

    A merged pull request belongs to the (first) deployment that shipped its merge commit (issue 20).
    """

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="shipped_commits")
    sha = models.CharField(max_length=40)

    objects = RepositoryOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "sha"], name="unique_shipped_commit")]
        # Which deployment shipped a pull request's merge commit: one index probe per PR.
        indexes = [models.Index(fields=["repository", "sha"], name="shipped_commit_sha")]

    def __str__(self):
        return f"{self.sha[:7]} shipped by {self.deployment_id}"


class Release(GitHubRow):
    tag_name = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    draft = models.BooleanField(default=False)
    prerelease = models.BooleanField(default=False)
    author = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    # A tombstone: GitHub never reuses a release id, so no later (or late) event brings it back.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["repository", "github_id"], name="unique_release")]

    def __str__(self):
        return self.tag_name


class CommitCheck(models.Model):
    """The CI state of one commit, from check suites: a pull request created after them finds it here."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    head_sha = models.CharField(max_length=40)
    state = models.CharField(max_length=20)  # success | failure | pending
    # When the suite that gave `state` was last updated on GitHub: an older completion never wins.
    state_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "head_sha"], name="unique_commit_check")]

    def __str__(self):
        return f"{self.head_sha[:7]} {self.state}"


class Push(models.Model):
    """A push event (webhooks only): which commits reached which branch, when."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    delivery_guid = models.CharField(max_length=64, unique=True)
    ref = models.CharField(max_length=255)
    before = models.CharField(max_length=40, blank=True)
    after = models.CharField(max_length=40, blank=True)
    pusher = models.CharField(max_length=100, blank=True)
    commit_count = models.PositiveIntegerField(default=0)
    head_commit_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField()

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-pushed_at"]

    def __str__(self):
        return f"push to {self.ref} ({self.after[:7]})"


class WebhookDelivery(models.Model):
    """One request GitHub sent, stored raw before anything else happens (an inbox)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    # Every index costs each acknowledgement an insert: the FKs are covered by the composite indexes below.

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    guid = models.CharField(max_length=64)
    event = models.CharField(max_length=64)
    action = models.CharField(max_length=64, blank=True)
    repository_full_name = models.CharField(max_length=201, blank=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(null=True, blank=True)  # raw, pruned after the retention period
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # backoff after a failed attempt
    processed_at = models.DateTimeField(null=True, blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["connection", "guid"], name="unique_delivery")]
        indexes = [
            models.Index(fields=["team", "-received_at"]),
            # What drains and sweeps list: the deliveries still waiting, oldest first.
            models.Index(fields=["received_at"], condition=models.Q(status="received"), name="delivery_waiting"),
        ]

    def __str__(self):
        return f"{self.event}.{self.action} {self.guid}"


def _default_environments() -> list:
    return ["production"]


def _default_sources() -> list:
    return ["deployments"]


class DeliverySettings(TeamSettings, models.Model):
    """What the team counts as a deployment and as an incident (`DoraDefinitions`); the CONTRACT's until changed.

    Kept beside the data it selects, so every app that shows a deployment or incident figure (the
    dashboard, retros, postmortem attribution) reads the same choices.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="delivery_settings")
    deploy_environments = models.JSONField(
        default=_default_environments, help_text="GitHub environments whose deployments count for DORA."
    )
    incident_label = models.CharField(max_length=50, default="incident")
    # What counts as a deployment (integrations.definitions.SOURCES).
    deploy_sources = models.JSONField(default=_default_sources)
    deploy_workflow = models.CharField(max_length=255, blank=True)
    workflow_trigger = models.CharField(max_length=20, choices=list(TRIGGERS.items()), default="default_branch")
    rollback_hours = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(24 * 30)],
        help_text="A rollback or hotfix merged within this many hours marks a deployment failed; 0: off.",
    )
    # DORA's 2023 model, part by part (integrations.definitions); the defaults are the CONTRACT's.
    frequency_unit = models.CharField(max_length=20, choices=list(FREQUENCY_UNITS.items()), default="per_day")
    recovery = models.CharField(max_length=20, choices=list(RECOVERY.items()), default="incidents")
    lead_time_pulls = models.CharField(max_length=20, choices=list(LEAD_TIME_PULLS.items()), default="merged")
    benchmarks = models.CharField(max_length=4, choices=list(BENCHMARKS.items()), default="2023")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "delivery settings"

    def __str__(self):
        return f"Delivery definitions of {self.team_id}"

    def definitions(self) -> DoraDefinitions:
        return DoraDefinitions(
            environments=tuple(self.deploy_environments),
            incident_label=self.incident_label,
            sources=tuple(self.deploy_sources),
            workflow=self.deploy_workflow,
            workflow_trigger=self.workflow_trigger,
            rollback_hours=self.rollback_hours,
            frequency_unit=self.frequency_unit,
            recovery=self.recovery,
            lead_time_pulls=self.lead_time_pulls,
            benchmarks=self.benchmarks,
        )
