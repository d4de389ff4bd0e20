"""The code co-occurrence page: codes × codes, by overlapping passages or by shared
speaker turn, as counts or Jaccard indices; a heatmap, a table of pairs, and the
passages behind any cell."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analysis.forms import CooccurrenceQuery, cooccurrence_query_from_params
from analysis.models import AnalysisKind
from analysis.results import CooccurrenceData
from analysis.selectors import code_nodes, cooccurrence_pairs
from analysis.text.seriation import cluster_order
from analysis.views.results import (
    filter_form,
    heat_style,
    pairs_page,
    parse_query,
    request_result,
    result_context,
)
from coding.access import ProjectAccess, access_project
from coding.models import Code

MEASURES = ("counts", "jaccard")
ORDERS = ("clusters", "codebook")
NUMBERS_UP_TO = 24  # codes; above it the cells are too narrow for figures


@dataclass
class Cell:
    column: int
    count: int
    jaccard: float
    pairs: int
    style: str
    diagonal: bool = False
    column_path: str = ""


@dataclass
class Row:
    code_id: int
    path: str
    color: str
    cells: list[Cell]
    number: int = 0  # the row's place in the shown order, from 1; its column's head


@dataclass
class Pair:
    row: int
    column: int
    row_path: str
    column_path: str
    count_row: int  # passages of the row code touching the column code
    count_column: int
    jaccard: float
    pairs: int


def cooccurrence_rows(
    access: ProjectAccess,
    data: CooccurrenceData | None,
    measure: str,
    order: str = "codebook",
) -> tuple[list[Row], list[Pair]]:
    """Heatmap rows (colours scaled on the off-diagonal maximum) and code pairs.

    ``order="clusters"`` arranges rows and columns by ``cluster_order`` of the
    Jaccard indices (counts would pull the most used codes together instead).
    """
    if not data:
        return [], []
    nodes = code_nodes(access.project.pk)
    codes = data.codes
    counts, jaccard, pair_counts = data.counts, data.jaccard, data.pair_counts
    size = len(codes)
    off = [(i, j) for i in range(size) for j in range(size) if i != j]
    values = jaccard if measure == "jaccard" else counts
    peak = max((values[i][j] for i, j in off), default=0)
    shown = cluster_order(jaccard) if order == "clusters" else list(range(size))
    paths = [nodes[c].path if c in nodes else str(c) for c in codes]
    rows = []
    for number, i in enumerate(shown, start=1):
        code = codes[i]
        node = nodes.get(code)
        rows.append(
            Row(
                code_id=code,
                path=paths[i],
                color=node.color if node else "",
                number=number,
                cells=[
                    Cell(
                        column=codes[j],
                        count=counts[i][j],
                        jaccard=jaccard[i][j],
                        pairs=pair_counts[i][j],
                        style="" if i == j else heat_style(values[i][j], peak),
                        diagonal=i == j,
                        column_path=paths[j],
                    )
                    for j in shown
                ],
            )
        )
    pairs = [
        Pair(
            row=codes[i],
            column=codes[j],
            row_path=paths[i],
            column_path=paths[j],
            count_row=counts[i][j],
            count_column=counts[j][i],
            jaccard=jaccard[i][j],
            pairs=pair_counts[i][j],
        )
        for i, j in off
        if i < j and pair_counts[i][j]
    ]
    pairs.sort(key=lambda p: (-p.pairs, p.row_path, p.column_path))
    return rows, pairs


def _cell_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in ("row", "column", "page", "measure", "order"):
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_GET
@vary_on_headers("HX-Request")
def cooccurrence(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(cooccurrence_query_from_params, project_id=project_id),
        request.GET,
        CooccurrenceQuery(),
    )
    measure = request.GET.get("measure", "counts")
    if measure not in MEASURES:
        measure = "counts"
    order = request.GET.get("order", "clusters")
    if order not in ORDERS:
        order = "clusters"
    result = None
    if not errors:
        result, errors = request_result(
            request, access, AnalysisKind.COOCCURRENCE, query
        )
    context = result_context(result)
    rows, pairs = cooccurrence_rows(access, context["data"], measure, order)
    context |= {
        "access": access,
        "project": access.project,
        "query": query,
        "measure": measure,
        "order": order,
        "numbers": len(rows) <= NUMBERS_UP_TO,
        "errors": errors,
        "rows": rows,
        "pairs": pairs,
        "cell_query": _cell_query(request),
        **filter_form(access, request.GET),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "analysis/cooccurrence.html#result", context, status=status
        )
    return TemplateResponse(
        request, "analysis/cooccurrence.html", context, status=status
    )


def _code_pair(access: ProjectAccess, request: HttpRequest) -> tuple[Code, Code]:
    raw = [request.GET.get("row", ""), request.GET.get("column", "")]
    if not all(v.isdecimal() for v in raw):
        raise ValidationError(_("Choose a cell: row and column are code ids."))
    found = Code.objects.in_bulk([int(v) for v in raw])
    codes = [found.get(int(v)) for v in raw]
    if any(c is None or c.project_id != access.project.pk for c in codes):
        raise Http404
    return codes[0], codes[1]


@login_required
@require_GET
@vary_on_headers("HX-Request")
def cooccurrence_cell(request: HttpRequest, project_id: int) -> HttpResponse:
    """The pairs of passages behind one cell (row code, column code)."""
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(cooccurrence_query_from_params, project_id=project_id),
        request.GET,
        CooccurrenceQuery(),
    )
    context = {
        "access": access,
        "project": access.project,
        "errors": errors,
        "pairs": None,  # no cell chosen yet: the template shows only the errors
        "page": None,
        "cell_query": request.GET.copy(),
        "cell_title": _("Passages behind the cell"),
    }
    if not errors:
        try:
            row, column = _code_pair(access, request)
        except ValidationError as error:
            errors = error.messages
        else:
            found = cooccurrence_pairs(access, query, row.pk, column.pk)
            context["page"], context["pairs"] = pairs_page(
                access, found, request.GET.get("page")
            )
            context["diagonal"] = row.pk == column.pk  # single passages, no pairs
            context["cell_title"] = (
                _("%(code)s: its passages") % {"code": row.name}
                if row.pk == column.pk
                else _("%(row)s with %(column)s")
                % {"row": row.name, "column": column.name}
            )
    cell_query = request.GET.copy()
    cell_query.pop("page", None)
    context |= {"errors": errors, "cell_query": cell_query.urlencode()}
    status = 400 if errors else 200
    template = "analysis/partials/segments.html"
    if not (request.htmx and not request.htmx.history_restore_request):
        template = "analysis/cell.html"
    return TemplateResponse(request, template, context, status=status)
