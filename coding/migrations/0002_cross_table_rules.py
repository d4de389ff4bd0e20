"""Rules that span tables, enforced by the database itself (see ``coding.db_rules``)."""

from django.db import migrations

from coding.db_rules import install, uninstall


class Migration(migrations.Migration):
    dependencies = [("coding", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
