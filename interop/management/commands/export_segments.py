"""``python manage.py export_segments PROJECT_ID --out FILE.csv [--delimiter ';'] [filters]``."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.access import ProjectAccess
from coding.models import Project, Role
from coding.segments import (
    SegmentFilterForm,
    attribute_names,
    filtered_codings,
    iter_segment_records,
)
from interop.csv import iter_segment_csv


class Command(BaseCommand):
    help = "Write a project's coded segments as CSV (one row per coding)."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument(
            "--out", default="-", help="File to write; - for standard output."
        )
        parser.add_argument("--delimiter", default=",", choices=[",", ";", "tab"])
        parser.add_argument(
            "--no-bom", action="store_true", help="Leave out the UTF-8 BOM."
        )
        parser.add_argument(
            "--as-user",
            help="Export only what this member may see (blind coding); default: everything.",
        )
        for name in ("codes", "coders", "documents", "text", "memo", "match"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument(
            "--attribute", action="append", default=[], help="name=value"
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        if options["as_user"]:
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            membership = user and project.memberships.filter(user=user).first()
            if membership is None:
                raise CommandError(
                    f"{options['as_user']} is not a member of this project."
                )
            access = ProjectAccess(
                project=project, user_id=user.pk, role=Role(membership.role)
            )
        else:
            access = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
        params = {
            k: options[k] for k in ("codes", "coders", "documents", "text", "memo")
        }
        params["match"] = options["match"] or "any"
        params["attribute"] = options["attribute"]
        try:
            segment_filter = SegmentFilterForm(
                params, project_id=project.pk
            ).segment_filter()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        delimiter = "\t" if options["delimiter"] == "tab" else options["delimiter"]
        written = 0

        def count(rows_so_far: int) -> None:
            nonlocal written
            written = rows_so_far

        # The records go in as they come (no counting wrapper), so the writer
        # takes its fast path; the count arrives through ``progress``.
        chunks = iter_segment_csv(
            iter_segment_records(access, filtered_codings(access, segment_filter)),
            project=project.name,
            attribute_names=attribute_names(access),
            delimiter=delimiter,
            bom=not options["no_bom"],
            progress=count,
            progress_every=1,
        )
        if options["out"] == "-":
            sys.stdout.writelines(chunks)
            return
        with open(options["out"], "w", encoding="utf-8", newline="") as handle:
            handle.writelines(chunks)
        self.stderr.write(f"{written} segments written to {options['out']}")
