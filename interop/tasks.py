"""Celery tasks of the interop app: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from coding.jobs.services import job_run
from coding.tasks import job_options
from interop.models import ExportJob, ProjectImportJob
from interop.services.exports import export_job_work
from interop.services.project_files import project_import_job_work

# An export taking longer than an hour is stopped (softly a minute before).
EXPORT_TIME_LIMIT_SECONDS = 3660


@shared_task(**job_options(time_limit=EXPORT_TIME_LIMIT_SECONDS))
def run_export_job(*, job_id: int) -> None:
    """Write an export job's file (``ExportJob.task_name`` names this task)."""
    job_run(ExportJob, job_id, export_job_work)


@shared_task(**job_options(time_limit=settings.REGIE_IMPORT_TIME_LIMIT_SECONDS))
def run_project_import_job(*, job_id: int) -> None:
    """Import a large project file (``ProjectImportJob.task_name`` names this task).

    Bounded in time by the task's limits; in memory by the parse caps
    (``REGIE_UPLOAD_MAX_*``) and the worker's ``CELERY_WORKER_MAX_MEMORY_PER_CHILD``.
    """
    job_run(ProjectImportJob, job_id, project_import_job_work)
