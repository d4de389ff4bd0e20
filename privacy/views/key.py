"""The key page (owners only): the mapping label → original, its download, and
"destroy the key". Every look, download and destruction is in the trail."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coding.access import Cap, access_project
from privacy.models import PrivacyEvent
from privacy.services.keytable import key_destroy, key_event, key_rows, privacy_settings


@login_required
@require_GET
def key(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
    key_event(
        project=access.project,
        actor=request.user,
        action=PrivacyEvent.Action.KEY_VIEWED,
    )
    return TemplateResponse(
        request,
        "privacy/key.html",
        {
            "access": access,
            "project": access.project,
            "rows": key_rows(project=access.project),
            "settings": privacy_settings(access.project),
        },
    )


@login_required
@require_GET
def key_download(request: HttpRequest, project_id: int) -> HttpResponse:
    """The mapping as CSV (label, category, original)."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
    key_event(
        project=access.project,
        actor=request.user,
        action=PrivacyEvent.Action.KEY_DOWNLOADED,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["label", "category", "original"])
    for row in key_rows(project=access.project):
        writer.writerow([_cell(row.label), row.category, _cell(row.original or "")])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="pseudonym-key-{project_id}.csv"'
    )
    return response


def _cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula."""
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value


@login_required
@require_POST
def key_destroy_view(request: HttpRequest, project_id: int) -> HttpResponse:
    """Destroy the key, once the owner typed the project's name to confirm."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
    if request.POST.get("confirm_name", "").strip() != access.project.name:
        messages.error(
            request, _("Type the project's name exactly to destroy its key.")
        )
        return redirect("privacy:key", project_id)
    key_destroy(project=access.project, actor=request.user)
    messages.success(
        request, _("The key was destroyed: the project is anonymised for good.")
    )
    return redirect("privacy:key", project_id)
