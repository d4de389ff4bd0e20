"""Export jobs and pending imports (interoperability).

The tables keep their names from when these models lived in ``coding``
(``db_table``). Files live under ``REGIE_VAR_DIR/interop/`` (never served as static
or media files: downloads go through a view that checks access first).

* ``ExportJob``: a large export a Celery worker writes to a file; the export page
  polls its status and offers the file once it is ``done``. Only the member who
  asked for it may download it, because what it holds depends on who asked
  (blind coding). Its lifecycle (queued, running with a heartbeat, done, failed,
  resent when its worker died) is the one of every job: ``coding.jobs``.
* ``PendingImport``: an uploaded ``.qdpx`` that was read and summarised but not
  yet imported; the import page shows the summary, then confirm imports it in one
  transaction and cancel deletes it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

__all__ = [
    "ExportJob",
    "ExportKind",
    "PendingImport",
    "ProjectImportJob",
    "interop_storage",
]

# What a worker writes before the finished file takes its name (see ``ExportJob``).
PARTIAL_SUFFIX = ".part"


def interop_storage() -> FileSystemStorage:
    """Where export files and pending uploads are kept (outside any served folder)."""
    return FileSystemStorage(location=settings.VAR_DIR / "interop")


class ExportKind(models.TextChoices):
    SEGMENTS_CSV = "segments_csv", _("coded segments (CSV)")
    SEGMENTS_XLSX = (
        "segments_xlsx",
        _("workbook: segments, codebook, cases, frequencies (Excel)"),
    )
    CODEBOOK_CSV = "codebook_csv", _("codebook (CSV)")
    CODEBOOK_QDC = "codebook_qdc", _("codebook (REFI-QDA .qdc)")
    CASES_CSV = "cases_csv", _("cases with their attributes (CSV)")
    CODE_DOCUMENT_CSV = "code_document_csv", _("code × document counts (CSV)")
    PROJECT_QDPX = "project_qdpx", _("project (REFI-QDA .qdpx)")
    BACKUP = "backup", _("full backup (.qdpx with Regie's extras)")


class ExportJob(Job):
    """One export written to a file by a worker, for the member who asked.

    The worker writes ``<folder>/<name>.<attempt>.part`` (and its scratch files)
    in the job's own folder and renames the file when it is complete; what a worker
    that died mid-way left there, ``abandon`` removes before the job is sent again
    or failed.
    """

    task_name = "interop.tasks.run_export_job"
    task_argument = "job_id"

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="export_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveBigIntegerField(
        default=0, help_text="Rows (or items) written so far."
    )
    total = models.PositiveBigIntegerField(
        default=0, help_text="Rows (or items) expected; 0 when unknown."
    )
    file = models.FileField(storage=interop_storage, max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "coding_exportjob"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="coding_exportjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ExportKind]),
                name="coding_exportjob_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.project_id} ({self.status})"

    @property
    def folder(self) -> str:
        """The job's folder in ``interop_storage``: its file and nothing else."""
        return f"exports/{self.pk}"

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, ``None`` when the total is unknown."""
        if not self.total:
            return None
        return min(100, self.progress * 100 // self.total)

    def abandon(self) -> None:
        """Remove what a dead worker left in the job's folder: the ``.part`` file and
        the writer's scratch files (everything but a finished file)."""
        storage = self.file.storage
        try:
            names = storage.listdir(self.folder)[1]
        except FileNotFoundError:
            return
        for name in names:
            path = f"{self.folder}/{name}"
            if path == self.file.name:
                continue
            try:
                storage.delete(path)
            except OSError:
                logger.warning("could not delete %s", path, exc_info=True)


class PendingImport(models.Model):
    """An uploaded project file, read and summarised, waiting for confirmation."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pending_imports",
    )
    file = models.FileField(storage=interop_storage, max_length=300)
    original_name = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    name = models.CharField(
        _("project name"), max_length=200, help_text=_("Name of the new project.")
    )
    # What the import will create: counts, users, sources with their offset
    # units, warnings (see interop.services.refi.import_preview).
    summary = models.JSONField(default=dict)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "coding_pendingimport"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_by_id})"


class ProjectImportJob(Job):
    """A large project file (``.qdpx`` or backup) imported by a worker.

    The upload is kept in ``interop_storage`` (under ``var/``) until the job ends;
    the import itself is one transaction, so a failed or killed attempt writes
    nothing and ``project`` is set only when it is complete.
    """

    task_name = "interop.tasks.run_project_import_job"
    task_argument = "job_id"
    # An import that killed its worker (memory, say) is not tried again and again.
    max_attempts = 2

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_import_jobs",
    )
    file = models.FileField(storage=interop_storage, max_length=300, blank=True)
    original_name = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=10, blank=True, help_text="The uploader's; the messages are in it."
    )
    project = models.ForeignKey(
        "coding.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    counts = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="interop_projectimportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"import of {self.original_name} ({self.status})"
