import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import interop.models

MOVED = ["exportjob", "pendingimport"]


def rename_content_types(apps, schema_editor):
    """The moved models keep their content types (and so their permissions)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label="interop", model=model).exists():
            continue
        ContentType.objects.filter(app_label="coding", model=model).update(
            app_label="interop"
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
                    name='PendingImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=300, storage=interop.models.interop_storage, upload_to='')),
                        ('original_name', models.CharField(max_length=300)),
                        ('size', models.PositiveBigIntegerField(default=0)),
                        ('name', models.CharField(help_text='Name of the new project.', max_length=200, verbose_name='project name')),
                        ('summary', models.JSONField(default=dict)),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pending_imports', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-uploaded_at', '-id'],
                        'db_table': 'coding_pendingimport',
                    },
                ),
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('segments_csv', 'coded segments (CSV)'), ('segments_xlsx', 'workbook: segments, codebook, cases, frequencies (Excel)'), ('codebook_csv', 'codebook (CSV)'), ('codebook_qdc', 'codebook (REFI-QDA .qdc)'), ('cases_csv', 'cases with their attributes (CSV)'), ('code_document_csv', 'code × document counts (CSV)'), ('project_qdpx', 'project (REFI-QDA .qdpx)'), ('backup', "full backup (.qdpx with Regie's extras)")], max_length=20)),
                        ('params', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed')], default='queued', max_length=10)),
                        ('progress', models.PositiveBigIntegerField(default=0, help_text='Rows (or items) written so far.')),
                        ('total', models.PositiveBigIntegerField(default=0, help_text='Rows (or items) expected; 0 when unknown.')),
                        ('file', models.FileField(blank=True, max_length=300, storage=interop.models.interop_storage, upload_to='')),
                        ('filename', models.CharField(blank=True, max_length=200)),
                        ('error', models.TextField(blank=True)),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='export_jobs', to='coding.project')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='export_jobs', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-requested_at', '-id'],
                        'db_table': 'coding_exportjob',
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed'])), name='coding_exportjob_status_valid'), models.CheckConstraint(condition=models.Q(('kind__in', ['segments_csv', 'segments_xlsx', 'codebook_csv', 'codebook_qdc', 'cases_csv', 'code_document_csv', 'project_qdpx', 'backup'])), name='coding_exportjob_kind_valid')],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, migrations.RunPython.noop),
    ]
