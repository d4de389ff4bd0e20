# The agreement models now live in the ``agreement`` app (same tables): the
# ``coding`` app forgets them, the database is not touched.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0010_move_interop"),
        ("agreement", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AgreementRun"),
                migrations.DeleteModel(name="AgreementSettings"),
            ],
        ),
    ]
