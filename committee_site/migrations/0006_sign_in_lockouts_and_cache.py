"""django-axes counts failed sign-ins now (its own tables), so LoginFailure
goes; pending applications may share a username (the committee confirms it at
approval); and the embedded shared cache gets its table, whatever CACHE_URL
says today, so that switching to it later needs no extra step."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "committee_site_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("committee_site", "0005_clock_defaults"),
    ]

    operations = [
        migrations.DeleteModel(
            name="LoginFailure",
        ),
        migrations.RemoveConstraint(
            model_name="ownerapplication",
            name="ownerapp_unique_pending_username",
        ),
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
