"""The API's tokens are knox tokens now (expiring, revocable, stored as digests).

DRF's ``authtoken`` app is no longer installed, but a database that had it keeps
its table, whose foreign key to the users would block deleting a user (and flushing
a test database). The old tokens stopped working with the switch; drop the table.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0012_coding_change_xid"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token CASCADE",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
