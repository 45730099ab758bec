"""Complaint numbers move to the shared reference counter (prefix TS)."""

from django.db import migrations


def copy_counters(apps, schema_editor):
    ReferenceSequence = apps.get_model("complaints", "ReferenceSequence")
    ReferenceCounter = apps.get_model("committee_site", "ReferenceCounter")
    for sequence in ReferenceSequence.objects.all():
        ReferenceCounter.objects.update_or_create(prefix="TS", year=sequence.year, defaults={"last": sequence.last})


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_note_action"),
        ("committee_site", "0003_reference_counter"),
    ]

    operations = [
        migrations.RunPython(copy_counters, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReferenceSequence"),
    ]
