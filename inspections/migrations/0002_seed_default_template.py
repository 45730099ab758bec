"""The default 100-point checklist of DESIGN.md §6, in Chinese and English.
Editable afterwards (the admin edits it; committees copy it)."""

from django.db import migrations

from inspections.default_template import seed


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("committee_site", "0002_seed_service_areas_and_time_limits"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
