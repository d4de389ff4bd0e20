from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0009_move_analysis"),
        ("interop", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ExportJob"),
                migrations.DeleteModel(name="PendingImport"),
            ],
        ),
    ]
