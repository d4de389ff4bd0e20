"""``python manage.py import_qdpx FILE.qdpx [--name NAME] [--owner USERNAME]``.

Creates a new project from a REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette, Regie …), or restores a Regie backup (``export_qdpx --full``). All or
nothing; prints what was created and the warnings.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interop.services.project_files import project_import_file


class Command(BaseCommand):
    help = (
        "Import a REFI-QDA project (.qdpx) or restore a Regie backup as a new project."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .qdpx (or .qde) file.")
        parser.add_argument(
            "--name", help="Name of the new project (default: the file's)."
        )
        parser.add_argument(
            "--owner",
            help="User name of the new project's owner (default: the only superuser).",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"There is no user {options['owner']}.")
        else:
            superusers = list(
                User.objects.filter(is_superuser=True, is_active=True)[:2]
            )
            if len(superusers) != 1:
                raise CommandError(
                    "Name the new project's owner with --owner USERNAME."
                )
            owner = superusers[0]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        try:
            result = project_import_file(
                data=path.read_bytes(),
                filename=path.name,
                owner=owner,
                name=options["name"],
                trusted=True,  # an administrator: names match any account
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        project = result.project
        self.stdout.write(
            f"Project {project.pk} “{project.name}”, owner {owner.username}"
        )
        for what, count in result.counts.items():
            self.stdout.write(f"  {what}: {count}")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
