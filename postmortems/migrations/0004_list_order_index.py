"""The list's order (newest start first, unknown starts last) as an index on PostgreSQL.

`ORDER BY started_at DESC NULLS LAST` cannot use the `(team, -started_at)` index (PostgreSQL puts NULLs
first in a descending index), so each list page sorted the team's postmortems. SQLite's CREATE INDEX has
no NULLS LAST; there the sort stays.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX pm_team_started_nulls_last ON postmortems_postmortem "
    "(team_id, started_at DESC NULLS LAST, id DESC)"
)
DROP = "DROP INDEX IF EXISTS pm_team_started_nulls_last"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0003_search_vector")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
