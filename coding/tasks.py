"""Celery tasks: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger
from celery.worker import state as worker_state
from django.conf import settings
from django.db import OperationalError

from coding.jobs.services import job_run, reaper_start
from coding.models import DocumentImportJob
from coding.services.document_imports import document_import_job_work

logger = get_task_logger(__name__)


def job_options(*, time_limit: int) -> dict:
    """The options every Regie task shares: acknowledged late (a worker that dies
    mid-job leaves the message to the next), retried while the database is
    unreachable, stopped after ``time_limit`` seconds (softly a minute before)."""
    return {
        "ignore_result": True,
        "acks_late": True,
        "autoretry_for": (OperationalError,),
        "retry_backoff": True,
        "max_retries": 5,
        "soft_time_limit": time_limit - 60,
        "time_limit": time_limit,
    }


@worker_ready.connect
def reap_jobs_while_running(sender=None, **kwargs) -> None:
    """Jobs a dead worker or a missing broker left behind go out again: at start,
    then every ``REGIE_JOB_REAP_SECONDS`` while this worker runs. Messages nobody
    took are resent only while this worker has a free slot (see ``jobs_reap``)."""
    pool = getattr(sender, "pool", None)
    slots = getattr(pool, "limit", None) or 1

    def idle() -> bool:
        return len(worker_state.active_requests) < slots

    reaper_start(idle)


@shared_task(**job_options(time_limit=settings.REGIE_IMPORT_TIME_LIMIT_SECONDS))
def run_document_import_job(*, job_id: int) -> None:
    """Import a large transcript upload (``DocumentImportJob.task_name`` names this
    task), within the task's time limit and ``REGIE_IMPORT_MEMORY_LIMIT_MB``."""
    job_run(DocumentImportJob, job_id, document_import_job_work)
