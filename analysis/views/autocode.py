"""The auto-coding page: search a keyword, phrase or pattern (or pick a speaker),
preview the passages with their count, code them all in one run, undo the run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from analysis.forms import AutocodeQuery, autocode_query_from_params
from analysis.models import AnalysisKind, AutoCodeRun
from analysis.results import AutocodePreviewData, PreviewMatch
from analysis.selectors import document_titles
from analysis.services.autocode import autocode_start, autocode_undo
from analysis.views.results import (
    filter_form,
    parse_query,
    request_result,
    result_context,
)
from coding.access import Cap, ProjectAccess, access_code, access_project
from coding.jobs.services import job_refresh
from coding.models import Code, SpeakerTurn
from coding.selectors import codebook_tree, flatten
from coding.views.base import error_messages

RECENT_RUNS = 20
QUERY_FIELDS = (
    "pattern",
    "kind",
    "whole_word",
    "case_sensitive",
    "expand",
    "speaker",
    "documents",
    "attribute",
)


def visible_runs(access: ProjectAccess):
    """Recent runs: everyone's for supervisors, one's own for the others."""
    runs = AutoCodeRun.objects.filter(project=access.project).select_related(
        "code", "coder"
    )
    if not access.can(Cap.SUPERVISE):
        runs = runs.filter(coder_id=access.user_id)
    return runs[:RECENT_RUNS]


def _runs_context(access: ProjectAccess) -> dict:
    # The list polls while a run is in progress: check those for a dead worker or
    # a lost message.
    runs = [job_refresh(r) if r.in_progress else r for r in visible_runs(access)]
    return {
        "runs": runs,
        "runs_polling": any(r.in_progress for r in runs),
        "can_supervise": access.can(Cap.SUPERVISE),
    }


def _query_items(params) -> list[tuple[str, str]]:
    """The search's own parameters, to carry from the preview to the apply form."""
    return [(k, v) for k in QUERY_FIELDS for v in params.getlist(k)]


@dataclass(frozen=True, slots=True)
class TitledMatch(PreviewMatch):
    """A previewed passage with its document's title, for the page."""

    title: str = ""


@login_required
@require_GET
@vary_on_headers("HX-Request")
def autocode(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    asked = "pattern" in request.GET or "speaker" in request.GET
    query, errors = AutocodeQuery(), []
    if asked:
        query, errors = parse_query(
            partial(autocode_query_from_params, project_id=project_id),
            request.GET,
            AutocodeQuery(),
        )
    result = None
    if asked and not errors:
        result, errors = request_result(
            request, access, AnalysisKind.AUTOCODE_PREVIEW, query
        )
    context = result_context(result)
    preview: AutocodePreviewData | None = context["data"]
    titles = document_titles(access.project.pk) if preview else {}
    matches = [
        TitledMatch(**asdict(match), title=titles.get(match.document, ""))
        for match in (preview.matches if preview else ())
    ]
    context |= {
        "access": access,
        "project": access.project,
        "query": query,
        "errors": errors,
        "matches": matches,
        "documents_hit": len(preview.per_document) if preview else 0,
        "query_items": _query_items(request.GET),
        "can_code": access.can(Cap.CODE),
        "code_choices": flatten(
            codebook_tree(Code.objects.filter(project=access.project))
        )
        if access.can(Cap.CODE)
        else [],
        "speakers": list(
            SpeakerTurn.objects.filter(document__project=access.project)
            .exclude(speaker="")
            .order_by("speaker")
            .values_list("speaker", flat=True)
            .distinct()
        ),
        **filter_form(access, request.GET),
        **_runs_context(access),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "analysis/autocode.html#result", context, status=status
        )
    return TemplateResponse(request, "analysis/autocode.html", context, status=status)


def _runs_response(request: HttpRequest, access: ProjectAccess, **extra):
    context = {"access": access, "project": access.project, **_runs_context(access)}
    return TemplateResponse(request, "analysis/autocode.html#runs", context | extra)


def _back(project_id: int, params) -> HttpResponse:
    """Non-htmx answer to a POST: back to the page with the same search."""
    url = reverse("analysis:autocode", args=[project_id])
    query = urlencode(_query_items(params))
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def autocode_apply(request: HttpRequest, project_id: int) -> HttpResponse:
    """Code every passage of the search with the chosen code, as the caller."""
    access = access_project(request.user, project_id, need=Cap.CODE)
    errors: list[str] = []
    run = None
    try:
        query = autocode_query_from_params(request.POST, project_id=project_id)
        raw_code = request.POST.get("code", "")
        if not raw_code.isdecimal():
            raise ValidationError({"code": _("Choose the code to apply.")})
        _access, code = access_code(request.user, project_id, int(raw_code))
        run = autocode_start(access=access, query=query, code=code, user=request.user)
    except ValidationError as error:
        errors = error_messages(error)
    if request.htmx:
        note = _run_message(run) if run is not None else ""
        return _runs_response(request, access, errors=errors, note=note)
    for message in errors:
        messages.error(request, message)
    if run is not None:
        messages.success(request, _run_message(run))
    return _back(project_id, request.POST)


def _run_message(run: AutoCodeRun) -> str:
    if run.status == AutoCodeRun.Status.DONE:
        return _(
            "Coded %(created)d passages with “%(code)s” (%(skipped)d were coded "
            "already)."
        ) % {"created": run.created, "code": run.code.name, "skipped": run.skipped}
    if run.status == AutoCodeRun.Status.FAILED:
        return _("Auto-coding failed: %(error)s") % {"error": run.error}
    return _("Auto-coding runs in the background; this list shows when it is done.")


def _undo_message(run: AutoCodeRun) -> str:
    if run.undo_kept:
        return _("Auto-coding undone; %(kept)d codings changed since were kept.") % {
            "kept": run.undo_kept
        }
    return _("Auto-coding undone.")


@login_required
@require_GET
def autocode_runs(request: HttpRequest, project_id: int) -> HttpResponse:
    """The list of recent runs alone; it polls itself while a run is in progress."""
    access = access_project(request.user, project_id)
    return _runs_response(request, access)


@login_required
@require_POST
def autocode_undo_run(
    request: HttpRequest, project_id: int, run_id: int
) -> HttpResponse:
    """Undo one run: its codings go, in one step, with an audit event each."""
    access = access_project(request.user, project_id, need=Cap.CODE)
    run = AutoCodeRun.objects.filter(pk=run_id, project=access.project).first()
    if run is None or not (
        run.coder_id == request.user.pk or access.can(Cap.SUPERVISE)
    ):
        raise Http404
    errors: list[str] = []
    try:
        run = autocode_undo(access=access, run=run, actor=request.user)
    except ValidationError as error:
        errors = error_messages(error)
    if request.htmx:
        note = "" if errors else _undo_message(run)
        return _runs_response(request, access, errors=errors, note=note)
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, _undo_message(run))
    return redirect("analysis:autocode", project_id=project_id)
