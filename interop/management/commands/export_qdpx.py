"""``python manage.py export_qdpx PROJECT_ID FILE.qdpx [--full] [--as-user USERNAME]``.

Writes the project as a REFI-QDA project (``.qdpx``); ``--full`` writes a full
backup instead (the ``.qdpx`` plus the ``regie/`` folder, see docs/backup.md) that
``import_qdpx`` restores.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.access import ProjectAccess
from coding.models import Project, Role
from interop.models import ExportKind
from interop.services.exports import export_request, write_export


class Command(BaseCommand):
    help = "Write a project as a REFI-QDA project (.qdpx), or a full backup (--full)."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", help="The .qdpx file to write.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="A full backup: also roles, assignments, consensus layer, audit "
            "trail, codebook versions and network settings.",
        )
        parser.add_argument(
            "--as-user",
            help="Export only what this member may see (blind coding); default: "
            "everything.",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        kind = ExportKind.BACKUP if options["full"] else ExportKind.PROJECT_QDPX
        access = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
        if options["as_user"]:
            if options["full"]:
                raise CommandError("A full backup always holds everything.")
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            membership = user and project.memberships.filter(user=user).first()
            if membership is None:
                raise CommandError(
                    f"{options['as_user']} is not a member of this project."
                )
            access = ProjectAccess(
                project=project, user_id=user.pk, role=Role(membership.role)
            )
        try:
            with open(options["file"], "wb") as out:
                write_export(access, export_request(access, kind), out)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        what = "backup" if options["full"] else "REFI-QDA project"
        self.stderr.write(f"{what} of “{project.name}” written to {options['file']}")
