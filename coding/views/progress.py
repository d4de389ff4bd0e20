"""Assignments: the coder's "my work" list and the supervisor's live progress table."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from coding.access import Cap, ProjectAccess, access_project
from coding.forms import digit_ids
from coding.models import (
    Assignment,
    AssignmentStatus,
    Coding,
    Document,
    Membership,
    Role,
)
from coding.services.team import (
    assignment_create,
    assignment_delete,
    assignment_set_status,
)
from coding.views.base import error_messages


@dataclass
class Cell:
    assignment: Assignment | None
    codings: int


@dataclass
class Row:
    document: Document
    cells: list[Cell] = field(default_factory=list)
    done: int = 0
    assigned: int = 0


@dataclass
class CoderColumn:
    user_id: int
    username: str
    assigned: int = 0
    done: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


def _progress_context(access: ProjectAccess) -> dict:
    project = access.project
    documents = list(
        Document.objects.filter(project=project).without_text().order_by("title")
    )
    assignments = list(Assignment.objects.filter(project=project))
    coder_ids = set(
        Membership.objects.filter(project=project, role=Role.CODER).values_list(
            "user_id", flat=True
        )
    ) | {a.coder_id for a in assignments}
    members = dict(
        Membership.objects.filter(project=project, user_id__in=coder_ids).values_list(
            "user_id", "user__username"
        )
    )
    columns = [
        CoderColumn(uid, name)
        for uid, name in sorted(members.items(), key=lambda m: m[1])
    ]
    counts = {
        (row["document_id"], row["coder_id"]): row["n"]
        for row in Coding.objects.filter(
            document__project=project, coder_id__in=coder_ids
        )
        .values("document_id", "coder_id")
        .annotate(n=Count("id"))
    }
    by_key = {(a.document_id, a.coder_id): a for a in assignments}
    rows = []
    for document in documents:
        row = Row(document=document)
        for column in columns:
            assignment = by_key.get((document.pk, column.user_id))
            row.cells.append(
                Cell(assignment, counts.get((document.pk, column.user_id), 0))
            )
            if assignment is not None:
                row.assigned += 1
                column.assigned += 1
                if assignment.status == AssignmentStatus.DONE:
                    row.done += 1
                    column.done += 1
        rows.append(row)
    total = sum(c.assigned for c in columns)
    done = sum(c.done for c in columns)
    return {
        "access": access,
        "project": project,
        "rows": rows,
        "columns": columns,
        "documents": documents,
        "percent_done": round(100 * done / total) if total else 0,
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


def _my_rows(access: ProjectAccess) -> list[dict]:
    assignments = list(
        Assignment.objects.filter(project=access.project, coder_id=access.user_id)
        .select_related("document")
        .defer("document__text")
        .order_by("document__title")
    )
    counts = dict(
        Coding.objects.filter(document__project=access.project, coder_id=access.user_id)
        .values_list("document_id")
        .annotate(n=Count("id"))
        .values_list("document_id", "n")
    )
    return [
        {"assignment": a, "codings": counts.get(a.document_id, 0)} for a in assignments
    ]


@login_required
@require_GET
def my_work(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.CODE)
    return TemplateResponse(
        request,
        "coding/my_work.html",
        {"access": access, "project": access.project, "rows": _my_rows(access)},
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
    status = request.POST.get("status", "")
    if status not in {AssignmentStatus.DONE, AssignmentStatus.IN_PROGRESS}:
        messages.error(request, _("Choose “done” or “in progress”."))
        return redirect("coding:my_work", project_id=project_id)
    assignment_set_status(assignment=assignment, status=status, actor=request.user)
    if request.htmx:
        row = next(r for r in _my_rows(access) if r["assignment"].pk == assignment.pk)
        return TemplateResponse(
            request,
            "coding/my_work.html#work-row",
            {"row": row, "project": access.project},
        )
    return redirect("coding:my_work", project_id=project_id)
