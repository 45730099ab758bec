"""Reminders of inspections move to the reminder sweep: ReminderClaim goes,
notices keep when the work was reported done (filled in from the events for
those awaiting re-inspection), and the sweep's ranges get their indexes."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_submitted_at(apps, schema_editor):
    Notice = apps.get_model("inspections", "RectificationNotice")
    Event = apps.get_model("inspections", "RectificationEvent")
    last_report = (
        Event.objects.filter(notice_id=OuterRef("pk"), action="submit").order_by("-at", "-id").values("at")[:1]
    )
    Notice.objects.filter(status="awaiting_review").update(submitted_at=Subquery(last_report))


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0006_signing_party_pending"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ReminderClaim",
        ),
        migrations.AddField(
            model_name="rectificationnotice",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reported done at"),
        ),
        migrations.RunPython(fill_submitted_at, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(
                condition=models.Q(("status", "planned")), fields=["planned_on", "id"], name="inspection_planned_day"
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationnotice",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress", "failed"])),
                fields=["deadline", "id"],
                name="notice_work_deadline",
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationnotice",
            index=models.Index(
                condition=models.Q(("status", "awaiting_review")),
                fields=["submitted_at", "id"],
                name="notice_review_submitted",
            ),
        ),
    ]
