"""Retros: one meeting each, its notes, groups, votes, safety answers and action items.

Anonymity is a storage rule, not a display rule. In an anonymous retro no row names the author
of a note or a vote: those rows carry a random UUID key (an id sequence would leak the order of
writing) and no timestamp. Safety answers never carry their author, anonymous retro or not.
What a person may still do (vote budget, one safety answer) is kept in `Participation`, a
per-person counter that points at no item. Before the reveal a note of an anonymous retro
carries `owner_tag`, an HMAC of the note's id under a secret only its writer's browser holds
(see retros.privacy); the reveal erases the tags.
"""

import uuid
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.models import TeamSettings
from core.querysets import TeamScopedQuerySet


class Format(models.TextChoices):
    START_STOP_CONTINUE = "start_stop_continue", "Start / stop / continue"
    MAD_SAD_GLAD = "mad_sad_glad", "Mad / sad / glad"
    FOUR_LS = "4ls", "4Ls (liked, learned, lacked, longed for)"
    WELL_IMPROVE_IDEAS = "well_improve_ideas", "Went well / to improve / ideas"
    SAILBOAT = "sailboat", "Sailboat"
    CUSTOM = "custom", "Custom prompts"


FORMAT_PROMPTS = {
    Format.START_STOP_CONTINUE: ["Start", "Stop", "Continue"],
    Format.MAD_SAD_GLAD: ["Mad", "Sad", "Glad"],
    Format.FOUR_LS: ["Liked", "Learned", "Lacked", "Longed for"],
    Format.WELL_IMPROVE_IDEAS: ["Went well", "To improve", "Ideas"],
    Format.SAILBOAT: ["Wind (what pushes us)", "Anchors (what holds us back)", "Rocks (risks ahead)", "Island (goal)"],
}


class Phase(models.TextChoices):
    SAFETY = "safety", "Safety check"
    OPEN_ACTIONS = "open_actions", "Open actions"
    REFLECT = "reflect", "Reflect"
    GROUP = "group", "Group"
    VOTE = "vote", "Vote"
    DISCUSS = "discuss", "Discuss"
    SUMMARY = "summary", "Summary"


PHASE_ORDER = [p.value for p in Phase]
# Default timer per phase, in minutes (the facilitator can restart it with another length).
PHASE_MINUTES = {"safety": 3, "open_actions": 10, "reflect": 10, "group": 8, "vote": 5, "discuss": 30, "summary": 0}
DISCUSS_GROUP_MINUTES = 5  # the timer restarts with this when the discussion moves to a group

SAFETY_SCALE = [
    (1, "1 — I don't feel safe to speak up here"),
    (2, "2 — I'll keep most things to myself"),
    (3, "3 — I'll say some things, but hold back on others"),
    (4, "4 — I'll say almost anything"),
    (5, "5 — No problem, I'll talk about anything"),
]


# Below three answers a distribution can be traced back (two people compare; one answers alone).
SAFETY_MINIMUM_FLOOR = 3


class ChildQuerySet(TeamScopedQuerySet):
    """Rows of one retro: participations, answers, groups, notes, votes."""

    team_path = "retro__team"


class RetroSettings(TeamSettings, models.Model):
    """A team's retro defaults: the safety minimum and the board action items go to."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="retro_settings")
    safety_minimum = models.PositiveSmallIntegerField(
        default=SAFETY_MINIMUM_FLOOR,
        help_text="The safety distribution is shown only with at least this many answers (retros started later).",
    )
    board = models.ForeignKey("kanban.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self):
        return f"Retro settings of {self.team}"


class RetroSeries(models.Model):
    """A weekly meeting: finishing one of its retros creates the next."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="retro_series")
    title = models.CharField(max_length=100)
    format = models.CharField(max_length=24, choices=Format.choices, default=Format.START_STOP_CONTINUE)
    prompts = models.JSONField(default=list, blank=True)
    anonymous = models.BooleanField(default=True)
    interval_days = models.PositiveSmallIntegerField(default=7)
    active = models.BooleanField(default=True)

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self):
        return self.title


class Retro(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="retros")
    series = models.ForeignKey(RetroSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="retros")
    title = models.CharField(max_length=120)
    format = models.CharField(max_length=24, choices=Format.choices, default=Format.START_STOP_CONTINUE)
    prompts = models.JSONField(default=list)
    anonymous = models.BooleanField(default=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SAFETY)
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    board = models.ForeignKey("kanban.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    vote_budget = models.PositiveSmallIntegerField(default=5)
    group_vote_cap = models.PositiveSmallIntegerField(default=3, help_text="Votes one person may put on one group.")
    # Fixed when the retro starts: lowering the team's setting mid-retro must not expose answers one by one.
    safety_minimum = models.PositiveSmallIntegerField(default=SAFETY_MINIMUM_FLOOR, editable=False)
    notes_revealed = models.BooleanField(default=False)
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    discuss_group = models.ForeignKey("Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    scheduled_for = models.DateField(default=timezone.localdate)
    period_start = models.DateField(null=True, blank=True, help_text="Start of the period the data strip covers.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [models.Index(fields=["team", "-scheduled_for"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("retros:retro", kwargs={"team": self.team.slug, "retro_id": self.pk})

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(self.phase)

    def next_phase(self) -> str | None:
        index = self.phase_index
        return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None

    def previous_phase(self) -> str | None:
        return PHASE_ORDER[self.phase_index - 1] if self.phase_index > 0 else None

    def is_facilitator(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        return user.is_authenticated and user.pk == self.facilitator_id

    def notes_private(self) -> bool:
        """Whether notes are still private to their writers (reflect, before the reveal)."""
        return not self.notes_revealed

    @property
    def timer_minutes(self) -> int:
        """The length the timer started with on entering this phase (or the discussion's current group)."""
        if self.phase == Phase.DISCUSS and self.discuss_group_id is not None:
            return DISCUSS_GROUP_MINUTES
        return PHASE_MINUTES[self.phase]

    def timer_seconds_left(self, now: datetime | None = None) -> int | None:
        if self.timer_ends_at is None:
            return None
        return max(0, int((self.timer_ends_at - (now or timezone.now())).total_seconds()))


class Participation(models.Model):
    """What one person has used up in one retro; deliberately names no note, vote or answer."""

    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    votes_used = models.PositiveSmallIntegerField(default=0)
    safety_answered = models.BooleanField(default=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["retro", "user"], name="unique_retro_participation")]

    def __str__(self):
        return f"{self.user} in {self.retro}"


class SafetyAnswer(models.Model):
    """One answer on the 1–5 scale. No author and no time, in every retro."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="safety_answers")
    value = models.PositiveSmallIntegerField(choices=SAFETY_SCALE)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["value"]

    def __str__(self):
        return f"safety {self.value}"


class Group(models.Model):
    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="groups")
    title = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0, editable=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="notes")
    prompt = models.CharField(max_length=80)
    text = models.TextField(max_length=2000)
    # Null in anonymous retros, always.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # Anonymous retros before the reveal: HMAC(writer's browser secret, note id); erased at the reveal.
    owner_tag = models.CharField(max_length=64, blank=True, default="")
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes")
    hidden = models.BooleanField(default=False, help_text="Hidden by the facilitator (abusive).")

    objects = ChildQuerySet.as_manager()

    class Meta:
        # Content order: never the order of writing, which would follow the writers.
        ordering = ["prompt", "text", "id"]

    def __str__(self):
        return self.text[:60]


class Vote(models.Model):
    """One dot on a group. `voter` is null in anonymous retros; `owner_tag` keys the per-group cap."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="votes")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="dots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    owner_tag = models.CharField(max_length=64, blank=True, default="")

    objects = ChildQuerySet.as_manager()

    def __str__(self):
        return f"vote on {self.group_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class RetroActionQuerySet(TeamScopedQuerySet):
    team_path = "retro__team"

    def still_open(self):
        """Open items: not closed here, and not on a card that sits in a done column."""
        return self.filter(status=ActionStatus.OPEN).exclude(card__column__is_done=True)


class ActionItem(models.Model):
    retro = models.ForeignKey(Retro, on_delete=models.CASCADE, related_name="actions")
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    card = models.OneToOneField(
        "kanban.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="retro_action"
    )
    reviewed_in = models.ForeignKey(Retro, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RetroActionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text

    def live_status(self) -> str:
        """The status a person should see: its card's column decides while it has a card."""
        if self.status == ActionStatus.OPEN and self.card is not None and self.card.column.is_done:
            return ActionStatus.DONE
        return self.status

    def card_status(self) -> str:
        card = self.card
        if card is None:
            return ""
        return "archived" if card.archived_at else card.column.name

    def is_overdue(self, today: date | None = None) -> bool:
        return (
            self.live_status() == ActionStatus.OPEN
            and self.due_date is not None
            and self.due_date < (today or timezone.localdate())
        )
