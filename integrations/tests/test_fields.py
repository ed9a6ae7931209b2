"""Secrets at rest: encrypted in the database, readable in Python, rotatable to a new key."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection as db_connection

from integrations.models import Connection
from integrations.tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def stored(connection_id: int, column: str) -> str:
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [connection_id])  # noqa: S608
        return cursor.fetchone()[0]


def test_secrets_are_stored_encrypted_and_read_back_plain():
    connection = ConnectionFactory(token="ghp_abc", webhook_secret="shh")
    assert stored(connection.pk, "token").startswith("fernet:")
    assert "ghp_abc" not in stored(connection.pk, "token")
    fresh = Connection.objects.get(pk=connection.pk)
    assert (fresh.token, fresh.webhook_secret) == ("ghp_abc", "shh")
    assert "ghp_abc" not in repr(fresh.token) and "ghp_abc" not in str(fresh.__dict__)


def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(settings):
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    connection = ConnectionFactory(token="ghp_abc", webhook_secret="shh")
    before = stored(connection.pk, "token")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new_key, old_key]

    out = io.StringIO()
    call_command("rotate_field_encryption", stdout=out)

    assert "secrets re-encrypted" in out.getvalue()
    after = stored(connection.pk, "token")
    assert after != before
    settings.FIELD_ENCRYPTION_KEY = [new_key]
    assert Connection.objects.get(pk=connection.pk).token == "ghp_abc"


def test_a_secret_cannot_be_read_without_its_key(settings):
    connection = ConnectionFactory(token="ghp_abc")
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Connection.objects.get(pk=connection.pk)


def test_rotation_encrypts_a_secret_that_was_stored_in_clear(settings):
    connection = ConnectionFactory(token="ghp_abc")
    with db_connection.cursor() as cursor:
        cursor.execute("UPDATE integrations_connection SET token = %s WHERE id = %s", ["ghp_plain", connection.pk])
    call_command("rotate_field_encryption", stdout=io.StringIO())
    assert stored(connection.pk, "token").startswith("fernet:")
    assert Connection.objects.get(pk=connection.pk).token == "ghp_plain"
