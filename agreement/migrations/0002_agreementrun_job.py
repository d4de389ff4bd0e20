# An agreement run becomes a job of the core's machinery (``coding.jobs.models.Job``):
# three new columns (heartbeat_at, attempts, unsent). status, requested_at,
# started_at, finished_at and error keep their columns and values; status only
# gains the abstract field's verbose name (no SQL). Runs left queued or running by
# the old code are resent (or failed, if older than a day) by the job reaper.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("agreement", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, help_text="Last sign of life of the worker running it.", null=True),
        ),
        migrations.AddField(
            model_name="agreementrun",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="How many times a worker took the job."),
        ),
        migrations.AddField(
            model_name="agreementrun",
            name="unsent",
            field=models.BooleanField(default=False, help_text="Queued, but no broker took the message yet."),
        ),
        migrations.AlterField(
            model_name="agreementrun",
            name="status",
            field=models.CharField(choices=[("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")], default="queued", max_length=10, verbose_name="status"),
        ),
    ]
