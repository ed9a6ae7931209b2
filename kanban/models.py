"""Boards, their columns and swimlanes, cards and everything that happens to a card.

A card's position is a sort key within its column, with gaps between neighbours (see
`kanban.services`): lower is higher up, and it may be negative. Only the services change it.
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.querysets import TeamScopedQuerySet


class WipMode(models.TextChoices):
    SOFT = "soft", "Soft (shown as over the limit)"
    HARD = "hard", "Hard (moves are refused)"


class Board(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    archive_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Archive cards that have sat in a done column this many days. Empty: never.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("kanban:board", kwargs={"team": self.team.slug, "board_id": self.pk})


class ColumnQuerySet(TeamScopedQuerySet):
    team_path = "board__team"


class Column(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    wip_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    wip_mode = models.CharField(max_length=4, choices=WipMode.choices, default=WipMode.SOFT)
    is_done = models.BooleanField(default=False, help_text="Cards here count as finished.")

    objects = ColumnQuerySet.as_manager()

    class Meta:
        ordering = ["board", "position", "id"]

    def __str__(self):
        return self.name

    def limit_text(self) -> str:
        return f"WIP limit {self.wip_limit} ({self.wip_mode})" if self.wip_limit is not None else ""


class SwimlaneQuerySet(TeamScopedQuerySet):
    team_path = "board__team"


class Swimlane(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="swimlanes")
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    wip_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open cards allowed in this lane outside done columns."
    )
    wip_mode = models.CharField(max_length=4, choices=WipMode.choices, default=WipMode.SOFT)

    objects = SwimlaneQuerySet.as_manager()

    class Meta:
        ordering = ["board", "position", "id"]

    def __str__(self):
        return self.name


class LabelColor(models.TextChoices):
    # A fixed palette: the CSP forbids inline styles, so each colour is a CSS class.
    GRAY = "gray", "Gray"
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"


class Label(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=40)
    color = models.CharField(max_length=10, choices=LabelColor.choices, default=LabelColor.GRAY)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_label_per_team")]

    def __str__(self):
        return self.name


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class SourceKind(models.TextChoices):
    NONE = "", "None"
    GITHUB_ISSUE = "github_issue", "GitHub issue"
    GITHUB_PULL = "github_pull", "GitHub pull request"
    DEPENDABOT_ALERT = "dependabot_alert", "Dependabot alert"
    POSTMORTEM_ACTION = "postmortem_action", "Postmortem action item"
    RETRO_ACTION = "retro_action", "Retro action item"


class CardQuerySet(TeamScopedQuerySet):
    # `team` repeats board.team, so scoping is one indexed filter (the default path).

    def open(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class Card(models.Model):
    # `team` repeats board.team so every scoped query is one indexed filter.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="cards")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    # RESTRICT, not PROTECT: deleting a board deletes its columns and cards together.
    column = models.ForeignKey(Column, on_delete=models.RESTRICT, related_name="cards")
    swimlane = models.ForeignKey(Swimlane, on_delete=models.SET_NULL, null=True, blank=True, related_name="cards")
    position = models.BigIntegerField(default=0, help_text="Sort key in the column (ascending), not an index.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cards")
    labels = models.ManyToManyField(Label, blank=True, related_name="cards")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    due_date = models.DateField(null=True, blank=True)
    blocked = models.BooleanField(default=False)
    blocked_reason = models.CharField(max_length=300, blank=True)
    # Checklist progress kept by the services, so the board shows it without counting rows.
    checklist_total = models.PositiveIntegerField(default=0, editable=False)
    checklist_done = models.PositiveIntegerField(default=0, editable=False)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, blank=True, default="")
    source_id = models.CharField(max_length=200, blank=True, help_text='e.g. "owner/name#12"')
    source_url = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Flow timestamps, kept by the services from the same events as the history.
    column_entered_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CardQuerySet.as_manager()
    # What other apps say about the card in one render (kanban.annotations.cards_annotate); not stored.
    annotations: list

    class Meta:
        ordering = ["column__position", "position", "id"]
        indexes = [
            models.Index(fields=["column", "archived_at", "position"], name="card_column_position"),
            models.Index(fields=["team", "source_kind", "source_id"], name="card_source"),
            models.Index(fields=["board", "archived_at", "done_at"], name="card_board_done"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("kanban:card", kwargs={"team": self.team.slug, "card_id": self.pk})

    def wip_age_days(self, now=None) -> int | None:
        """Whole days since work started, for cards not finished yet."""
        if self.started_at is None or self.done_at is not None:
            return None
        return ((now or timezone.now()) - self.started_at).days


class ChecklistItemQuerySet(TeamScopedQuerySet):
    team_path = "card__team"


class ChecklistItem(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class CommentQuerySet(TeamScopedQuerySet):
    team_path = "card__team"


class Comment(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment on {self.card_id} by {self.author}"


class CardEventKind(models.TextChoices):
    CREATED = "created", "created"
    MOVED = "moved", "moved"
    EDITED = "edited", "edited"
    ASSIGNED = "assigned", "assignees changed"
    LABELLED = "labelled", "labels changed"
    BLOCKED = "blocked", "blocked"
    UNBLOCKED = "unblocked", "unblocked"
    COMMENTED = "commented", "commented"
    CHECKLIST = "checklist", "checklist changed"
    ARCHIVED = "archived", "archived"
    RESTORED = "restored", "restored"


class CardEventQuerySet(TeamScopedQuerySet):
    team_path = "board__team"


class CardEvent(models.Model):
    """One line of a card's history; flow metrics are replayed from the created/moved lines."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="card_events")
    kind = models.CharField(max_length=12, choices=CardEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    from_column = models.ForeignKey(Column, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_column = models.ForeignKey(Column, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CardEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["board", "created_at"], name="cardevent_board_time")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.card_id}"

    def summary(self) -> str:
        """One human sentence for the history list."""
        data = self.data
        if self.kind == CardEventKind.CREATED:
            blocked = f", blocked: {data['blocked']}" if data.get("blocked") else ""
            return f"created in {data.get('to', '?')}{blocked}"
        if self.kind == CardEventKind.MOVED:
            if data.get("from") == data.get("to"):
                return f"reordered in {data.get('to')}"
            return f"moved from {data.get('from', '?')} → {data.get('to', '?')}"
        if self.kind == CardEventKind.EDITED:
            return "edited " + ", ".join(_field_name(name) for name in data.get("fields", []))
        if self.kind in (CardEventKind.ASSIGNED, CardEventKind.LABELLED):
            parts = []
            if data.get("added"):
                parts.append("added " + ", ".join(data["added"]))
            if data.get("removed"):
                parts.append("removed " + ", ".join(data["removed"]))
            noun = "assignees" if self.kind == CardEventKind.ASSIGNED else "labels"
            return f"{noun}: " + "; ".join(parts)
        if self.kind == CardEventKind.BLOCKED:
            return f"blocked: {data.get('reason', '')}".rstrip(": ")
        if self.kind == CardEventKind.CHECKLIST:
            return f"checklist: {data.get('text', '')} {data.get('change', '')}".strip()
        return self.get_kind_display()


def _field_name(name: str) -> str:
    """A card field as people say it ("due date", not `due_date`); unknown names stay readable."""
    try:
        return str(getattr(Card._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # a field removed since the history line was written
        return name.replace("_", " ")
