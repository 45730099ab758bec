"""A GIN index for complaint search on PostgreSQL; SQLite searches without one."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS complaint_search_gin ON complaints_complaint "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
)
DROP = "DROP INDEX IF EXISTS complaint_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_seed_categories")]

    operations = [migrations.RunPython(create, drop)]
