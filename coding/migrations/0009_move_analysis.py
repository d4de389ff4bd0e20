"""The analysis models now live in the ``analysis`` app (state only; tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0008_coding_change"),
        ("analysis", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AnalysisState"),
                migrations.DeleteModel(name="CodeFrequency"),
                migrations.DeleteModel(name="ProjectStopWords"),
                migrations.DeleteModel(name="AnalysisResult"),
                migrations.DeleteModel(name="AutoCodeRun"),
            ],
        ),
    ]
