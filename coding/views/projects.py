"""Project list, creation, overview (documents) and settings pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coding.access import Cap, access_project
from coding.first_steps import project_checklist
from coding.forms import ProjectForm, ProjectSettingsForm
from coding.models import Document, Membership, Project
from coding.services.projects import project_create, project_update
from coding.views.base import error_messages


@login_required
@require_http_methods(["GET"])
def project_list(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("project")
        .annotate(document_count=Count("project__documents", distinct=True))
        .order_by("project__name")
    )
    return TemplateResponse(
        request,
        "coding/project_list.html",
        {"memberships": memberships, "form": ProjectForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create_view(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(
                request, _("Project “%(name)s” created.") % {"name": project.name}
            )
            return redirect(project.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "coding/project_create.html",
        {"form": form, "errors": errors},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    documents = (
        Document.objects.filter(project=access.project)
        .without_text()
        .select_related("case")
        .annotate(
            visible_codings=Count("codings", filter=access.coding_filter("codings__"))
        )
    )
    hidden = project_id in request.session.get(HIDDEN_CHECKLISTS_KEY, [])
    checklist = None if hidden else project_checklist(access)
    return TemplateResponse(
        request,
        "coding/project_detail.html",
        {
            "access": access,
            "project": access.project,
            "documents": documents,
            "checklist": None if checklist is None or checklist.complete else checklist,
        },
    )


# Projects whose first-steps checklist this session has put away.
HIDDEN_CHECKLISTS_KEY = "regie_hidden_checklists"


@login_required
@require_POST
def project_detail_hide_checklist(
    request: HttpRequest, project_id: int
) -> HttpResponse:
    """Put the first-steps checklist away (for this session): some steps, such as a
    small export downloaded at once, leave no trace to tick them by."""
    access = access_project(request.user, project_id)
    hidden = request.session.get(HIDDEN_CHECKLISTS_KEY, [])
    if access.project.pk not in hidden:
        request.session[HIDDEN_CHECKLISTS_KEY] = [*hidden, access.project.pk]
    return redirect(access.project.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    project: Project = access.project
    form = ProjectSettingsForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        project_update(project=project, **form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("coding:project_settings", project_id=project.pk)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "coding/project_settings.html",
        {"access": access, "project": project, "form": form},
        status=status,
    )
