"""A GIN index for searching feedback entries on PostgreSQL, as complaints
and the archive have (committee_site.search); SQLite searches without one."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS feedback_search_gin ON feedback_feedbackentry "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
)
DROP = "DROP INDEX IF EXISTS feedback_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
