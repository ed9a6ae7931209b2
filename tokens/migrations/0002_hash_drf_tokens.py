"""Carry DRF's clear-text tokens (rest_framework.authtoken) over as digests, then drop their table.

The keys keep working; the clear text leaves the database. A database that never had the table
(a fresh install) has nothing to carry over.
"""

import hashlib
from datetime import UTC

from django.db import migrations
from django.utils import timezone


def hash_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("tokens", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="drf token",
            prefix=key[:8],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            # SQLite hands back naive datetimes from raw SQL; they were written in UTC.
            created_at=timezone.make_aware(created, UTC) if timezone.is_naive(created) else created,
        )
        for key, user_id, created in rows
    )
    schema_editor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("tokens", "0001_initial")]

    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]
