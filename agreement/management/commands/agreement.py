"""``python manage.py agreement PROJECT_ID [--json] [--unit U] [--measure M,...]
[--coders a,b] [--codes 1,2] [--documents 3,4] [--n-resamples N] [--seed S]``.

Prints the same report as ``GET /api/v1/projects/{id}/agreement/`` with the same
filters (``--json``), or a plain table of the figures pooled over the documents. A
fresh stored run of the same selection is reused; otherwise the run is computed here
(however large) and stored, so the pages show it too.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agreement.forms import agreement_selection_from_params
from agreement.methods import figure_text
from agreement.results import AgreementOutput
from agreement.services import (
    agreement_output,
    agreement_request,
)
from coding.jobs.models import JobStatus
from coding.models import Project

OPTIONS = (
    "unit",
    "measure",
    "coders",
    "codes",
    "documents",
    "n_resamples",
    "seed",
    "good",
    "tentative",
    "percent_good",
    "percent_tentative",
)


class Command(BaseCommand):
    help = "Inter-coder agreement of a project (the API's report, or a table)."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument(
            "--json", action="store_true", help="Print the report as JSON."
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Compute anew even when a fresh stored run exists.",
        )
        for name in OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        params = {name: options[name] for name in OPTIONS if options[name] != ""}
        try:
            selection = agreement_selection_from_params(project, params)
        except ValidationError as error:
            raise CommandError(
                " ".join(
                    f"{field}: {message}"
                    for field, messages in error.message_dict.items()
                    for message in messages
                )
            ) from None
        run = agreement_request(
            project=project,
            selection=selection,
            compute_now=True,
            reuse=not options["refresh"],
        )
        if run.status != JobStatus.DONE:
            raise CommandError(
                f"Agreement run {run.pk} is {run.status} (a worker has it); "
                "try again shortly, or pass --refresh to compute it here."
            )
        run.refresh_from_db()
        output = agreement_output(run, thresholds=selection.thresholds)
        if options["json"]:
            self.stdout.write(
                json.dumps(output.to_json(), ensure_ascii=False, indent=2)
            )
            return
        self._table(output)

    def _table(self, output: AgreementOutput) -> None:
        report = output.report
        measures = [m.key for m in report.measures]
        self.stdout.write("\t".join(["code", "coders", *(f"{m}\tN" for m in measures)]))
        for row in report.rows:
            variable = report.variable(row.variable)
            cells = [
                variable.path if variable else row.variable,
                report.group(row.group).label,
            ]
            for measure in measures:
                figure = row.measures.get(measure)
                if figure is None:
                    cells += ["", ""]
                else:
                    cells += [figure_text(measure, figure, "en"), str(figure.n)]
            self.stdout.write("\t".join(cells))
        self.stdout.write("")
        self.stdout.write(output.methods.en)
