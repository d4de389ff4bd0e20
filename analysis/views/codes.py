"""The analysis dashboard: stored code frequencies with a stale/computing/fresh badge."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from analysis.models import AnalysisState
from analysis.selectors_frequencies import (
    analysis_state,
    code_frequency_rows,
    frequency_status,
)
from analysis.services.frequencies import (
    frequencies_schedule,
    frequencies_schedule_if_stale,
)
from coding.access import ProjectAccess, access_project
from coding.jobs.services import job_refresh
from coding.views.base import error_messages

CHART_CODES = 30


def _chart(rows: list) -> list[dict]:
    """The codes applied most often in the first scope (the whole project, or the
    table's first document, coder or value), most first: a chart of every code in
    codebook order grows too tall and hid the codebook's last codes."""
    first = [r for r in rows if r.scope_key == rows[0].scope_key] if rows else []
    first.sort(key=lambda r: -r.codings)  # stable: ties stay in codebook order
    return [
        {"label": r.code_path, "value": r.codings, "color": r.color}
        for r in first[:CHART_CODES]
        if r.codings
    ]


def _state_context(access: ProjectAccess, state: AnalysisState) -> dict:
    """The frequency job and its badge as this member may see them (worked out
    once: it reads the change record)."""
    shown = frequency_status(access, state)
    return {"state": shown, "badge": shown.badge}


def _options(request: HttpRequest) -> tuple[str, bool]:
    return request.GET.get("scope", "all"), request.GET.get("rolled", "1") != "0"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def analysis_codes(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    scope, rolled = _options(request)
    if not access.sees_all_codings:
        scope = "all"  # blind coding: one's own totals, whatever scope was asked
    frequencies_schedule_if_stale(project_id=access.project.pk)
    errors: list[str] = []
    try:
        rows = code_frequency_rows(access, scope=scope, rolled_up=rolled)
    except ValidationError as error:
        rows, errors = [], error_messages(error)
    context = {
        "access": access,
        "project": access.project,
        "rows": rows,
        "scope": scope,
        "rolled": rolled,
        **_state_context(access, analysis_state(access)),
        "errors": errors,
        "chart": _chart(rows),
        "chart_scope": rows[0].scope_label if rows else "",
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request,
            "analysis/codes.html#frequency-table",
            context,
            status=status,
        )
    return TemplateResponse(request, "analysis/codes.html", context, status=status)


@login_required
@require_GET
def analysis_codes_status(request: HttpRequest, project_id: int) -> HttpResponse:
    """The badge alone; it polls itself while a computation runs (and checks the
    job for a dead worker or a lost message)."""
    access = access_project(request.user, project_id)
    state = job_refresh(analysis_state(access))
    return TemplateResponse(
        request,
        "analysis/codes.html#status-badge",
        {"project": access.project, "access": access, **_state_context(access, state)},
    )


@login_required
@require_POST
def analysis_codes_refresh(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    frequencies_schedule(project_id=access.project.pk, countdown=0)
    return analysis_codes_status(request, project_id)
