"""Sessions in an unlogged table: saving one no longer waits for the disk.

The document page keeps its undo stack in the session, so every coding made on
the page saves the session too. A write to an ordinary table commits only once
PostgreSQL has flushed its log to disk (0.1–0.3 ms here, more on a busy disk); an
unlogged table's rows are not logged, and a transaction that wrote only those
commits without waiting. What is lost: after a crash of the database server (not
a restart) the table is emptied, and a standby server has no sessions; either way
people sign in again. Nothing of the research lives in a session.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0017_redundant_indexes"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE django_session SET UNLOGGED",
            "ALTER TABLE django_session SET LOGGED",
        )
    ]
