"""Notice numbers move to the shared reference counter (prefix ZG): start
each year's counter at the highest number already used."""

from django.db import migrations


def seed_counters(apps, schema_editor):
    RectificationNotice = apps.get_model("inspections", "RectificationNotice")
    ReferenceCounter = apps.get_model("committee_site", "ReferenceCounter")
    highest: dict[int, int] = {}
    for reference in RectificationNotice.objects.values_list("reference", flat=True):
        _prefix, year, number = reference.split("-")
        highest[int(year)] = max(highest.get(int(year), 0), int(number))
    for year, last in highest.items():
        ReferenceCounter.objects.update_or_create(prefix="ZG", year=year, defaults={"last": last})


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_seed_default_template"),
        ("committee_site", "0003_reference_counter"),
    ]

    operations = [migrations.RunPython(seed_counters, migrations.RunPython.noop)]
