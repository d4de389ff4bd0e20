"""Coding writes no longer lock the project's ``AnalysisState``: the frequencies
worker reads the core's append-only ``CodingChange`` record after the last change it
took (``last_change_id``), and "codings changed at" is the record's latest time.

Existing states are carried over without losing anything: the old clock and the
codes still waiting become ``CodingChange`` rows, so staleness and the pending
partial update survive the upgrade.
"""

from django.db import migrations, models


def carry_over(apps, schema_editor):
    AnalysisState = apps.get_model("analysis", "AnalysisState")
    CodingChange = apps.get_model("coding", "CodingChange")
    for state in AnalysisState.objects.exclude(codings_changed_at=None).iterator():
        dirty = list(state.dirty_code_ids or [])
        at = state.codings_changed_at
        if not dirty or "*" in dirty:
            rows = [CodingChange(project_id=state.project_id, changed_at=at)]
        else:
            rows = [
                CodingChange(project_id=state.project_id, code_id=int(c), changed_at=at)
                for c in dirty
            ]
        made = CodingChange.objects.bulk_create(rows)
        if not dirty:  # nothing was waiting: the worker has taken these already
            state.last_change_id = max(row.id for row in made)
            state.save(update_fields=["last_change_id"])


class Migration(migrations.Migration):

    dependencies = [
        ("analysis", "0001_initial"),
        ("coding", "0008_coding_change"),
    ]

    operations = [
        migrations.AddField(
            model_name="analysisstate",
            name="last_change_id",
            field=models.BigIntegerField(
                default=0,
                help_text="The last CodingChange the frequencies were computed from.",
            ),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="analysisstate", name="codings_changed_at"),
        migrations.RemoveField(model_name="analysisstate", name="dirty_code_ids"),
    ]
