"""The full-text index on PostgreSQL (GIN over the same to_tsvector expression `postmortem_search` uses).

SQLite has no tsvector; there the search is a LIKE scan, and this migration does nothing.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("search_text", config="english"), name="pm_search_text")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("postmortems", "Postmortem"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("postmortems", "Postmortem"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0001_initial")]
    operations = [migrations.RunPython(add_index, remove_index)]
