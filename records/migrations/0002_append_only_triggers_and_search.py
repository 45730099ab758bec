"""On PostgreSQL: triggers that refuse UPDATE and DELETE on the archive's
tables, whoever connects (the second of the two guards; the first is in
records/models.py), and a GIN index for search. SQLite has neither."""

from django.db import migrations

TABLES = ("records_archiverecord", "records_archivefile", "records_recordpublication")

FUNCTION = """
CREATE OR REPLACE FUNCTION records_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the archive is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

SEARCH = (
    "CREATE INDEX IF NOT EXISTS record_search_gin ON records_archiverecord "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the % in the message are PL/pgSQL's, not placeholders.
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION records_refuse_change()"
        )
    schema_editor.execute(SEARCH)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS record_search_gin")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS records_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("records", "0001_archive")]

    operations = [migrations.RunPython(create, drop)]
