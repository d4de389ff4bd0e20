"""What every analysis page shares: the stored result with its badge, labels for ids,
heatmap colours, the "segments behind a cell" list, and the recompute button."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from analysis.forms import query_from_json, segment_params
from analysis.models import AnalysisResult
from analysis.services.results import analysis_badge, analysis_request
from coding.access import ProjectAccess, access_project
from coding.models import Coding
from coding.redirects import safe_next
from coding.segment_pages import segment_page, with_context
from coding.segments import SegmentFilter, segment_filter_from_params
from coding.views.base import error_messages
from coding.views.segments import filter_choices

CELL_PAGE_SIZE = 25
PAGE_URLS = {
    "words": "analysis:words",
    "mentions": "analysis:mentions",
    "cooccurrence": "analysis:cooccurrence",
    "matrix": "analysis:matrix",
    "autocode_preview": "analysis:autocode",
}


def parse_query(
    parse: Callable[[Mapping], Any], params: Mapping, default: Any
) -> tuple[Any, list[str]]:
    """The parsed query, or the default query and the error messages."""
    try:
        return parse(params), []
    except ValidationError as error:
        return default, error_messages(error)


def filter_form(access: ProjectAccess, params: Mapping) -> dict[str, Any]:
    """The filter form's choices and its current values (as typed, even where a
    query ignores some of them)."""
    form_filter, _errors = parse_query(
        partial(segment_filter_from_params, project_id=access.project.pk),
        segment_params(params),
        SegmentFilter(),
    )
    return {"form_filter": form_filter, **filter_choices(access)}


def request_result(
    request: HttpRequest, access: ProjectAccess, kind: str, query: Any
) -> tuple[AnalysisResult | None, list[str]]:
    """The stored result for the page's question, or the reasons it cannot be asked."""
    try:
        result = analysis_request(
            access=access, kind=kind, query=query, user=request.user
        )
    except ValidationError as error:
        return None, error_messages(error)
    return result, []


def result_context(result: AnalysisResult | None) -> dict[str, Any]:
    """``result``, its ``badge`` and its ``data`` (``None`` until first computed)."""
    if result is None:
        return {"result": None, "badge": "", "data": None}
    return {"result": result, "badge": analysis_badge(result), "data": result.data}


def heat_style(value: float, maximum: float) -> str:
    """A cell's background: darker for larger values. Two bands, so that the
    text keeps a 4.5:1 contrast (WCAG AA): dark text on the light band, white
    text on the dark one, nothing in between where neither would read."""
    if not value or not maximum:
        return ""
    share = max(0.0, min(1.0, value / maximum))
    if share < 0.6:
        return f"background-color: rgba(31, 94, 140, {0.08 + 0.7 * share:.2f})"
    alpha = 0.82 + 0.33 * (share - 0.6)
    return f"background-color: rgba(31, 94, 140, {alpha:.2f}); color: #fff"


def codings_page(
    access: ProjectAccess, codings: QuerySet[Coding], number: str | None
) -> Page:
    return segment_page(
        codings, number, per_page=CELL_PAGE_SIZE, documents=access.document_ids
    )


def pairs_page(
    access: ProjectAccess, pairs: list[tuple[int, int]], number: str | None
) -> tuple[Page, list[tuple[Coding, Coding]]]:
    """One page of coding pairs, each side loaded with its text and context."""
    page = Paginator(pairs, CELL_PAGE_SIZE).get_page(number)
    ids = {i for pair in page.object_list for i in pair}
    found = (
        access.visible_codings()
        .filter(pk__in=ids)
        .select_related("code", "coder", "document__case")
        .defer("document__text")
    )
    by_id = {c.pk: c for c in with_context(list(found))}
    rows = [
        (by_id[a], by_id[b]) for a, b in page.object_list if a in by_id and b in by_id
    ]
    return page, rows


@login_required
@require_POST
def analysis_result_refresh(
    request: HttpRequest, project_id: int, result_id: int
) -> HttpResponse:
    """Compute a result again now (the same question, in the caller's own scope)."""
    access = access_project(request.user, project_id)
    stored = get_object_or_404(AnalysisResult, pk=result_id, project=access.project)
    analysis_request(
        access=access,
        kind=stored.kind,
        query=query_from_json(stored.kind, stored.params),
        user=request.user,
        force=True,
    )
    if request.htmx:
        return HttpResponseClientRefresh()
    return HttpResponseRedirect(
        safe_next(request, reverse(PAGE_URLS[stored.kind], args=[project_id]))
    )
