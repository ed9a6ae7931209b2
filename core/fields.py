"""Secrets at rest: a text field encrypted with Fernet keys from FIELD_ENCRYPTION_KEY.

FIELD_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated, newest first. New
values are encrypted with the first; every listed key decrypts, so a key is rotated by
prepending a new one and running `manage.py rotate_field_encryption`.
Without any key a key is derived from SECRET_KEY (fine for development; `check --deploy` warns).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEY if k.strip()]
    if not keys:
        # `check --deploy` warns about this (devopsboard.W001): rotating SECRET_KEY would lose the secrets.
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY is not a list of Fernet keys: {error}") from None


def encrypt(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        raise ImproperlyConfigured("A secret in the database is not encrypted; run rotate_field_encryption.")
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY; was a key removed?"
        ) from None


def rotate(value: str) -> str:
    """Re-encrypt a stored value with the newest key."""
    return PREFIX + _fernet().rotate(value[len(PREFIX) :].encode()).decode()


class Secret(str):
    """A decrypted secret whose repr never shows the value (so it never reaches a log)."""

    def __repr__(self):
        return "Secret('***')"


class EncryptedTextField(models.TextField):
    """Stores `fernet:<token>`; Python code sees the plain value as a `Secret`."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return Secret(decrypt(value))

    def to_python(self, value):
        if value in (None, "") or isinstance(value, Secret):
            return value
        if isinstance(value, str) and value.startswith(PREFIX):
            return Secret(decrypt(value))
        return Secret(value)

    def get_prep_value(self, value):
        if value in (None, ""):
            return value
        return encrypt(str(value))
