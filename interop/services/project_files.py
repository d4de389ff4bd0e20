"""One entry point for an uploaded project file: a Regie backup is restored,
anything else (a REFI-QDA ``.qdpx`` from NVivo, ATLAS.ti, MAXQDA, ...) imported; and
the pending upload the import page keeps until the researcher confirms it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from coding.jobs.services import job_enqueue, job_finish
from interop.models import PendingImport, ProjectImportJob
from interop.refi import RefiError
from interop.services.backup import backup_preview, backup_restore, is_backup
from interop.services.refi import (
    ImportResult,
    import_preview,
    project_import_refi,
    read_project_file,
)


def project_file_preview(*, data: bytes, filename: str, importer) -> dict:
    """What importing this file would create (``ValidationError`` if unreadable)."""
    try:
        if is_backup(data):
            return backup_preview(data, importer=importer)
        return import_preview(read_project_file(data, filename), importer=importer)
    except RefiError as error:
        raise ValidationError({"file": str(error)}) from error


@transaction.atomic
def pending_import_create(
    *, user, data: bytes, filename: str, name: str = ""
) -> PendingImport:
    """Read and summarise an upload, keep it for confirmation; nothing else is written."""
    summary = project_file_preview(data=data, filename=filename, importer=user)
    pending_imports_prune(user=user)
    pending = PendingImport(
        uploaded_by=user,
        original_name=filename[:300],
        size=len(data),
        name=(" ".join((name or summary.get("name") or "").split()) or filename)[:200],
        summary=summary,
    )
    pending.file.save(f"imports/{uuid.uuid4().hex}.qdpx", ContentFile(data), save=False)
    pending.save()
    return pending


def pending_import_confirm(
    *, pending: PendingImport, name: str | None = None
) -> ImportResult:
    """Import the kept upload as a new project (one transaction), then forget it."""
    with pending.file.open("rb") as handle:
        data = handle.read()
    result = project_import_file(
        data=data,
        filename=pending.original_name,
        owner=pending.uploaded_by,
        name=name or pending.name,
    )
    pending_import_cancel(pending=pending)
    return result


def pending_import_cancel(*, pending: PendingImport) -> None:
    """Delete the kept upload and its file."""
    if pending.file:
        pending.file.storage.delete(pending.file.name)
    if pending.pk:
        pending.delete()


def pending_imports_prune(*, user) -> None:
    """Uploads nobody confirmed within a day are deleted."""
    for pending in PendingImport.objects.filter(
        uploaded_by=user, uploaded_at__lt=timezone.now() - timedelta(days=1)
    ):
        pending_import_cancel(pending=pending)


def access_pending_import(user, pending_id: int) -> PendingImport:
    """An upload waiting for confirmation; only its uploader sees it (404 otherwise)."""
    pending = PendingImport.objects.filter(
        pk=pending_id, uploaded_by_id=user.pk
    ).first()
    if pending is None:
        raise Http404
    return pending


def project_import_file(
    *,
    data: bytes,
    filename: str,
    owner,
    name: str | None = None,
    trusted: bool = False,
) -> ImportResult:
    """Import an uploaded ``.qdpx``: a Regie backup is restored, anything else imported.

    Raises ``ValidationError`` (with the reader's message) when the file cannot be
    read; nothing is written then. ``trusted`` (the command line) lets the file's
    user names match any account (see ``nameable_accounts``).
    """
    try:
        if is_backup(data):
            return backup_restore(data=data, owner=owner, name=name, trusted=trusted)
        refi = read_project_file(data, filename)
    except RefiError as error:
        raise ValidationError({"file": str(error)}) from error
    return project_import_refi(refi=refi, owner=owner, name=name, trusted=trusted)


IMPORT_TOO_LONG = _(
    "The import took longer than the server allows; nothing was imported. Ask the "
    "administrator to raise REGIE_IMPORT_TIME_LIMIT_SECONDS, or split the project."
)


class ImportFailed(Exception):
    """An import job's file could not be imported; the message is the reader's."""


def _validation_message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@transaction.atomic
def project_import_job_create(
    *, user, data: bytes, filename: str, name: str | None = None
) -> ProjectImportJob:
    """Keep a large upload under ``var/`` and queue its import for a worker."""
    job = ProjectImportJob(
        requested_by=user,
        original_name=filename[:300],
        size=len(data),
        name=(name or "")[:200],
        language=translation.get_language() or "",
    )
    job.file.save(f"imports/{uuid.uuid4().hex}.qdpx", ContentFile(data), save=False)
    job.save()
    job_enqueue(job)
    return job


def project_import_job_work(job: ProjectImportJob) -> None:
    """The worker's part: import the kept file (one transaction), record the project,
    delete the upload. A refused file fails the job with the reader's message."""
    with translation.override(job.language or None):
        _import_job_file(job)


def _import_job_file(job: ProjectImportJob) -> None:
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        result = project_import_file(
            data=data,
            filename=job.original_name,
            owner=job.requested_by,
            name=job.name or None,
        )
    except ValidationError as error:
        project_import_job_discard_file(job)
        raise ImportFailed(_validation_message(error)) from error
    except SoftTimeLimitExceeded as error:
        project_import_job_discard_file(job)
        raise ImportFailed(str(IMPORT_TOO_LONG)) from error
    job_finish(
        job, project=result.project, counts=result.counts, warnings=result.warnings
    )
    project_import_job_discard_file(job)


def project_import_job_discard_file(job: ProjectImportJob) -> None:
    """Delete the kept upload (the job row stays, for its outcome)."""
    if job.file:
        job.file.storage.delete(job.file.name)
        ProjectImportJob.objects.filter(pk=job.pk).update(file="")


def access_project_import_job(user, job_id: int) -> ProjectImportJob:
    """An import job; only the user who asked for it sees it (404 otherwise)."""
    job = ProjectImportJob.objects.filter(pk=job_id, requested_by_id=user.pk).first()
    if job is None:
        raise Http404
    return job


@transaction.atomic
def pending_import_to_job(
    *, pending: PendingImport, name: str | None = None
) -> ProjectImportJob:
    """Hand a confirmed large upload to a worker: its kept file becomes the job's."""
    job = ProjectImportJob(
        requested_by=pending.uploaded_by,
        original_name=pending.original_name,
        size=pending.size,
        name=(name or pending.name)[:200],
        language=translation.get_language() or "",
    )
    job.file.name = pending.file.name
    job.save()
    pending.delete()  # the row only: the file is the job's now
    job_enqueue(job)
    return job
