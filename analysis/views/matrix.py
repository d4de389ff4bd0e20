"""The matrix coding query page: codes down; case attribute values, documents or
coders across; cells count coded segments, cases or words. A click on a cell lists
its segments; the matrix downloads as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analysis.forms import MatrixQuery, matrix_query_from_params
from analysis.models import AnalysisKind
from analysis.selectors import (
    code_nodes,
    matrix_cell_codings,
    matrix_column_labels,
)
from analysis.text import MatrixResult, matrix_csv
from analysis.views.results import (
    codings_page,
    filter_form,
    heat_style,
    parse_query,
    request_result,
    result_context,
)
from coding.access import ProjectAccess, access_code, access_project
from coding.jobs.models import JobStatus

DELIMITERS = {",": ",", ";": ";", "tab": "\t"}


@dataclass
class MatrixRow:
    code_id: int
    path: str
    color: str
    cells: list[tuple[str, int, str]]  # (column key, value, style)
    total: int


def matrix_rows(
    access: ProjectAccess, query: MatrixQuery, data: MatrixResult | None
) -> tuple[list[tuple[str, str]], list[MatrixRow]]:
    """Column headers ``(key, label)`` and the rows with heatmap colours.

    Row totals add the row's cells; with ``cases`` a case in two columns counts in
    both, so the total can exceed the distinct cases.
    """
    if not data:
        return [], []
    nodes = code_nodes(access.project.pk)
    labels = matrix_column_labels(access, query, data.columns)
    peak = max((v for row in data.values for v in row), default=0)
    rows = []
    for code_id, values in zip(data.rows, data.values, strict=True):
        node = nodes.get(code_id)
        rows.append(
            MatrixRow(
                code_id=code_id,
                path=node.path if node else str(code_id),
                color=node.color if node else "",
                cells=[
                    (str(column), value, heat_style(value, peak))
                    for column, value in zip(data.columns, values, strict=True)
                ],
                total=sum(values),
            )
        )
    return [(str(c), labels[c]) for c in data.columns], rows


def _query_string(request: HttpRequest, *drop: str) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_GET
@vary_on_headers("HX-Request")
def matrix(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(matrix_query_from_params, project_id=project_id),
        request.GET,
        MatrixQuery(),
    )
    result = None
    if not errors:
        result, errors = request_result(request, access, AnalysisKind.MATRIX, query)
    context = result_context(result)
    columns, rows = matrix_rows(access, query, context["data"])
    context |= {
        "access": access,
        "project": access.project,
        "query": query,
        "errors": errors,
        "columns": columns,
        "rows": rows,
        "cell_query": _query_string(request, "row", "column", "page"),
        **filter_form(access, request.GET),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "analysis/matrix.html#result", context, status=status
        )
    return TemplateResponse(request, "analysis/matrix.html", context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def matrix_cell(request: HttpRequest, project_id: int) -> HttpResponse:
    """The coded segments counted in one cell (``row`` code id, ``column`` key)."""
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(matrix_query_from_params, project_id=project_id),
        request.GET,
        MatrixQuery(),
    )
    raw_row = request.GET.get("row", "")
    if not errors and not raw_row.isdecimal():
        errors = [_("Choose a cell: the row is a code id.")]
    context = {
        "access": access,
        "project": access.project,
        "pairs": None,
        "page": None,
        "cell_query": _query_string(request, "page"),
        "cell_title": _("Segments behind the cell"),
    }
    if not errors:
        _access, code = access_code(request.user, project_id, int(raw_row))
        column = request.GET.get("column", "")
        codings = matrix_cell_codings(access, query, code.pk, column)
        context["page"] = codings_page(access, codings, request.GET.get("page"))
        label = matrix_column_labels(
            access, query, [int(column) if column.isdecimal() else column]
        )
        context["cell_title"] = _("%(code)s in %(column)s") % {
            "code": code.name,
            "column": next(iter(label.values())),
        }
    context["errors"] = errors
    status = 400 if errors else 200
    template = "analysis/partials/segments.html"
    if not (request.htmx and not request.htmx.history_restore_request):
        template = "analysis/cell.html"
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_GET
def matrix_export(request: HttpRequest, project_id: int) -> HttpResponse:
    """The matrix as CSV (cells neutralised against spreadsheet formulas).

    Exports the stored result when it is computed; while a worker is still on it
    the answer is 409 with a readable message.
    """
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(matrix_query_from_params, project_id=project_id),
        request.GET,
        MatrixQuery(),
    )
    delimiter = DELIMITERS.get(request.GET.get("delimiter", ","))
    if delimiter is None:
        errors.append(_("Use , or ; or tab as separator."))
    if not errors:
        result, errors = request_result(request, access, AnalysisKind.MATRIX, query)
    if errors:
        return HttpResponse(
            " ".join(errors), status=400, content_type="text/plain; charset=utf-8"
        )
    if result.status != JobStatus.DONE or result.result is None:
        return HttpResponse(
            _("The matrix is still being computed; try again in a moment."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    data = result.data
    nodes = code_nodes(access.project.pk)
    text = matrix_csv(
        data,
        row_labels={c: nodes[c].path for c in data.rows if c in nodes},
        column_labels=matrix_column_labels(access, query, data.columns),
        corner=_("code"),
        delimiter=delimiter,
    )
    bom = request.GET.get("bom", "1") not in {"0", "false", "no"}
    response = HttpResponse(
        ("\ufeff" if bom else "") + text, content_type="text/csv; charset=utf-8"
    )
    filename = f"{slugify(access.project.name) or 'project'}-matrix.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
