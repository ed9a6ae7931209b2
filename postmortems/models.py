"""Incidents and their blameless postmortems: timeline, action items (each a card), settings, alert intake.

Only `postmortems.services` changes these rows; the model methods hold the one-object rules.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.fields import EncryptedTextField
from core.models import TeamSettings
from core.querysets import TeamScopedQuerySet


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1"
    SEV2 = "SEV2", "SEV2"
    SEV3 = "SEV3", "SEV3"
    SEV4 = "SEV4", "SEV4"


SEVERITY_RANK = {Severity.SEV1: 1, Severity.SEV2: 2, Severity.SEV3: 3, Severity.SEV4: 4}

DEFAULT_SEVERITY_DESCRIPTIONS = {
    "SEV1": "Critical: the service is down or data is lost for many customers.",
    "SEV2": "Major: a core feature is broken or badly degraded for many customers.",
    "SEV3": "Minor: a feature is degraded for some customers; a workaround exists.",
    "SEV4": "Low: cosmetic or internal impact, no customer-visible harm.",
}
# Atlassian's handbook: priority actions within 4 weeks for the worst incidents, 8 otherwise.
DEFAULT_ACTION_SLO_WEEKS = {"SEV1": 4, "SEV2": 4, "SEV3": 8, "SEV4": 8}
DEFAULT_BLAME_PHRASES = [
    "forgot",
    "human error",
    "should have",
    "failed to",
    "careless",
    "didn't bother",
    "was negligent",
    "by mistake",
    "blame",
    "fault of",
]
BUILTIN_SECTIONS = ("summary", "impact", "trigger", "detection", "resolution")
# Google SRE's postmortem template: the sections a new postmortem starts with (field name → prompt).
# A team adds its own sections with any other name; a postmortem keeps their text in `custom_sections`.
DEFAULT_SECTIONS = [
    {"field": "summary", "prompt": "What happened, in two or three sentences."},
    {"field": "impact", "prompt": "Who was affected and how much: users, requests, revenue, duration."},
    {"field": "trigger", "prompt": "The change or event that started the incident."},
    {"field": "detection", "prompt": "How we found out: alert, customer report, a person noticing."},
    {"field": "resolution", "prompt": "What stopped the impact, and what restored full service."},
]
DEFAULT_SEVERITY_LABELS = {"critical": "SEV1", "page": "SEV1", "high": "SEV2", "warning": "SEV3", "info": "SEV4"}


class PostmortemSettings(TeamSettings, models.Model):
    """A team's postmortem rules: severities, action SLOs, template, blameless phrases, alert intake."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="postmortem_settings")
    severity_descriptions = models.JSONField(default=dict, blank=True)
    action_slo_weeks = models.JSONField(default=dict, blank=True)
    blame_phrases = models.JSONField(default=list, blank=True)
    sections = models.JSONField(default=list, blank=True)
    action_board = models.ForeignKey("kanban.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Alertmanager intake: which label carries the severity, and its values → SEV.
    severity_label = models.CharField(max_length=100, default="severity")
    severity_labels = models.JSONField(default=dict, blank=True)
    # SHA-256 of the bearer token: a high-entropy random token needs no slow hash, and it is never shown again.
    alertmanager_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The token itself, encrypted, so `alertmanager_token` can print it again (CONTRACT: "creating it once").
    alertmanager_token = EncryptedTextField(blank=True)

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self):
        return f"Postmortem settings of {self.team}"

    def severity_description(self, severity: str) -> str:
        return {**DEFAULT_SEVERITY_DESCRIPTIONS, **self.severity_descriptions}.get(severity, "")

    def all_severity_descriptions(self) -> dict[str, str]:
        return {**DEFAULT_SEVERITY_DESCRIPTIONS, **self.severity_descriptions}

    def due_date_for(self, severity: str, *, today: date | None = None) -> date:
        weeks = {**DEFAULT_ACTION_SLO_WEEKS, **self.action_slo_weeks}.get(severity, 8)
        return (today or timezone.localdate()) + timedelta(weeks=int(weeks))

    def phrases(self) -> list[str]:
        return self.blame_phrases or list(DEFAULT_BLAME_PHRASES)

    def template_sections(self) -> list[dict]:
        return self.sections or list(DEFAULT_SECTIONS)

    def custom_section_titles(self) -> list[str]:
        return [s["field"] for s in self.template_sections() if s["field"] not in BUILTIN_SECTIONS]

    def severity_for_labels(self, labels: dict) -> str:
        value = str(labels.get(self.severity_label, "")).lower()
        mapping = {k.lower(): v for k, v in {**DEFAULT_SEVERITY_LABELS, **self.severity_labels}.items()}
        if value.upper() in Severity.values:
            return value.upper()
        return mapping.get(value, Severity.SEV3)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class Postmortem(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="postmortems")
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    trigger = models.TextField(blank=True)
    contributing_factors = models.JSONField(default=list, blank=True)
    detection = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    custom_sections = models.JSONField(default=dict, blank=True, help_text="The team's own sections: title → text.")
    went_well = models.JSONField(default=list, blank=True)
    went_wrong = models.JSONField(default=list, blank=True)
    got_lucky = models.JSONField(default=list, blank=True)
    links = models.JSONField(default=list, blank=True)
    # The deployment that caused the incident (issue 13): DORA counts it as a failed change.
    caused_by_deployment = models.ForeignKey(
        "integrations.Deployment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Every searchable word (fields, tags, timeline) in one column, rewritten by the services after each
    # change. SQLite searches it with LIKE. On PostgreSQL the database keeps `search_vector` (its english
    # tsvector, GIN-indexed) in step with it (trigger of migration 0003), so ranking never re-parses text.
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Set when an Alertmanager group opened the incident: later notifications of the group find it here.
    alert_group_key = models.CharField(max_length=500, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-started_at", "-id"], name="pm_team_started"),
            models.Index(fields=["team", "status"], name="pm_team_status"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("postmortems:detail", kwargs={"team": self.team.slug, "pm_id": self.pk})

    @property
    def time_to_detect(self) -> int | None:
        """Seconds from start to detection; None while either is unknown."""
        if self.started_at is None or self.detected_at is None:
            return None
        return int((self.detected_at - self.started_at).total_seconds())

    @property
    def time_to_restore(self) -> int | None:
        """Seconds from start to resolution; None while the incident is ongoing."""
        if self.started_at is None or self.resolved_at is None:
            return None
        return int((self.resolved_at - self.started_at).total_seconds())

    @property
    def is_ongoing(self) -> bool:
        return self.resolved_at is None

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def tag_names(self) -> list[str]:
        """Tag names (uses prefetched tags when there are)."""
        return sorted(tag.name for tag in self.tags.all())

    def text_fields(self) -> dict:
        """The fields a revision records (what publishing freezes), JSON-ready."""
        data = {name: getattr(self, name) for name in TEXT_FIELDS}
        for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            data[name] = data[name].isoformat() if data[name] else None
        data["tags"] = self.tag_names()
        return data


TEXT_FIELDS = (
    "title",
    "severity",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "summary",
    "impact",
    "trigger",
    "contributing_factors",
    "detection",
    "resolution",
    "custom_sections",
    "went_well",
    "went_wrong",
    "got_lucky",
    "links",
)


# What people write in a postmortem (where an @mention notifies): Markdown fields, lines of lists, own sections.
PROSE_FIELDS = ("summary", "impact", "trigger", "detection", "resolution")
PROSE_LISTS = ("contributing_factors", "went_well", "went_wrong", "got_lucky")


def prose_of(fields: dict) -> list[str]:
    """The free text of `text_fields()` (or of a postmortem's changes), in reading order."""
    texts = [str(fields.get(name) or "") for name in PROSE_FIELDS]
    for name in PROSE_LISTS:
        texts += [str(line) for line in fields.get(name) or []]
    texts += [str(text) for text in (fields.get("custom_sections") or {}).values()]
    return texts


class Tag(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["postmortem", "name"], name="unique_pm_tag")]
        indexes = [models.Index(fields=["name"], name="pm_tag_name")]

    def __str__(self):
        return self.name


class TimelineKind(models.TextChoices):
    DETECTION = "detection", "Detection"
    ESCALATION = "escalation", "Escalation"
    ACTION = "action", "Action"
    COMMUNICATION = "communication", "Communication"
    RESOLUTION = "resolution", "Resolution"
    NOTE = "note", "Note"


class TimelineEntryQuerySet(TeamScopedQuerySet):
    team_path = "postmortem__team"


class TimelineEntry(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=TimelineKind.choices, default=TimelineKind.NOTE)
    text = models.TextField()
    # Where a suggested or alert entry came from ("deployment:123", "alert:<fingerprint>:firing"): added once.
    source = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["postmortem", "at"], name="pm_timeline_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ActionPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ActionItemQuerySet(TeamScopedQuerySet):
    team_path = "postmortem__team"

    def with_card(self):
        return self.select_related("card__column", "owner")

    def overdue(self, today: date | None = None) -> "ActionItemQuerySet":
        """Open items past their due date (an item with a card is open while its card is not in a done column)."""
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(
            models.Q(card__isnull=False, card__column__is_done=True) | models.Q(card__isnull=True, stored_status="done")
        )


class ActionItem(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=ActionPriority.choices, default=ActionPriority.NORMAL)
    # Used only while the item has no card; with a card, the card's column says whether it is done.
    stored_status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    card = models.OneToOneField(
        "kanban.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="postmortem_action"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_reminded_on = models.DateField(null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.description

    def get_absolute_url(self) -> str:
        return f"{self.postmortem.get_absolute_url()}#action-{self.pk}"

    @property
    def status(self) -> str:
        """Done when its card sits in a done column (the board is the truth), else the stored status."""
        if self.card_id is not None and self.card is not None:
            return ActionStatus.DONE if self.card.column.is_done else ActionStatus.OPEN
        return self.stored_status

    @property
    def is_done(self) -> bool:
        return self.status == ActionStatus.DONE

    def is_overdue(self, today: date | None = None) -> bool:
        return not self.is_done and self.due_date is not None and self.due_date < (today or timezone.localdate())


class Revision(models.Model):
    """A snapshot of the text before a change once a postmortem left draft: the visible revision trail."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(max_length=40)
    changed = models.JSONField(default=list)
    snapshot = models.JSONField(default=dict)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.action} {self.postmortem_id} {self.at:%Y-%m-%d %H:%M}"

    ACTION_LABELS = {
        "edited": "Edited",
        "review_requested": "Sent to review",
        "approved": "Approved",
        "published": "Published",
        "back_to_draft": "Back to draft",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action.replace("_", " ").capitalize())

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as the form names them ("Caused by deployment", not `caused_by_deployment`)."""
        names = {f.name: str(f.verbose_name) for f in Postmortem._meta.get_fields() if hasattr(f, "verbose_name")}
        return [names.get(name, name.replace("_", " ")).capitalize() for name in self.changed]


class AlertNotification(models.Model):
    """One Alertmanager webhook notification, stored before it is processed (inbox-first)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=500)
    status = models.CharField(max_length=20)  # firing | resolved
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)  # set with processed_at when the notification could not be processed
    postmortem = models.ForeignKey(Postmortem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # SHA-256 of the content (postmortems.alertmanager.payload_digest): a repeat is not stored twice.
    digest = models.CharField(max_length=64, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="pm_alert_unprocessed")]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "digest"], condition=~models.Q(digest=""), name="pm_alert_one_per_content"
            )
        ]

    def __str__(self):
        return f"{self.status} {self.group_key[:40]}"
