"""The analysis app's background work becomes jobs of ``coding.jobs``.

``AnalysisResult``, ``AutoCodeRun`` and ``AnalysisState`` (the code-frequency job)
take the abstract job's fields; every row and value is kept:

* ``AnalysisResult`` gains ``finished_at`` (done and failed rows: when they were
  computed, else when they started or were asked for), ``heartbeat_at`` and
  ``attempts``.
* ``AutoCodeRun.created_at`` is renamed ``requested_at`` (the job's name for when it
  was asked for; same values); the run gains ``started_at``, ``heartbeat_at``,
  ``attempts`` and ``unsent``. Its status keeps its extra value ``undone``.
* ``AnalysisState``: ``frequencies_status`` becomes ``status`` with ``idle`` mapped
  to ``done`` (the last job finished; whether the figures still hold is the change
  record's to say), ``frequencies_started_at`` and ``frequencies_error`` become
  ``started_at`` and ``error``; ``finished_at`` of a done state is when its
  figures were computed. ``changes_snapshot`` starts empty: the first read after
  the upgrade takes the changes after ``last_change_id``, as before.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce

JOB_STATUS = [
    ("queued", "queued"),
    ("running", "running"),
    ("done", "done"),
    ("failed", "failed"),
]
HEARTBEAT_HELP = "Last sign of life of the worker running it."
ATTEMPTS_HELP = "How many times a worker took the job."
UNSENT_HELP = "Queued, but no broker took the message yet."


def _job_fields(model_name: str, names: list[str]) -> list:
    fields = {
        "started_at": models.DateTimeField(blank=True, null=True),
        "finished_at": models.DateTimeField(blank=True, null=True),
        "heartbeat_at": models.DateTimeField(
            blank=True, null=True, help_text=HEARTBEAT_HELP
        ),
        "attempts": models.PositiveSmallIntegerField(
            default=0, help_text=ATTEMPTS_HELP
        ),
        "unsent": models.BooleanField(default=False, help_text=UNSENT_HELP),
        "requested_at": models.DateTimeField(default=django.utils.timezone.now),
    }
    return [
        migrations.AddField(model_name=model_name, name=name, field=fields[name])
        for name in names
    ]


def forward(apps, schema_editor):
    AnalysisResult = apps.get_model("analysis", "AnalysisResult")
    AnalysisState = apps.get_model("analysis", "AnalysisState")
    AnalysisResult.objects.filter(status__in=["done", "failed"]).update(
        finished_at=Coalesce("computed_at", "started_at", "requested_at")
    )
    AnalysisState.objects.filter(status="idle").update(status="done")
    AnalysisState.objects.filter(status="done").update(
        finished_at=F("frequencies_computed_at")
    )


def backward(apps, schema_editor):
    AnalysisState = apps.get_model("analysis", "AnalysisState")
    AnalysisState.objects.filter(status="done").update(status="idle")


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0002_state_reads_change_record"),
        ("coding", "0012_coding_change_xid"),
    ]

    operations = [
        # AnalysisResult
        migrations.AlterField(
            model_name="analysisresult",
            name="status",
            field=models.CharField(
                choices=JOB_STATUS,
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        *_job_fields("analysisresult", ["finished_at", "heartbeat_at", "attempts"]),
        # AutoCodeRun
        migrations.RenameField(
            model_name="autocoderun", old_name="created_at", new_name="requested_at"
        ),
        migrations.AlterModelOptions(
            name="autocoderun", options={"ordering": ["-requested_at", "-id"]}
        ),
        migrations.AlterField(
            model_name="autocoderun",
            name="status",
            field=models.CharField(
                choices=[*JOB_STATUS, ("undone", "undone")],
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        *_job_fields(
            "autocoderun", ["started_at", "heartbeat_at", "attempts", "unsent"]
        ),
        # AnalysisState
        migrations.RenameField(
            model_name="analysisstate", old_name="frequencies_status", new_name="status"
        ),
        migrations.AlterField(
            model_name="analysisstate",
            name="status",
            field=models.CharField(
                choices=JOB_STATUS,
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RenameField(
            model_name="analysisstate",
            old_name="frequencies_started_at",
            new_name="started_at",
        ),
        migrations.RenameField(
            model_name="analysisstate", old_name="frequencies_error", new_name="error"
        ),
        *_job_fields(
            "analysisstate",
            ["requested_at", "finished_at", "heartbeat_at", "attempts", "unsent"],
        ),
        migrations.AddField(
            model_name="analysisstate",
            name="changes_snapshot",
            field=models.TextField(
                blank=True,
                help_text="The snapshot the last changes were read in (pg_snapshot text).",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
