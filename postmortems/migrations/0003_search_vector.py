"""A stored tsvector for full-text search on PostgreSQL, kept by the database from `search_text`.

Migration 0002's expression index made PostgreSQL re-parse every matching postmortem's text to rank it
(about 1 ms a row); the stored vector is parsed once per write. PostgreSQL's built-in
`tsvector_update_trigger` fills it on every insert and update. SQLite keeps the column empty and
searches `search_text` with LIKE; this migration only adds the column there.
"""

import django.contrib.postgres.search
from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS pm_search_text",
    "CREATE TRIGGER postmortem_search_vector BEFORE INSERT OR UPDATE ON postmortems_postmortem "
    "FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(search_vector, 'pg_catalog.english', search_text)",
    "UPDATE postmortems_postmortem SET search_text = search_text",
    "CREATE INDEX pm_search_vector ON postmortems_postmortem USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS pm_search_vector",
    "DROP TRIGGER IF EXISTS postmortem_search_vector ON postmortems_postmortem",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0002_search_index")]

    operations = [
        migrations.AddField(
            model_name="postmortem",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
