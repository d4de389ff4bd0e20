"""Rules that span tables, enforced by the database itself (see ``network.db_rules``)."""

from django.db import migrations

from network.db_rules import install, uninstall


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
