"""Large transcript uploads imported by a worker (``DocumentImportJob``).

A small upload is imported in the request (``documents_import_files``); one whose
files total more than ``REGIE_DOCUMENT_IMPORT_INLINE_BYTES`` is kept under
``var/uploads/`` and imported by a worker, within the task's time limit and
``REGIE_IMPORT_MEMORY_LIMIT_MB``. The import is the same all-or-nothing service:
a refused batch writes nothing and records every file's reason. The kept files
are deleted when the job ends (or when a dead worker's last attempt is given up).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import NoReturn, Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coding.jobs.limits import memory_limit
from coding.jobs.services import job_enqueue, job_finish
from coding.models import Case, Document, DocumentImportJob, Project, upload_storage
from coding.services.documents import document_update, documents_import_files

IMPORT_TOO_LONG = _(
    "The import took longer than the server allows; nothing was imported. Ask the "
    "administrator to raise REGIE_IMPORT_TIME_LIMIT_SECONDS, or import the files "
    "in smaller batches."
)
IMPORT_TOO_BIG = _(
    "The import needed more memory than the server allows; nothing was imported. "
    "Import the files in smaller batches."
)


class Upload(Protocol):
    """An uploaded file as Django hands it over (``UploadedFile``)."""

    name: str
    size: int

    def chunks(self) -> Iterable[bytes]: ...


class ImportFailed(Exception):
    """The job's files were refused; the message lists every file's reason."""


def imports_in_background(uploads: list[Upload]) -> bool:
    """Whether these files are large enough to be imported by a worker."""
    return sum(upload.size for upload in uploads) > (
        settings.REGIE_DOCUMENT_IMPORT_INLINE_BYTES
    )


@transaction.atomic
def document_import_job_create(
    *,
    project: Project,
    uploads: list[Upload],
    user,
    case: Case | None = None,
    title: str = "",
) -> DocumentImportJob:
    """Keep the uploads under ``var/uploads/`` (streamed, never whole in memory) and
    queue their import for a worker. The caller checked ``Cap.MANAGE_DOCUMENTS``."""
    if case is not None and case.project_id != project.pk:
        raise ValidationError({"case": _("The case belongs to another project.")})
    storage = upload_storage()
    folder = f"documents/{uuid.uuid4().hex}"
    files = []
    for number, upload in enumerate(uploads):
        stored = storage.save(f"{folder}/{number}", upload)
        files.append({"name": upload.name[:300], "stored": stored, "size": upload.size})
    job = DocumentImportJob.objects.create(
        project=project,
        requested_by=user,
        case=case,
        title=title.strip()[:300],
        folder=folder,
        files=files,
        size=sum(item["size"] for item in files),
        language=translation.get_language() or "",
    )
    job_enqueue(job)
    return job


def document_import_job_work(job: DocumentImportJob) -> None:
    """The worker's part: import the kept files (one transaction), record the
    documents, delete the upload. A refused batch fails the job with every file's
    reason (also kept in ``problems``)."""
    try:
        with translation.override(job.language or None):
            _import_kept_files(job)
    finally:
        job.discard_upload()


def _import_kept_files(job: DocumentImportJob) -> None:
    try:
        with memory_limit(settings.REGIE_IMPORT_MEMORY_LIMIT_MB * 1024 * 1024):
            documents = _import(job)
    except ValidationError as error:
        _refused(job, [str(message) for message in error.messages])
    except SoftTimeLimitExceeded:
        _refused(job, [str(IMPORT_TOO_LONG)])
    except MemoryError:
        _refused(job, [str(IMPORT_TOO_BIG)])
    else:
        job_finish(job, document_ids=[document.pk for document in documents])


def _refused(job: DocumentImportJob, problems: list[str]) -> NoReturn:
    DocumentImportJob.objects.filter(pk=job.pk).update(problems=problems)
    raise ImportFailed(" ".join(problems))


@transaction.atomic
def _import(job: DocumentImportJob) -> list[Document]:
    storage = upload_storage()
    files = []
    for item in job.files:
        with storage.open(item["stored"], "rb") as handle:
            files.append((item["name"], handle.read()))
    documents = documents_import_files(
        project=job.project,
        files=files,
        user=job.requested_by,
        max_file_bytes=settings.REGIE_MAX_UPLOAD_FILE_BYTES,
        case=job.case,
    )
    if job.title and len(documents) == 1:
        document_update(document=documents[0], title=job.title, actor=job.requested_by)
    return documents


def access_document_import_job(project: Project, user, job_id: int):
    """An import job of this project; only the member who asked sees it (404)."""
    job = DocumentImportJob.objects.filter(
        pk=job_id, project=project, requested_by_id=user.pk
    ).first()
    if job is None:
        raise Http404
    return job


def document_import_job_documents(
    job: DocumentImportJob, *, with_text: bool = False
) -> list[Document]:
    """What a complete import created (documents deleted since are left out)."""
    documents = Document.objects.select_related("case", "imported_by")
    if not with_text:
        documents = documents.without_text()
    return list(documents.filter(pk__in=job.document_ids).order_by("id"))
