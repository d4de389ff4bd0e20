"""Celery tasks of the interop app: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger

from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=3660))  # JOB_TIME_LIMIT_SECONDS in services
def run_export_job(*, job_id: int) -> None:
    from interop.models import ExportJob
    from interop.services.exports import export_job_run

    if not ExportJob.objects.filter(pk=job_id).exists():
        logger.info("export job %s is gone", job_id)
        return
    job = export_job_run(job_id=job_id)
    logger.info("export job %s: %s", job_id, job.status if job else "gone")


@worker_ready.connect
def catch_up_exports_on_start(**kwargs) -> None:
    """Export jobs a stopped worker left behind go out again."""
    from interop.services.exports import export_jobs_resend

    export_jobs_resend()
