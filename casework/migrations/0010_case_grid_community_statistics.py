"""Tell PostgreSQL's planner that a case's grid determines its community.

A dispatcher's list filtered by grid asks for `community_id IN (…) AND grid_id = …`; without
this the planner multiplies the two selectivities, expects ~30x too few rows and sorts them
all instead of walking the `case_grid_recent` index (bench/case_list.py, BENCHMARKS.md).
Extended statistics are PostgreSQL-only; other databases skip this migration's SQL.
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS casework_case_grid_community (dependencies) "
    "ON grid_id, community_id FROM casework_case"
)
DROP = "DROP STATISTICS IF EXISTS casework_case_grid_community"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No ANALYZE here: on the empty table of a new database it would record "no rows",
        # which stays where autovacuum is off; the statistics fill at the first ANALYZE.
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("casework", "0009_open311")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
