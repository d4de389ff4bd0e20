"""The export page (what, filters, format; large exports as a job with a progress
badge), the import page (upload → preview of what will be created → confirm or
cancel) and the codebook import (upload → preview of what changes → confirm)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from coding.access import Cap, ProjectAccess, access_project
from coding.jobs.services import job_refresh
from coding.segments import SegmentFilterForm
from coding.selectors import filter_choices
from coding.views.base import error_messages
from coding.views.codebook import MAX_CODEBOOK_BYTES, codebook_import_and_report
from coding.views.documents import request_too_large, upload_too_large_message
from interop.models import ExportJob, ExportKind
from interop.services.exports import (
    CONTENT_TYPES,
    CSV_KINDS,
    EXPORT_NEEDS,
    FILTERED_KINDS,
    access_export,
    access_export_job,
    export_job_create,
    export_params,
    export_request,
    runs_in_background,
)
from interop.services.project_files import (
    access_pending_import,
    access_project_import_job,
    pending_import_cancel,
    pending_import_confirm,
    pending_import_create,
    pending_import_to_job,
)
from interop.services.refi import codebook_import_preview

# Where a small export is downloaded straight away (the API streams it).
DIRECT_URLS = {
    ExportKind.SEGMENTS_CSV: "api-export-segments-csv",
    ExportKind.SEGMENTS_XLSX: "api-export-segments-xlsx",
    ExportKind.CODEBOOK_CSV: "api-export-codebook-csv",
    ExportKind.CODEBOOK_QDC: "api-export-codebook-qdc",
    ExportKind.CASES_CSV: "api-export-cases-csv",
    ExportKind.CODE_DOCUMENT_CSV: "api-export-code-documents-csv",
    ExportKind.PROJECT_QDPX: "api-export-project-qdpx",
    ExportKind.BACKUP: "api-export-project-qdpx",
}


def _kinds(access: ProjectAccess) -> list[tuple[str, str]]:
    """The kinds of export this member may make, in the page's order."""
    return [
        (value, label)
        for value, label in ExportKind.choices
        if access.can(EXPORT_NEEDS[value])
    ]


def _form_data(post: QueryDict) -> QueryDict:
    """The form sends a hidden "0" before each checkbox so that an unticked box
    still says so; a ticked one then sends "0" and "1", and the last one counts."""
    data = post.copy()
    for key in ("subcodes", "bom"):
        values = data.getlist(key)
        if values:
            data.setlist(key, values[-1:])
    return data


def _direct_url(access: ProjectAccess, kind: str, params: dict) -> str:
    """The API address that streams this export, with only the options it uses."""
    keys = {"delimiter", "bom"} if kind in CSV_KINDS else set()
    if kind in FILTERED_KINDS:
        keys |= set(params) - {"attribute", "delimiter", "bom"}
    query = [(k, v) for k, v in params.items() if k in keys and v != ""]
    if kind in FILTERED_KINDS:
        query += [("attribute", a) for a in params.get("attribute", [])]
    if kind == ExportKind.BACKUP:
        query.append(("full", "1"))
    url = reverse(DIRECT_URLS[kind], args=[access.project.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _export_context(access: ProjectAccess, request: HttpRequest, **extra) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    try:
        segment_filter = SegmentFilterForm(
            export_params(source), project_id=access.project.pk
        ).segment_filter()
    except ValidationError:
        segment_filter = SegmentFilterForm({}).segment_filter()
    jobs = ExportJob.objects.filter(
        project=access.project, requested_by_id=access.user_id
    )[:10]
    kinds = _kinds(access)
    kind = source.get("kind", "")
    return {
        "access": access,
        "project": access.project,
        "kinds": kinds,
        "kind": kind if kind in dict(kinds) else ExportKind.SEGMENTS_CSV,
        "delimiter": source.get("delimiter", ";"),
        "bom": source.get("bom", "1") not in {"0", "false"},
        "filter": segment_filter,
        "filtered_kinds": sorted(FILTERED_KINDS),
        "csv_kinds": sorted(CSV_KINDS),
        "jobs": jobs,
        "errors": [],
        **filter_choices(access),
        **extra,
    }


@login_required
@require_GET
def export(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    return TemplateResponse(
        request, "interop/export.html", _export_context(access, request)
    )


def _export_errors(
    request: HttpRequest, access: ProjectAccess, errors: list[str], status: int
) -> HttpResponse:
    context = _export_context(access, request, errors=errors)
    template = (
        "interop/export.html#export-result" if request.htmx else "interop/export.html"
    )
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_POST
def export_start(request: HttpRequest, project_id: int) -> HttpResponse:
    """Small exports download at once; large ones become a job the page follows."""
    access = access_project(request.user, project_id)
    kind = request.POST.get("kind", "")
    data = _form_data(request.POST)
    try:
        if kind in EXPORT_NEEDS:
            access_export(request.user, project_id, kind)
        export_job = export_request(access, kind, data)
    except PermissionDenied as error:
        return _export_errors(request, access, [str(error)], 403)
    except ValidationError as error:
        return _export_errors(request, access, error_messages(error), 400)
    if not runs_in_background(access, export_job):
        url = _direct_url(access, kind, export_params(data))
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)
    job = export_job_create(access=access, request=export_job)
    if request.htmx:
        return TemplateResponse(
            request,
            "interop/export.html#export-result",
            _export_context(access, request, new_job=job),
        )
    return redirect(reverse("interop:export", args=[project_id]) + f"?job={job.pk}")


@login_required
@require_GET
def export_job_status(
    request: HttpRequest, project_id: int, job_id: int
) -> HttpResponse:
    """One job's badge; it polls itself while the job is queued or running (and a
    job whose worker died is sent again or failed right here: ``job_refresh``)."""
    access, job = access_export_job(request.user, project_id, job_id)
    job = job_refresh(job)
    return TemplateResponse(
        request,
        "interop/export.html#job-status",
        {"project": access.project, "job": job, "access": access},
    )


@login_required
@require_GET
def export_download(request: HttpRequest, project_id: int, job_id: int) -> HttpResponse:
    access, job = access_export_job(request.user, project_id, job_id)
    if job.status != "done" or not job.file:
        raise Http404
    # The file was made for this member; still, they must still be allowed to.
    access_export(request.user, project_id, job.kind)
    extension = job.filename.rsplit(".", 1)[-1]
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


# ---------------------------------------------------------------------------
# Import page
# ---------------------------------------------------------------------------

COUNT_LABELS = {
    "sources": gettext_lazy("text sources (documents)"),
    "codes": gettext_lazy("codes"),
    "codings": gettext_lazy("codings"),
    "users": gettext_lazy("users"),
    "cases": gettext_lazy("cases"),
    "variables": gettext_lazy("case variables"),
    "notes": gettext_lazy("notes"),
    "sets": gettext_lazy("sets (not imported)"),
    "memberships": gettext_lazy("memberships"),
    "assignments": gettext_lazy("assignments"),
    "codebook_versions": gettext_lazy("codebook versions"),
    "audit_events": gettext_lazy("audit trail events"),
}


# Shown even when there are none; the other counts only when there are some.
ALWAYS_COUNTED = ("sources", "codes", "codings", "users")


def _count_rows(counts: dict) -> list[tuple[str, int]]:
    """The counts in a fixed order (the stored summary does not keep one)."""
    keys = list(COUNT_LABELS) + sorted(set(counts) - set(COUNT_LABELS))
    return [
        (COUNT_LABELS.get(key, key), counts[key])
        for key in keys
        if key in counts and (counts[key] or key in ALWAYS_COUNTED)
    ]


def _preview_context(pending, errors: list[str] | None = None) -> dict:
    summary = pending.summary
    return {
        "pending": pending,
        "summary": summary,
        "count_rows": _count_rows(summary.get("counts") or {}),
        "errors": errors or [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def project_import(request: HttpRequest) -> HttpResponse:
    """Upload a .qdpx; it is read and summarised, nothing is imported yet."""
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if request_too_large(request):
            errors = [upload_too_large_message()]
        elif upload is None:
            errors = [_("Choose a REFI-QDA project file (.qdpx) or a Regie backup.")]
        elif upload.size > settings.REGIE_MAX_UPLOAD_REQUEST_BYTES:
            errors = [upload_too_large_message()]
        else:
            try:
                pending = pending_import_create(
                    user=request.user,
                    data=upload.read(),
                    filename=upload.name,
                    name=request.POST.get("name", ""),
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("interop:project_import_preview", pending_id=pending.pk)
    return TemplateResponse(
        request,
        "interop/import.html",
        {"errors": errors, "name": request.POST.get("name", "")},
        status=400 if errors else 200,
    )


@login_required
@require_GET
def project_import_preview(request: HttpRequest, pending_id: int) -> HttpResponse:
    """What the import will create, before anything is written."""
    pending = access_pending_import(request.user, pending_id)
    return TemplateResponse(request, "interop/import.html", _preview_context(pending))


@login_required
@require_POST
def project_import_confirm(request: HttpRequest, pending_id: int) -> HttpResponse:
    pending = access_pending_import(request.user, pending_id)
    name = (request.POST.get("name") or "").strip() or None
    if pending.size > settings.REGIE_IMPORT_INLINE_BYTES:
        job = pending_import_to_job(pending=pending, name=name)
        return redirect("interop:project_import_job", job_id=job.pk)
    try:
        result = pending_import_confirm(pending=pending, name=name)
    except ValidationError as error:
        return TemplateResponse(
            request,
            "interop/import.html",
            _preview_context(pending, error_messages(error)),
            status=400,
        )
    messages.success(
        request,
        _("“%(name)s” imported: %(documents)s documents, %(codings)s codings.")
        % {
            "name": result.project.name,
            "documents": result.counts.get("documents", 0),
            "codings": result.counts.get("codings", 0),
        },
    )
    for warning in result.warnings[:20]:
        messages.warning(request, warning)
    return redirect(result.project.get_absolute_url())


@login_required
@require_GET
def project_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A large import a worker runs: its state, polled until it is done or failed
    (a job whose worker died is sent again or failed right here: ``job_refresh``)."""
    job = job_refresh(access_project_import_job(request.user, job_id))
    template = "interop/import_job.html"
    if request.headers.get("HX-Request"):
        template += "#import-job"
    return TemplateResponse(request, template, {"job": job, "badge": job.badge()})


@login_required
@require_POST
def project_import_cancel(request: HttpRequest, pending_id: int) -> HttpResponse:
    pending = access_pending_import(request.user, pending_id)
    pending_import_cancel(pending=pending)
    messages.info(request, _("The import was cancelled; nothing was imported."))
    return redirect("coding:project_list")


# ---------------------------------------------------------------------------
# Codebook import into an existing project
# ---------------------------------------------------------------------------


def _codebook_import_page(
    request: HttpRequest, access: ProjectAccess, status: int = 200, **extra
) -> HttpResponse:
    context = {"access": access, "project": access.project, "errors": [], **extra}
    return TemplateResponse(
        request, "interop/codebook_import.html", context, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def codebook_import(request: HttpRequest, project_id: int) -> HttpResponse:
    """Upload a codebook (.qdc or CSV) and see which codes it adds or changes.

    Nothing is written here: the file travels on in the confirmation form, so the
    preview needs no storage and the import reads exactly what was previewed.
    """
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    if request.method == "GET":
        return _codebook_import_page(request, access)
    upload = request.FILES.get("file")
    if request_too_large(request):
        errors = [upload_too_large_message()]
    elif upload is None:
        errors = [_("Choose a codebook file (CSV or REFI-QDA .qdc).")]
    elif upload.size > MAX_CODEBOOK_BYTES:
        errors = [_("A codebook file can be at most 2 MB.")]
    else:
        data = upload.read()
        try:
            preview = codebook_import_preview(
                project=access.project,
                data=data,
                filename=upload.name,
                actor=request.user,
            )
        except ValidationError as error:
            errors = error_messages(error)
        else:
            return _codebook_import_page(
                request,
                access,
                preview=preview,
                filename=upload.name,
                data=base64.b64encode(data).decode("ascii"),
            )
    return _codebook_import_page(request, access, status=400, errors=errors)


@login_required
@require_POST
def codebook_import_confirm(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    filename = request.POST.get("filename", "")[:300] or "codebook.csv"
    try:
        data = base64.b64decode(request.POST.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        errors = [_("The codebook file did not come along; choose it again.")]
    elif len(data) > MAX_CODEBOOK_BYTES:
        errors = [_("A codebook file can be at most 2 MB.")]
    else:
        done, errors = codebook_import_and_report(
            request, access, data=data, filename=filename
        )
        if done is not None:
            return done
    return _codebook_import_page(request, access, status=400, errors=errors)
