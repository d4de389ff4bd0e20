"""The word frequency page: top words per project, document, speaker, case attribute
value or code, as a readable table and a bar chart; the project's stop lists."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from analysis.forms import WordQuery, word_query_from_params
from analysis.models import AnalysisKind
from analysis.selectors import word_groups
from analysis.services.results import (
    stop_words_reset,
    stop_words_texts,
    stop_words_update,
)
from analysis.views.results import (
    filter_form,
    parse_query,
    request_result,
    result_context,
)
from coding.access import Cap, access_project
from coding.views.base import error_messages

CHART_WORDS = 30


@login_required
@require_GET
@vary_on_headers("HX-Request")
def words(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(word_query_from_params, project_id=project_id), request.GET, WordQuery()
    )
    result = None
    if not errors:
        result, errors = request_result(request, access, AnalysisKind.WORDS, query)
    context = result_context(result)
    groups = word_groups(access, query, context["data"])
    context |= {
        "access": access,
        "project": access.project,
        "query": query,
        "errors": errors,
        "groups": groups,
        "chart": [
            {"label": r.word, "value": r.count} for r in groups[0].rows[:CHART_WORDS]
        ]
        if groups
        else [],
        "stop_lists": stop_words_texts(access.project),
        "can_edit_stop_lists": access.can(Cap.SUPERVISE),
        **filter_form(access, request.GET),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "analysis/words.html#result", context, status=status
        )
    return TemplateResponse(request, "analysis/words.html", context, status=status)


@login_required
@require_POST
def words_stop_lists(request: HttpRequest, project_id: int) -> HttpResponse:
    """Save or reset the project's stop lists (owners and supervisors)."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    if request.POST.get("reset"):
        stop_words_reset(project=access.project)
        messages.success(request, _("The stop lists are back to the shipped ones."))
    else:
        try:
            stop_words_update(
                project=access.project,
                dutch=request.POST.get("dutch", ""),
                english=request.POST.get("english", ""),
                actor=request.user,
            )
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Stop lists saved."))
    return redirect("analysis:words", project_id=access.project.pk)
