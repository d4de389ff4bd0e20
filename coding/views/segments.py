"""The coded segments page: retrieve quotes by code, coder, document, case attribute,
text and memo; each with a little context and a link to its place in the document."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from coding.access import ProjectAccess, access_project
from coding.segment_pages import segment_page
from coding.segments import SegmentFilter, SegmentFilterForm, filtered_codings
from coding.selectors import filter_choices
from coding.views.base import error_messages

PAGE_SIZE = 50


def _page(access: ProjectAccess, segment_filter: SegmentFilter, number: str):
    # Document by document, text sliced in Python: see coding.segment_pages.
    return segment_page(
        filtered_codings(access, segment_filter),
        number,
        per_page=PAGE_SIZE,
        documents=access.document_ids,
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def segments(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    errors: list[str] = []
    try:
        segment_filter = SegmentFilterForm(
            request.GET, project_id=project_id
        ).segment_filter()
    except ValidationError as error:
        errors = error_messages(error)
        segment_filter = SegmentFilter()
    page = (
        None if errors else _page(access, segment_filter, request.GET.get("page", "1"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "access": access,
        "project": access.project,
        "page": page,
        "filter": segment_filter,
        "errors": errors,
        "query": query.urlencode(),
        "export_query": urlencode(
            [(k, v) for k, values in query.lists() for v in values], doseq=True
        ),
        **filter_choices(access),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "coding/segments.html#results", context, status=status
        )
    return TemplateResponse(request, "coding/segments.html", context, status=status)
