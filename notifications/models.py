"""A team's notification channels and the log of what was sent to them; a person's own inbox and e-mail choices."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.events import Event
from core.fields import EncryptedTextField
from core.querysets import TeamScopedQuerySet

# What a new channel hears unless the owner picks otherwise: what a team's chat usually wants.
DEFAULT_EVENTS = [
    Event.INCIDENT_OPENED,
    Event.POSTMORTEM_REVIEW_REQUESTED,
    Event.POSTMORTEM_PUBLISHED,
    Event.RETRO_STARTED,
    Event.RETRO_CLOSED,
    Event.SYNC_FAILING,
    Event.WIP_LIMIT_HIT,
    Event.DIGEST_WEEKLY,
]


def default_events() -> list[str]:
    return [str(event) for event in DEFAULT_EVENTS]


class Channel(models.Model):
    """Where a team hears about events: one Apprise URL (a secret: encrypted, shown masked) and its events."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="notification_channels")
    name = models.CharField(max_length=100)
    url = EncryptedTextField(help_text="Apprise URL; holds the service's token.")
    service = models.CharField(max_length=40, help_text="The service's name, derived from the URL.")
    masked_url = models.CharField(max_length=300, help_text="What pages and the API show of the URL.")
    events = models.JSONField(default=default_events)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_channel_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("notifications:channel-edit", kwargs={"team": self.team.slug, "channel_id": self.pk})


class DeliveryQuerySet(TeamScopedQuerySet):
    team_path = "channel__team"


class Delivery(models.Model):
    """One message to one channel: what it said, and how sending it went (the error in plain words)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed, will try again"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    TEST = "test"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.event} to {self.channel_id} ({self.status})"


class SyncFailureNotice(models.Model):
    """That a repository's failing sync was announced, for the failure streak since `last_success_at` (once each)."""

    repository = models.OneToOneField("integrations.Repository", on_delete=models.CASCADE, related_name="+")
    last_success_at = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"sync failure of {self.repository_id} announced"


# What an integrator's webhook may subscribe to: card, postmortem and incident events.
WEBHOOK_EVENTS = [
    Event.CARD_CREATED,
    Event.INCIDENT_OPENED,
    Event.POSTMORTEM_REVIEW_REQUESTED,
    Event.POSTMORTEM_PUBLISHED,
]


class Webhook(models.Model):
    """An integrator's URL that receives the team's events as signed JSON (X-Devopsboard-Signature-256)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="outbound_webhooks")
    url = EncryptedTextField(help_text="Where the events are POSTed; may hold a token.")
    masked_url = models.CharField(max_length=300)
    secret = EncryptedTextField(help_text="The HMAC-SHA256 key of the signature header.")
    events = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.masked_url


class HookDeliveryQuerySet(TeamScopedQuerySet):
    team_path = "webhook__team"


class HookDelivery(models.Model):
    """One event POSTed to one webhook; a redelivery sends the same `delivery_id` (X-Devopsboard-Delivery)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Delivery.Status.choices, default=Delivery.Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = HookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "hook deliveries"

    def __str__(self):
        return f"{self.event} {self.delivery_id}"


# What reaches a person's own inbox (notifications.people decides who): each may also come by e-mail.
PERSONAL_EVENTS = [
    Event.MENTIONED,
    Event.POSTMORTEM_REVIEW_REQUESTED,
    Event.ACTION_ITEM_DUE_SOON,
    Event.ACTION_ITEM_OVERDUE,
]


def default_email_events() -> list[str]:
    return [str(event) for event in PERSONAL_EVENTS]


class NotificationQuerySet(TeamScopedQuerySet):
    def of(self, person: Any) -> "NotificationQuerySet":
        return self.filter(recipient=person)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event told to one person in one team: their in-app list, unread until they open it or mark all read."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    path = models.CharField(max_length=500, help_text="Where opening it leads, within the app.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "team", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "team"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self):
        return f"{self.event} to {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailPreference(models.Model):
    """Which of the personal events a person also gets by e-mail (no row: the defaults, every one of them)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    events = models.JSONField(default=default_email_events)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"e-mail preferences of {self.user_id}"
