"""The analysis models, moved from the ``coding`` app: state only, tables unchanged.

The tables keep their ``coding_*`` names (``db_table``), so nothing is written to
the database except the content types, which move to the ``analysis`` label.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["analysisstate", "codefrequency", "projectstopwords", "analysisresult", "autocoderun"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label="analysis", model=model).exists():
            continue
        ContentType.objects.filter(app_label="coding", model=model).update(
            app_label="analysis"
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
                    name='AnalysisState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('codings_changed_at', models.DateTimeField(blank=True, null=True)),
                        ('dirty_code_ids', models.JSONField(blank=True, default=list)),
                        ('frequencies_status', models.CharField(choices=[('idle', 'idle'), ('queued', 'queued'), ('running', 'running'), ('failed', 'failed')], default='idle', max_length=10)),
                        ('frequencies_started_at', models.DateTimeField(blank=True, null=True)),
                        ('frequencies_computed_at', models.DateTimeField(blank=True, null=True)),
                        ('frequencies_error', models.TextField(blank=True)),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='analysis_state', to='coding.project')),
                    ],
                    options={'db_table': 'coding_analysisstate'},
                ),
                migrations.CreateModel(
                    name='CodeFrequency',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(choices=[('all', 'whole project'), ('document', 'document'), ('coder', 'coder'), ('attribute', 'case attribute')], max_length=10)),
                        ('scope_key', models.CharField(blank=True, max_length=300)),
                        ('rolled_up', models.BooleanField(default=False)),
                        ('codings', models.PositiveIntegerField(default=0)),
                        ('documents', models.PositiveIntegerField(default=0)),
                        ('cases', models.PositiveIntegerField(default=0)),
                        ('characters', models.PositiveBigIntegerField(default=0)),
                        ('words', models.PositiveBigIntegerField(default=0)),
                        ('code', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='frequencies', to='coding.code')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='code_frequencies', to='coding.project')),
                    ],
                    options={
                        'db_table': 'coding_codefrequency',
                        'indexes': [models.Index(fields=['project', 'scope', 'rolled_up'], name='coding_freq_scope_idx')],
                        'constraints': [models.UniqueConstraint(fields=('project', 'code', 'scope', 'scope_key', 'rolled_up'), name='coding_codefrequency_unique_cell')],
                    },
                ),
                migrations.CreateModel(
                    name='ProjectStopWords',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dutch', models.TextField(blank=True, verbose_name='Dutch stop words')),
                        ('english', models.TextField(blank=True, verbose_name='English stop words')),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='stop_words', to='coding.project')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'coding_projectstopwords',
                        'verbose_name': 'stop list',
                        'verbose_name_plural': 'stop lists',
                    },
                ),
                migrations.CreateModel(
                    name='AnalysisResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('words', 'word frequencies'), ('mentions', 'actor mentions'), ('cooccurrence', 'code co-occurrence'), ('matrix', 'matrix coding query'), ('autocode_preview', 'auto-coding preview')], max_length=20)),
                        ('params', models.JSONField(default=dict)),
                        ('params_hash', models.CharField(max_length=64)),
                        ('scope', models.CharField(default='all', max_length=60)),
                        ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed')], default='queued', max_length=10)),
                        ('error', models.TextField(blank=True)),
                        ('unsent', models.BooleanField(default=False, help_text='Queued, but no broker took the message yet.')),
                        ('source_key', models.CharField(blank=True, max_length=200)),
                        ('codings_changed_at', models.DateTimeField(blank=True, null=True)),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('computed_at', models.DateTimeField(blank=True, null=True)),
                        ('result', models.JSONField(blank=True, null=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='analysis_results', to='coding.project')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'coding_analysisresult',
                        'ordering': ['-requested_at', '-id'],
                        'constraints': [models.UniqueConstraint(fields=('project', 'kind', 'scope', 'params_hash'), name='coding_analysisresult_unique_query'), models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed'])), name='coding_analysisresult_status_valid'), models.CheckConstraint(condition=models.Q(('kind__in', ['words', 'mentions', 'cooccurrence', 'matrix', 'autocode_preview'])), name='coding_analysisresult_kind_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='AutoCodeRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('params', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed'), ('undone', 'undone')], default='queued', max_length=10)),
                        ('error', models.TextField(blank=True)),
                        ('matches', models.PositiveIntegerField(default=0)),
                        ('skipped', models.PositiveIntegerField(default=0, help_text='Passages the coder had already coded with this code.')),
                        ('coding_ids', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('undone_at', models.DateTimeField(blank=True, null=True)),
                        ('undo_kept', models.PositiveIntegerField(default=0, help_text='Codings changed after the run, which undo left alone.')),
                        ('code', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='autocode_runs', to='coding.code')),
                        ('coder', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='autocode_runs', to=settings.AUTH_USER_MODEL)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='autocode_runs', to='coding.project')),
                        ('undone_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'coding_autocoderun',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed', 'undone'])), name='coding_autocoderun_status_valid')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
