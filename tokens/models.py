"""API tokens, stored as a SHA-256 digest: the key itself is shown once, at creation, and never kept."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# Keys keep DRF's shape (40 hex characters) so scripts that parse them need no change.
KEY_BYTES = 20
PREFIX_LENGTH = 8


def key_generate() -> str:
    return secrets.token_hex(KEY_BYTES)


def key_digest(key: str) -> str:
    # A random 160-bit key needs no slow hash: there is nothing to guess that a digest would hide better.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def usable(self):
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()))


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The key's first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # A read-only token may only read (GET, HEAD, OPTIONS): tokens/permissions.py.
    read_only = models.BooleanField(default=False)
    # The token whose request created this one: revoking it revokes this one too.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
