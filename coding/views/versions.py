"""The codebook versions page: freeze the codebook for a round, compare two versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coding.access import Cap, access_project
from coding.forms import VersionDiffForm, parse_params
from coding.models import CodebookVersion
from coding.services.versions import (
    CURRENT,
    codebook_compare,
    codebook_freeze,
    codebook_version_list,
)
from coding.views.base import error_messages


@login_required
@require_http_methods(["GET", "POST"])
def codebook_versions(request: HttpRequest, project_id: int) -> HttpResponse:
    """Every member sees the versions; owners and supervisors freeze new ones."""
    need = Cap.SUPERVISE if request.method == "POST" else Cap.VIEW
    access = access_project(request.user, project_id, need=need)
    errors: list[str] = []
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            version = codebook_freeze(
                project=access.project, name=name, actor=request.user
            )
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(
                request,
                _("The codebook is frozen as version %(number)d, “%(name)s”.")
                % {"number": version.number, "name": version.name},
            )
            return redirect("coding:codebook_versions", project_id=project_id)
    versions = codebook_version_list(
        project=access.project, visible_codings=access.coding_filter("codings__")
    )
    return TemplateResponse(
        request,
        "coding/codebook_versions.html",
        {
            "access": access,
            "project": access.project,
            "versions": versions,
            "can_freeze": access.can(Cap.SUPERVISE),
            "current": CURRENT,
            "name": name,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def codebook_versions_diff(request: HttpRequest, project_id: int) -> HttpResponse:
    """``?from=<number>&to=<number or current>``; both optional (see the service)."""
    access = access_project(request.user, project_id)
    from_ref, to_ref = parse_params(VersionDiffForm(request.GET)).refs
    versions = list(
        CodebookVersion.objects.filter(project=access.project)
        .defer("codes")
        .order_by("-number")
    )
    context = {
        "access": access,
        "project": access.project,
        "versions": versions,
        "current": CURRENT,
        "selected_from": from_ref,
        "selected_to": to_ref,
        "comparison": None,
        "errors": [],
    }
    if not versions and not from_ref and not to_ref:
        return TemplateResponse(request, "coding/codebook_diff.html", context)
    try:
        comparison = codebook_compare(
            project=access.project, from_ref=from_ref, to_ref=to_ref
        )
    except ValidationError as error:
        context["errors"] = error_messages(error)
        return TemplateResponse(
            request, "coding/codebook_diff.html", context, status=400
        )
    context.update(
        comparison=comparison,
        diff=comparison.diff,
        selected_from=str(comparison.old.number),
        selected_to=CURRENT if comparison.new is None else str(comparison.new.number),
    )
    return TemplateResponse(request, "coding/codebook_diff.html", context)
