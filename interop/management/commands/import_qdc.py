"""``python manage.py import_qdc PROJECT_ID FILE.qdc [--as-user USERNAME]``.

Adds a REFI-QDA codebook (or a codebook CSV) to a project's codebook: codes are
matched by path, existing ones get the file's definition and colour, none is
deleted. ``--as-user`` names who the audit trail records.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.models import Project
from coding.services.codebook import codebook_import_file


class Command(BaseCommand):
    help = "Add a REFI-QDA codebook (.qdc) or codebook CSV to a project's codebook."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", help="The .qdc (or .csv) file.")
        parser.add_argument("--as-user", help="Who the audit trail names.")

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        actor = None
        if options["as_user"]:
            actor = get_user_model().objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(f"There is no user {options['as_user']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        try:
            result = codebook_import_file(
                project=project, data=path.read_bytes(), filename=path.name, actor=actor
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"codes added: {result['created']}; codes updated: {result['updated']}"
        )
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
