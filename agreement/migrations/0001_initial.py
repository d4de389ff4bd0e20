# The agreement models move out of the ``coding`` app without touching the data:
# the tables (``coding_agreementrun``, ``coding_agreementsettings``) keep their
# names, indexes and constraints; only Django's state and the content types move.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["agreementrun", "agreementsettings"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="agreement", model__in=MOVED).exists():
        return
    ContentType.objects.filter(app_label="coding", model__in=MOVED).update(
        app_label="agreement"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("coding", "0008_coding_change"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgreementRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("selection", models.JSONField(default=dict)),
                        ("selection_hash", models.CharField(max_length=64)),
                        ("status", models.CharField(choices=[("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")], default="queued", max_length=10)),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                        ("result", models.JSONField(blank=True, null=True)),
                        ("disagreements", models.JSONField(blank=True, null=True)),
                        ("codings_changed_at", models.DateTimeField(blank=True, help_text="The project's codings_changed_at when the data were read.", null=True)),
                        ("codebook_version", models.ForeignKey(blank=True, help_text="The latest frozen codebook version when the run was requested.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="agreement_runs", to="coding.codebookversion")),
                        ("project", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="agreement_runs", to="coding.project")),
                        ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "coding_agreementrun",
                        "ordering": ["-requested_at", "-id"],
                        "indexes": [models.Index(fields=["project", "selection_hash"], name="coding_agreementrun_sel")],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("status__in", ["queued", "running", "done", "failed"])), name="coding_agreementrun_status_valid"),
                            models.CheckConstraint(condition=models.Q(("progress__lte", 100)), name="coding_agreementrun_progress_percent"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AgreementSettings",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("good", models.FloatField(default=0.8, verbose_name="good from")),
                        ("tentative", models.FloatField(default=0.667, verbose_name="tentative from")),
                        ("percent_good", models.FloatField(default=90.0, verbose_name="percentage agreement good from")),
                        ("percent_tentative", models.FloatField(default=80.0, verbose_name="percentage agreement tentative from")),
                        ("n_resamples", models.PositiveIntegerField(default=1000, verbose_name="bootstrap resamples")),
                        ("seed", models.PositiveIntegerField(default=1, verbose_name="random seed")),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("project", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="agreement_settings", to="coding.project")),
                    ],
                    options={
                        "db_table": "coding_agreementsettings",
                        "verbose_name": "agreement settings",
                        "verbose_name_plural": "agreement settings",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("tentative__lte", models.F("good"))), name="coding_agreementsettings_tentative_not_above_good"),
                            models.CheckConstraint(condition=models.Q(("percent_tentative__lte", models.F("percent_good"))), name="coding_agreementsettings_percent_tentative_not_above_good"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
