"""Assignments: the coder's "my work" list and the supervisor's live progress table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from coding.access import Cap, ProjectAccess, access_project
from coding.forms import AssignmentStatusForm, digit_ids
from coding.models import (
    Assignment,
    AssignmentStatus,
    Document,
    Membership,
)
from coding.selectors_team import assignment_progress, my_work_rows
from coding.services.team import (
    assignment_create,
    assignment_delete,
    assignment_set_status,
)
from coding.views.base import error_messages


def _progress_context(access: ProjectAccess) -> dict:
    table = assignment_progress(access.project)
    return {
        "access": access,
        "project": access.project,
        "rows": table.rows,
        "columns": table.columns,
        "documents": table.documents,
        "percent_done": table.percent_done,
        "statuses": AssignmentStatus,
    }


@login_required
@require_GET
def progress(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    return TemplateResponse(request, "coding/progress.html", _progress_context(access))


@login_required
@require_GET
@vary_on_headers("HX-Request")
def progress_table(request: HttpRequest, project_id: int) -> HttpResponse:
    """The table alone, polled by the page so it stays live."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    return TemplateResponse(
        request, "coding/progress.html#progress-table", _progress_context(access)
    )


@login_required
@require_POST
def progress_assign(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    document_ids = digit_ids(request.POST.getlist("documents"))
    coder_ids = digit_ids(request.POST.getlist("coders"))
    documents = list(
        Document.objects.filter(
            project=access.project, pk__in=document_ids
        ).without_text()
    )
    coders = [
        m.user
        for m in Membership.objects.filter(
            project=access.project, user_id__in=coder_ids
        ).select_related("user")
    ]
    if not documents or not coders:
        messages.error(request, _("Choose at least one document and one coder."))
        return redirect("coding:progress", project_id=project_id)
    try:
        for document in documents:
            for coder in coders:
                assignment_create(document=document, coder=coder, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(documents)d document(s) assigned to %(coders)d coder(s).")
            % {"documents": len(documents), "coders": len(coders)},
        )
    return redirect("coding:progress", project_id=project_id)


@login_required
@require_POST
def progress_unassign(
    request: HttpRequest, project_id: int, assignment_id: int
) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    assignment = get_object_or_404(Assignment, pk=assignment_id, project=access.project)
    assignment_delete(assignment=assignment, actor=request.user)
    messages.success(request, _("Assignment removed; the coder's codings stay."))
    return redirect("coding:progress", project_id=project_id)


@login_required
@require_GET
def my_work(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.CODE)
    return TemplateResponse(
        request,
        "coding/my_work.html",
        {
            "access": access,
            "project": access.project,
            "rows": my_work_rows(access.project, access.user_id),
        },
    )


@login_required
@require_POST
def my_work_set_status(
    request: HttpRequest, project_id: int, assignment_id: int
) -> HttpResponse:
    """The coder marks a document done (or reopens it)."""
    access = access_project(request.user, project_id, need=Cap.CODE)
    assignment = get_object_or_404(Assignment, pk=assignment_id, project=access.project)
    if assignment.coder_id != access.user_id and not access.can(Cap.SUPERVISE):
        raise PermissionDenied(_("This is another coder's assignment."))
    form = AssignmentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose “done” or “in progress”."))
        return redirect("coding:my_work", project_id=project_id)
    assignment_set_status(
        assignment=assignment, status=form.cleaned_data["status"], actor=request.user
    )
    if request.htmx:
        row = next(
            r
            for r in my_work_rows(access.project, access.user_id)
            if r.assignment.pk == assignment.pk
        )
        return TemplateResponse(
            request,
            "coding/my_work.html#work-row",
            {"row": row, "project": access.project},
        )
    return redirect("coding:my_work", project_id=project_id)
