"""Survey answers typed in from paper forms (纸质问卷录入) by a committee
member; an index for the paper forms entered last and their count."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_feedback_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyanswer",
            name="on_paper",
            field=models.BooleanField(db_default=False, default=False, verbose_name="entered from a paper form"),
        ),
        migrations.AddIndex(
            model_name="surveyanswer",
            index=models.Index(fields=["survey", "on_paper", "-answered_at", "-id"], name="surveyanswer_survey_paper"),
        ),
    ]
