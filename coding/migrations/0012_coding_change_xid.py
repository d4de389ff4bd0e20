"""Each ``CodingChange`` row records the id of the transaction that wrote it.

A change's ``id`` is taken when the row is inserted, not when it commits, so a
reader that remembered "the last id I took" could skip a row with a lower id whose
transaction committed after the read. The transaction id lets a reader tell which
rows its last snapshot could not see (``coding.services.changes``).

Existing rows were committed long before any reader that will use the column, so
they get 0: visible to every snapshot. New rows get ``pg_current_xact_id()`` from
the column's default, filled by PostgreSQL.
"""

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0011_move_agreement"),
    ]

    operations = [
        migrations.AddField(
            model_name="codingchange",
            name="xid",
            field=models.BigIntegerField(
                db_default=django.db.models.expressions.RawSQL(
                    "pg_current_xact_id()::text::bigint", []
                ),
                editable=False,
                help_text="The writing transaction's id (PostgreSQL fills it in).",
            ),
        ),
        migrations.RunSQL(
            "UPDATE coding_codingchange SET xid = 0", migrations.RunSQL.noop
        ),
        migrations.AddIndex(
            model_name="codingchange",
            index=models.Index(fields=["project", "xid"], name="coding_change_xid_idx"),
        ),
    ]
