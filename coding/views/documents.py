"""Document import (files, several at once or a .zip), edit and delete."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from coding.access import Cap, access_document, access_project
from coding.forms import DocumentEditForm, UploadForm
from coding.jobs.models import JobStatus
from coding.jobs.services import job_refresh
from coding.services.document_imports import (
    access_document_import_job,
    document_import_job_create,
    document_import_job_documents,
    imports_in_background,
)
from coding.services.documents import (
    case_get_or_create,
    document_delete,
    document_update,
    documents_import_files,
)
from coding.views.base import error_messages


def upload_too_large_message() -> str:
    return _(
        "The upload is larger than %(limit)s; import the files in smaller batches."
    ) % {"limit": filesizeformat(settings.REGIE_MAX_UPLOAD_REQUEST_BYTES)}


def request_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.REGIE_MAX_UPLOAD_REQUEST_BYTES


# Where a failed import leaves its messages for the page it redirects to.
IMPORT_ERRORS_KEY = "regie_import_errors"


@login_required
@require_http_methods(["GET", "POST"])
def documents_import(request: HttpRequest, project_id: int) -> HttpResponse:
    """The import form (GET); POST imports the files, all or none.

    A failed import redirects back here (POST/redirect/GET) with its messages kept
    in the session for one showing, so reloading the page shows the form again
    instead of sending the files a second time.
    """
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    if request.method == "GET":
        return TemplateResponse(
            request,
            "coding/documents_import.html",
            {
                "project": access.project,
                "access": access,
                "errors": request.session.pop(IMPORT_ERRORS_KEY, []),
                "upload_form": UploadForm(project=access.project),
            },
        )
    errors: list[str] = []
    if request_too_large(request):
        errors = [upload_too_large_message()]
    else:
        form = UploadForm(request.POST, project=access.project)
        uploads = request.FILES.getlist("files")
        if not uploads:
            errors = [_("Choose one or more files to import.")]
        elif not form.is_valid():
            errors = [_("Choose a case of this project.")]
        elif imports_in_background(uploads):
            job = document_import_job_create(
                project=access.project,
                uploads=uploads,
                user=request.user,
                case=form.cleaned_data["case"],
            )
            return redirect(
                "coding:documents_import_job", project_id=project_id, job_id=job.pk
            )
        else:
            files = [(upload.name, upload.read()) for upload in uploads]
            try:
                documents = documents_import_files(
                    project=access.project,
                    files=files,
                    user=request.user,
                    max_file_bytes=settings.REGIE_MAX_UPLOAD_FILE_BYTES,
                    case=form.cleaned_data["case"],
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d document imported.",
                        "%(count)d documents imported.",
                        len(documents),
                    )
                    % {"count": len(documents)},
                )
                return redirect(access.project.get_absolute_url())
    request.session[IMPORT_ERRORS_KEY] = errors
    return redirect("coding:documents_import", project_id=access.project.pk)


@login_required
@require_GET
def documents_import_job(
    request: HttpRequest, project_id: int, job_id: int
) -> HttpResponse:
    """A large import a worker runs: its state, polled until it is done or failed
    (a job whose worker died is sent again or failed right here: ``job_refresh``)."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    job = job_refresh(access_document_import_job(access.project, request.user, job_id))
    template = "coding/documents_import_job.html"
    if request.headers.get("HX-Request"):
        template += "#import-job"
    context = {
        "project": access.project,
        "access": access,
        "job": job,
        "badge": job.badge(),
        "documents": document_import_job_documents(job) if job.document_ids else [],
        "errors": job.reasons if job.status == JobStatus.FAILED else [],
    }
    return TemplateResponse(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    initial = {"title": document.title, "case": document.case_id}
    form = DocumentEditForm(
        request.POST or None, initial=initial, project=access.project
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        case = form.cleaned_data["case"]
        try:
            if form.cleaned_data["new_case"].strip():
                case = case_get_or_create(
                    project=access.project, label=form.cleaned_data["new_case"]
                )
            document_update(
                document=document,
                title=form.cleaned_data["title"],
                case=case,
                actor=request.user,
            )
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(request, _("Document saved."))
            return redirect(access.project.get_absolute_url())
    return TemplateResponse(
        request,
        "coding/document_edit.html",
        {
            "access": access,
            "project": access.project,
            "document": document,
            "form": form,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def document_delete_view(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    title = document.title
    document_delete(document=document, actor=request.user)
    messages.success(request, _("Document “%(title)s” deleted.") % {"title": title})
    return redirect(access.project.get_absolute_url())
