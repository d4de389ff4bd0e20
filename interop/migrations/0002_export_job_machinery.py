"""ExportJob becomes a job of ``coding.jobs``: heartbeat_at, attempts, unsent, sent_at.

Every existing column and value stays; a job a worker already took counts as one
attempt.
"""

from django.db import migrations, models


def count_first_attempts(apps, schema_editor):
    ExportJob = apps.get_model("interop", "ExportJob")
    ExportJob.objects.filter(started_at__isnull=False).update(attempts=1)


class Migration(migrations.Migration):

    dependencies = [
        ('interop', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportjob',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text='How many times a worker took the job.'),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, help_text='Last sign of life of the worker running it.', null=True),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='unsent',
            field=models.BooleanField(default=False, help_text='Queued, but no broker took the message yet.'),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='sent_at',
            field=models.DateTimeField(blank=True, help_text='When the message last went (or was offered) to the broker.', null=True),
        ),
        migrations.AlterField(
            model_name='exportjob',
            name='status',
            field=models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed')], default='queued', max_length=10, verbose_name='status'),
        ),
        migrations.RunPython(count_first_attempts, migrations.RunPython.noop),
    ]
