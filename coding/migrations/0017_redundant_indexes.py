"""Drop four indexes another index already covers: each was written by every coding.

``coding_code_idx`` repeated the code's foreign-key index; the coding's document,
the audit event's project and the change record's project each lead a
composite index (``coding_doc_start_idx`` and the unique span; the audit trail's
and the change record's three indexes), which serves every lookup and cascade
the single-column index served.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0016_iso8601_function"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="coding",
            name="coding_code_idx",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="audit_events",
                to="coding.project",
            ),
        ),
        migrations.AlterField(
            model_name="coding",
            name="document",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="codings",
                to="coding.document",
            ),
        ),
        migrations.AlterField(
            model_name="codingchange",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="coding_changes",
                to="coding.project",
            ),
        ),
    ]
