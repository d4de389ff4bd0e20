"""The analysis landing page: what each analysis answers, with a link to it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from coding.access import Cap, access_project


@login_required
@require_GET
def analysis_overview(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    return TemplateResponse(
        request,
        "analysis/overview.html",
        {
            "access": access,
            "project": access.project,
            "can_code": access.can(Cap.CODE),
        },
    )
