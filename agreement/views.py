"""Inter-coder agreement pages (supervisors): choose, compute, read, explore.

``agreement`` shows the selection form and the project's runs; ``agreement_start``
queues a run (or opens the fresh stored one of the same selection); ``agreement_run``
shows a run: its status badge (polled while a worker computes it), the matrix of
codes × measures per coder group, the thresholds, the methods paragraphs and the CSV
export; ``agreement_disagreements`` lists where two coders differ on one code, with
both coders' spans in context and links into the document, the side-by-side page
and adjudication.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from agreement.figure_words import figure_words
from agreement.forms import (
    CsvFormatForm,
    DisagreementsForm,
    RunViewForm,
    ThresholdsForm,
    agreement_selection_from_params,
)
from agreement.models import AgreementRun
from agreement.plot import Mark as PlotMark
from agreement.plot import Panel, coefficient_scale, mark, panel
from agreement.report import (
    ALL_GROUP,
    MEASURE_LABELS,
    MEASURES,
    MEASURES_BY_UNIT,
    PERCENT_MEASURES,
    UNITS,
    report_csv_rows,
)
from agreement.results import (
    Disagreements,
    Figure,
    Group,
    MeasureInfo,
    Report,
    Row,
    Stretch,
    Variable,
)
from agreement.services import (
    agreement_output,
    agreement_report,
    agreement_request,
    agreement_run_set_thresholds,
    agreement_settings,
    agreement_settings_update,
    ordered_codes,
    project_coders,
    run_badge,
    runs_with_source,
    source_state,
)
from coding.access import Cap, ProjectAccess, access_project
from coding.comparison import compare_coders
from coding.exports import csv_text, neutralise
from coding.jobs.models import JobStatus
from coding.jobs.services import job_refresh
from coding.models import Coding, Document, MeasurementLevel
from coding.selectors import Mark, text_window
from coding.views.base import error_messages

RUNS_SHOWN = 20
STRETCHES_PER_PAGE = 25
CONTEXT_CHARS = 160
UNIT_CHOICES = [
    ("turn", gettext_lazy("speaker turns (paragraphs where there are none)")),
    ("sentence", gettext_lazy("sentences")),
    ("character", gettext_lazy("characters (NVivo-compatible)")),
    ("unitizing", gettext_lazy("unitizing (the coders' own boundaries)")),
]
# The report's labels are English data; the pages show these translatable ones.
MEASURE_NAMES = {
    "percent_agreement": gettext_lazy("Percentage agreement"),
    "cohen_kappa": gettext_lazy("Cohen's κ"),
    "fleiss_kappa": gettext_lazy("Fleiss' κ"),
    "krippendorff_alpha": gettext_lazy("Krippendorff's α"),
    "gwet_ac1": gettext_lazy("Gwet's AC1"),
    "nvivo_kappa": gettext_lazy("NVivo κ"),
    "u_alpha": gettext_lazy("uα"),
    "binary_u_alpha": gettext_lazy("|uα"),
    "cu_alpha": gettext_lazy("cuα"),
    "k_u_alpha": gettext_lazy("(k)uα"),
    "u_alpha_1995": gettext_lazy("α_U (1995/2004)"),
}
UNIT_NAMES = dict(UNIT_CHOICES)
UNIT_SHORT_NAMES = {
    "turn": gettext_lazy("speaker turns"),
    "sentence": gettext_lazy("sentences"),
    "character": gettext_lazy("characters"),
    "unitizing": gettext_lazy("unitizing"),
}
VERDICT_NAMES = {
    "good": gettext_lazy("good"),
    "tentative": gettext_lazy("tentative"),
    "poor": gettext_lazy("poor"),
    "undefined": gettext_lazy("undefined"),
}
LEVEL_NAMES = dict(MeasurementLevel.choices)
COLOR_A, COLOR_B = "#0072b2", "#d55e00"  # colour-blind safe pair (Okabe–Ito)


def _choices(access: ProjectAccess) -> dict:
    project = access.project
    documents = list(
        Document.objects.filter(project=project)
        .without_text()
        .order_by("title", "id")
        .values_list("pk", "title")
    )
    return {
        "documents": documents,
        "coders": project_coders(project, [d for d, _title in documents]),
        "codes": [
            (code.pk, path, code.is_domain) for code, path in ordered_codes(project)
        ],
        "units": UNIT_CHOICES,
        "measures": [
            (
                m,
                MEASURE_NAMES.get(m, MEASURE_LABELS[m]),
                " ".join(u for u in UNITS if m in MEASURES_BY_UNIT[u]),
            )
            for m in MEASURES
        ],
    }


def _runs(access: ProjectAccess) -> list[dict]:
    state = source_state(access.project.pk)
    runs = (
        runs_with_source()
        .filter(project=access.project)
        .select_related("requested_by")[:RUNS_SHOWN]
    )
    return [
        {
            "run": run,
            "badge": run_badge(run, state),
            "unit": UNIT_SHORT_NAMES.get(run.selection.get("unit"), ""),
        }
        for run in runs
    ]


@login_required
@require_GET
def agreement(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    defaults = agreement_settings(access.project)
    context = {
        "access": access,
        "project": access.project,
        "choices": _choices(access),
        "defaults": defaults,
        "chosen": {"unit": "turn"},
        "runs": _runs(access),
        "errors": [],
    }
    return TemplateResponse(request, "agreement/agreement.html", context)


@login_required
@require_POST
def agreement_start(request: HttpRequest, project_id: int) -> HttpResponse:
    """Queue a run of the posted selection; a fresh stored one opens directly."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    try:
        selection = agreement_selection_from_params(access.project, request.POST)
    except ValidationError as error:
        context = {
            "access": access,
            "project": access.project,
            "choices": _choices(access),
            "defaults": agreement_settings(access.project),
            "chosen": _chosen(request),
            "runs": _runs(access),
            "errors": error_messages(error),
        }
        return TemplateResponse(
            request, "agreement/agreement.html", context, status=400
        )
    run = agreement_request(
        project=access.project,
        selection=selection,
        actor=request.user,
        reuse=request.POST.get("refresh") != "1",
    )
    return redirect(run.get_absolute_url())


def _chosen(request: HttpRequest) -> dict:
    post = request.POST
    ints = lambda name: {int(v) for v in post.getlist(name) if v.isdecimal()}  # noqa: E731
    return {
        "documents": ints("documents"),
        "coders": ints("coders"),
        "codes": ints("codes"),
        "measures": set(post.getlist("measure")),
        "unit": post.get("unit", "turn"),
    }


def _get_run(access: ProjectAccess, run_id: int, *, disagreements: bool = False):
    runs = AgreementRun.objects.select_related("codebook_version", "project")
    if not disagreements:
        runs = runs.defer("disagreements")
    run = runs.filter(project=access.project, pk=run_id).first()
    if run is None:
        raise Http404
    return run


def _cell_title(measure: str, figure: Figure) -> str:
    """The tooltip: interval, N, mean over documents, or why it is undefined."""
    parts = []
    if figure.value is None:
        parts.append(
            _("undefined: %(reason)s") % {"reason": figure_words(figure.reason)}
        )
    if figure.has_interval:
        parts.append(
            _("95 %% CI %(low).3f – %(high).3f (%(n)d resamples)")
            % {
                "low": figure.ci_low,
                "high": figure.ci_high,
                "n": figure.resamples or 0,
            }
        )
    parts.append(_("N = %(n)d") % {"n": figure.n})
    if figure.mean is not None:
        parts.append(
            _("plain mean over documents %(mean)s")
            % {"mean": _display(measure, figure.mean)}
        )
    if figure.percent is not None:
        parts.append(_("agreement %(percent).1f %%") % {"percent": figure.percent})
    if figure.note:
        parts.append(figure_words(figure.note))
    return " · ".join(parts)


def _display(measure: str, value: float | None) -> str:
    """Unlocalised (sortable.js reads numbers with a decimal point)."""
    if value is None:
        return ""
    return f"{value:.1f}" if measure == "percent_agreement" else f"{value:.3f}"


@dataclass(frozen=True, slots=True)
class MatrixCell:
    measure: str
    figure: Figure | None
    display: str
    title: str

    @property
    def coloured(self) -> bool:
        """Only chance-corrected measures carry the verdict's colour."""
        return self.measure not in PERCENT_MEASURES


@dataclass(frozen=True, slots=True)
class MatrixRow:
    variable: Variable | None
    path: str  # the variable's path, "All codes (pooled)" for all codes
    group_label: str
    cells: tuple[MatrixCell, ...]
    link: str  # query string of the disagreement list, "" when there is none
    level: str = ""  # a domain's level of measurement, translated


@dataclass(frozen=True, slots=True)
class Matrix:
    measures: tuple[MeasureInfo, ...]  # labels translated for the page
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True, slots=True)
class PlotRow:
    """One matrix row in the dot plot; ``span`` rows share the code's label."""

    row: MatrixRow
    span: int  # 0 for the rows after the first of the same code
    percent: float | None
    cells: tuple[tuple[Panel, PlotMark], ...]  # one per panel


@dataclass(frozen=True, slots=True)
class Plot:
    panels: tuple[Panel, ...]
    percent: bool  # a plain percentage column
    groups: bool  # more than one coder group: a column names the group
    rows: tuple[PlotRow, ...]
    merged: bool = False  # two coders: the pair and "all coders" on one line


def _group_label(group: Group) -> str:
    return str(_("all coders")) if group.key == ALL_GROUP else group.label


def _matrix_row(
    report: Report, row: Row, measures: tuple[MeasureInfo, ...]
) -> MatrixRow:
    variable = report.variable(row.variable)
    link = ""
    if variable is not None and variable.explorable:
        link = f"?variable={variable.key}"
        if row.group != ALL_GROUP:
            link += f"&pair={row.group}"
    cells = []
    for measure in measures:
        figure = row.measures.get(measure.key)
        cells.append(
            MatrixCell(
                measure=measure.key,
                figure=figure,
                display=_display(measure.key, figure.value) if figure else "",
                title=_cell_title(measure.key, figure) if figure else "",
            )
        )
    if variable is None:
        path = ""
    elif variable.kind == "all_codes":
        path = str(_("All codes (pooled)"))
    else:
        path = variable.path
    group = report.group(row.group)
    return MatrixRow(
        variable=variable,
        path=path,
        group_label=_group_label(group) if group else row.group,
        cells=tuple(cells),
        link=link,
        level=str(LEVEL_NAMES.get(variable.level, variable.level)) if variable else "",
    )


def _matrix(report: Report, *, group: str, document: int | None) -> Matrix:
    """Rows for the template: one per variable × group, cells per measure."""
    measures = tuple(
        MeasureInfo(m.key, str(MEASURE_NAMES.get(m.key, m.label)))
        for m in report.measures
    )
    source = report.rows if document is None else report.document_rows
    rows = [
        row
        for row in source
        if (document is None or row.document == document)
        and (not group or row.group == group)
    ]
    return Matrix(
        measures=measures,
        rows=tuple(_matrix_row(report, row, measures) for row in rows),
    )


def _mark_label(label: str, figure: Figure | None) -> str:
    """The figure in words, for the plot's SVG title and screen readers."""
    if figure is None:
        return _("%(measure)s: not computed for this group") % {"measure": label}
    if figure.value is None:
        return _("%(measure)s undefined: %(reason)s") % {
            "measure": label,
            "reason": figure_words(figure.reason),
        }
    words = _("%(measure)s %(value).3f (%(verdict)s)") % {
        "measure": label,
        "value": figure.value,
        "verdict": VERDICT_NAMES.get(figure.verdict or "", figure.verdict or ""),
    }
    if figure.has_interval:
        words += ", " + _("95 %% CI %(low).3f – %(high).3f") % {
            "low": figure.ci_low,
            "high": figure.ci_high,
        }
    return words + ", " + _("N = %(n)d") % {"n": figure.n}


def _plot_lines(
    matrix: Matrix, *, merge_groups: bool
) -> list[tuple[MatrixRow, dict[str, Figure | None]]]:
    """The plot's lines: a matrix row each, or with ``merge_groups`` one per code.

    Two coders make one pair and "all coders" — the same two people: Cohen's κ
    exists only for the pair, Fleiss' κ only for all, the rest are equal. One line
    per code then holds every measure and halves the plot.
    """
    lines: list[tuple[MatrixRow, dict[str, Figure | None]]] = []
    for row in matrix.rows:
        figures = {c.measure: c.figure for c in row.cells}
        if merge_groups and lines and lines[-1][0].path == row.path:
            merged = lines[-1][1]
            for key, figure in figures.items():
                if merged.get(key) is None:
                    merged[key] = figure
            continue
        lines.append((row, figures))
    return lines


def _plot_marks(
    panels: list[Panel], figures: dict[str, Figure | None]
) -> tuple[tuple[Panel, PlotMark], ...]:
    cells = []
    for p in panels:
        figure = figures.get(p.key)
        ci = (figure.ci_low, figure.ci_high) if figure and figure.has_interval else None
        cells.append(
            (
                p,
                mark(
                    p.scale,
                    figure.value if figure else None,
                    ci,
                    (figure.verdict or "undefined") if figure else "undefined",
                    _mark_label(p.label, figure),
                ),
            )
        )
    return tuple(cells)


def _plot(
    matrix: Matrix, thresholds: dict[str, float], *, merge_groups: bool = False
) -> Plot:
    """The matrix as a dot plot: a panel per chance-corrected measure."""
    panels = []
    for measure in matrix.measures:
        if measure.key in PERCENT_MEASURES:
            continue
        figures = [
            c.figure
            for row in matrix.rows
            for c in row.cells
            if c.measure == measure.key and c.figure
        ]
        scale = coefficient_scale(
            [f.value for f in figures] + [f.ci_low for f in figures]
        )
        panels.append(panel(measure.key, measure.label, scale, thresholds))
    lines = _plot_lines(matrix, merge_groups=merge_groups)
    rows = []
    for i, (row, figures) in enumerate(lines):
        span = 0
        if i == 0 or lines[i - 1][0].path != row.path:
            span = 1
            while i + span < len(lines) and lines[i + span][0].path == row.path:
                span += 1
        percent = next((figures[m] for m in PERCENT_MEASURES if figures.get(m)), None)
        rows.append(
            PlotRow(
                row=row,
                span=span,
                percent=percent.value if percent else None,
                cells=_plot_marks(panels, figures),
            )
        )
    return Plot(
        panels=tuple(panels),
        percent=any(m.key in PERCENT_MEASURES for m in matrix.measures),
        groups=len({r.row.group_label for r in rows}) > 1,
        rows=tuple(rows),
        merged=merge_groups,
    )


def _run_context(request: HttpRequest, access: ProjectAccess, run: AgreementRun):
    state = source_state(access.project.pk)
    context = {
        "access": access,
        "project": access.project,
        "run": run,
        "badge": run_badge(run, state),
        "output": None,
    }
    if run.status == JobStatus.DONE and run.result:
        output = agreement_output(run, state=state)
        report = output.report
        shown = RunViewForm(request.GET, report=report)
        shown.is_valid()  # unknown values fall back to all
        group, document = shown.cleaned_data["group"], shown.cleaned_data["document"]
        matrix = _matrix(report, group=group, document=document)
        context.update(
            output=output,
            report=report,
            matrix=matrix,
            plot=_plot(
                matrix,
                dict(report.selection.thresholds),
                merge_groups=not group and len(report.coders) == 2,
            ),
            thresholds=report.selection.thresholds,
            group=group,
            document=document,
            thresholds_form=ThresholdsForm(initial=dict(report.selection.thresholds)),
            unit_label=UNIT_NAMES.get(report.unit.name, report.unit.label),
        )
    return context


@login_required
@require_GET
@vary_on_headers("HX-Request")
def agreement_run(request: HttpRequest, project_id: int, run_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = job_refresh(_get_run(access, run_id))
    context = _run_context(request, access, run)
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "agreement/agreement_run.html#run-result", context
        )
    return TemplateResponse(request, "agreement/agreement_run.html", context)


@login_required
@require_GET
def agreement_run_status(
    request: HttpRequest, project_id: int, run_id: int
) -> HttpResponse:
    """The run's result area; it polls itself while the run is queued or running.
    A poll also resends a run whose worker died or that no broker took
    (``job_refresh``)."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = job_refresh(_get_run(access, run_id))
    return TemplateResponse(
        request,
        "agreement/agreement_run.html#run-result",
        _run_context(request, access, run),
    )


@login_required
@require_POST
def agreement_run_thresholds(
    request: HttpRequest, project_id: int, run_id: int
) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = _get_run(access, run_id)
    form = ThresholdsForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "remember"}
        try:
            run = agreement_run_set_thresholds(run=run, thresholds=values)
            if form.cleaned_data["remember"]:
                agreement_settings_update(project=access.project, thresholds=values)
        except ValidationError as error:
            errors = error_messages(error)
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    if not request.htmx:
        for message in errors:
            messages.error(request, message)
        if not errors:
            messages.success(
                request, _("Thresholds saved; the figures are recoloured.")
            )
        return redirect(run.get_absolute_url())
    context = _run_context(request, access, run)
    context["errors"] = errors
    if context.get("thresholds_form") is not None and errors:
        context["thresholds_form"] = form
    return TemplateResponse(request, "agreement/agreement_run.html#run-result", context)


@login_required
@require_GET
def agreement_run_csv(
    request: HttpRequest, project_id: int, run_id: int
) -> HttpResponse:
    """The report as CSV, one line per figure (pooled and per document)."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = _get_run(access, run_id)
    if run.status != JobStatus.DONE or not run.result:
        raise Http404
    dialect = CsvFormatForm(request.GET)
    dialect.is_valid()  # every value has a default
    comma = dialect.cleaned_data["decimal"]
    header, *rows = report_csv_rows(agreement_report(run))
    text = csv_text(
        header,
        rows,
        delimiter=dialect.cleaned_data["delimiter"],
        bom=True,
        cell=partial(_csv_cell, comma=comma),
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = slugify(access.project.name) or "project"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-agreement-{run.pk}.csv"'
    )
    return response


def _csv_cell(cell, *, comma: bool) -> str:
    """Numbers unlocalised (or with a decimal comma), text defused."""
    if isinstance(cell, float):
        text = repr(cell)
        return text.replace(".", ",") if comma else text
    if isinstance(cell, int):
        return str(cell)
    return neutralise(cell)


def _adjudication_index(
    document_ids: set[int], coder_a: int, coder_b: int
) -> dict[int, list]:
    """Per document, the adjudication page's differences in its order (one query)."""
    rows = Coding.objects.filter(
        document_id__in=document_ids, coder_id__in=[coder_a, coder_b]
    ).values_list("document_id", "id", "code_id", "start", "end", "coder_id")
    by_document: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for document_id, coding_id, code_id, start, end, coder in rows:
        side = 0 if coder == coder_a else 1
        by_document[document_id][side].append((coding_id, code_id, start, end))
    return {
        document_id: [u for u in compare_coders(a, b) if u.is_difference]
        for document_id, (a, b) in by_document.items()
    }


@dataclass(frozen=True, slots=True)
class StretchItem:
    """One disagreeing stretch as the page shows it: both coders' text."""

    stretch: Stretch
    title: str
    a_block: object
    b_block: object
    a_labels: list[str]
    b_labels: list[str]
    before: bool
    after: bool
    adjudication_index: int | None


def _stretch_item(
    stretch: Stretch,
    text: str,
    *,
    title: str,
    label_names: dict[int, str],
    differences: list,
) -> StretchItem:
    start = max(0, stretch.start - CONTEXT_CHARS)
    end = min(len(text), stretch.end + CONTEXT_CHARS)
    windows = []
    for spans, color in ((stretch.a, COLOR_A), (stretch.b, COLOR_B)):
        marks = [
            (s, e, Mark(coding_id=0, color=color, coder_id=0))
            for s, e, _label in spans
            if e <= len(text)
        ]
        windows.append(text_window(text, start, end, marks))
    index = next(
        (
            i
            for i, unit in enumerate(differences)
            if unit.code_id in label_names
            and unit.start < stretch.end
            and unit.end > stretch.start
        ),
        None,
    )
    return StretchItem(
        stretch=stretch,
        title=title,
        a_block=windows[0],
        b_block=windows[1],
        a_labels=sorted({label_names.get(x[2], "") for x in stretch.a}),
        b_labels=sorted({label_names.get(x[2], "") for x in stretch.b}),
        before=start > 0,
        after=end < len(text),
        adjudication_index=index,
    )


def _stretch_items(
    access: ProjectAccess, report: Report, variable: Variable, pair: Group, page
) -> list[StretchItem]:
    """The page's stretches with their text (two queries)."""
    coder_a, coder_b = pair.coders
    label_names = {variable.code: variable.name} | {
        value.code: value.name for value in variable.values
    }
    shown_docs = {s.document for s in page.object_list}
    texts = dict(
        Document.objects.filter(project=access.project, pk__in=shown_docs).values_list(
            "pk", "text"
        )
    )
    titles = {d.id: d.title for d in report.documents}
    differences = _adjudication_index(shown_docs, coder_a, coder_b)
    return [
        _stretch_item(
            stretch,
            texts[stretch.document],
            title=titles.get(stretch.document, ""),
            label_names=label_names,
            differences=differences.get(stretch.document, []),
        )
        for stretch in page.object_list
        if stretch.document in texts  # else deleted since the run
    ]


@login_required
@require_GET
def agreement_disagreements(
    request: HttpRequest, project_id: int, run_id: int
) -> HttpResponse:
    """Every stretch where two coders disagree on one code (or domain)."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = _get_run(access, run_id, disagreements=True)
    if run.status != JobStatus.DONE or not run.result:
        raise Http404
    report = Report.from_json(run.result)
    explored = DisagreementsForm(request.GET, report=report)
    if not explored.is_valid():
        raise Http404
    variable, pair = explored.cleaned_data["variable"], explored.cleaned_data["pair"]
    found = Disagreements.pair_from_stored(run.disagreements, variable.key, pair.key)
    page = Paginator(found.stretches, STRETCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    names = {c.id: c.username for c in report.coders}
    coder_a, coder_b = pair.coders
    context = {
        "access": access,
        "project": access.project,
        "run": run,
        "variable": variable,
        "pairs": report.pairs,
        "pair": pair,
        "name_a": names.get(coder_a, str(coder_a)),
        "name_b": names.get(coder_b, str(coder_b)),
        "coder_a": coder_a,
        "coder_b": coder_b,
        "total": found.total,
        "page": page,
        "items": _stretch_items(access, report, variable, pair, page),
        "unit": report.selection.unit,
        "color_a": COLOR_A,
        "color_b": COLOR_B,
    }
    return TemplateResponse(request, "agreement/agreement_disagreements.html", context)
