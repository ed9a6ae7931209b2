"""A team's dashboard settings: thresholds, the report's checklist, the badge token (DORA definitions: integrations)."""

import secrets
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.crypto import constant_time_compare, salted_hmac

from core.models import TeamSettings
from core.querysets import TeamScopedQuerySet
from integrations.definitions import DoraDefinitions
from integrations.models import DeliverySettings

DEFAULT_ALERT_SLA_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180}


def _default_sla() -> dict:
    return dict(DEFAULT_ALERT_SLA_DAYS)


# Migration 0002 names these defaults of the fields that moved to integrations.DeliverySettings.
def _default_environments() -> list:
    return ["production"]


def _default_sources() -> list:
    return ["deployments"]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a time zone; use a name like Europe/Berlin.")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def new_badge_salt() -> str:
    return secrets.token_hex(16)


class DashboardSettings(TeamSettings, models.Model):
    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="dashboard_settings")
    stale_pr_days = models.PositiveIntegerField(default=7, help_text="Open PRs untouched this long are stale.")
    alert_sla_days = models.JSONField(default=_default_sla, help_text="Days to fix a Dependabot alert, per severity.")
    # The report's answers to what data cannot show: {practice key: true/false}.
    checklist = models.JSONField(default=dict, blank=True)
    # The badge token is derived (HMAC of SECRET_KEY) from the team and this salt: nothing secret
    # is stored, and a new salt revokes every badge URL handed out before.
    badge_salt = models.CharField(max_length=32, blank=True)
    # The weekly digest (dashboard.digest): the day and hour it goes out, in the team's time zone.
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The team's time zone, e.g. Europe/Berlin.",
    )
    digest_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    digest_hour = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(23)], help_text="0–23, in the team's time zone."
    )
    # The local date the last digest went out: the once-a-week marker.
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "dashboard settings"

    def __str__(self):
        return f"Dashboard settings of {self.team}"

    @property
    def badge_token(self) -> str:
        return salted_hmac("dashboard.badge", f"{self.team_id}:{self.badge_salt}").hexdigest()[:32]

    def badge_token_matches(self, token: str) -> bool:
        return constant_time_compare(self.badge_token, token or "")

    def dora_definitions(self) -> DoraDefinitions:
        """The team's deployment and incident definitions (stored by integrations, beside the data)."""
        return DeliverySettings.of(self.team).definitions()

    def sla_days(self, severity: str) -> int | None:
        return self.alert_sla_days.get(severity)


class RepositoryBadgeQuerySet(TeamScopedQuerySet):
    team_path = "repository__team"


class RepositoryBadge(models.Model):
    """A repository whose CI badges the team's owners publish, with the token of its own badge URLs.

    Without this row a repository has no badge at all. The token is derived (HMAC of SECRET_KEY) from the
    repository and the salt: nothing secret is stored, a token opens one repository's badges only, and a
    new salt (or removing the badge) revokes the URLs handed out before.
    """

    repository = models.OneToOneField("integrations.Repository", on_delete=models.CASCADE, related_name="badge")
    salt = models.CharField(max_length=32, default=new_badge_salt)

    objects = RepositoryBadgeQuerySet.as_manager()

    def __str__(self):
        return f"Badge of {self.repository}"

    @property
    def token(self) -> str:
        return salted_hmac("dashboard.badge.repository", f"{self.repository_id}:{self.salt}").hexdigest()[:32]

    def token_matches(self, token: str) -> bool:
        return constant_time_compare(self.token, token or "")
