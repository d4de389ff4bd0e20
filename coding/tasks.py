"""Celery tasks: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger
from django.db import OperationalError

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


@shared_task(**job_options(time_limit=660))
def recompute_code_frequencies(*, project_id: int) -> None:
    from coding.models import Project
    from coding.services.frequencies import frequencies_recompute

    if not Project.objects.filter(pk=project_id).exists():
        logger.info("project %s is gone; no frequencies to compute", project_id)
        return
    result = frequencies_recompute(project_id=project_id)
    logger.info("code frequencies of project %s: %s", project_id, result)


@worker_ready.connect
def catch_up_on_start(**kwargs) -> None:
    """A worker that starts picks up what changed while no worker (or broker) ran."""
    from coding.models import AnalysisState, AnalysisStatus
    from coding.services.frequencies import frequencies_schedule_if_stale

    # Jobs marked queued/running by a worker that died would never finish otherwise.
    AnalysisState.objects.filter(
        frequencies_status__in=[AnalysisStatus.QUEUED, AnalysisStatus.RUNNING]
    ).update(frequencies_status=AnalysisStatus.IDLE)
    for project_id in AnalysisState.objects.values_list("project_id", flat=True):
        frequencies_schedule_if_stale(project_id=project_id)


@shared_task(**job_options(time_limit=660))
def compute_analysis_result(*, result_id: int) -> None:
    """Word frequencies, mentions, co-occurrence, matrix or an auto-code preview."""
    from coding.models import AnalysisResult
    from coding.services.analysis import analysis_compute

    if not AnalysisResult.objects.filter(pk=result_id).exists():
        logger.info("analysis result %s is gone; nothing to compute", result_id)
        return
    result = analysis_compute(result_id=result_id)
    logger.info(
        "analysis result %s: %s", result_id, result.status if result else "not queued"
    )


@shared_task(**job_options(time_limit=660))
def run_autocode(*, run_id: int) -> None:
    from coding.models import AutoCodeRun
    from coding.services.autocode import autocode_run_execute

    if not AutoCodeRun.objects.filter(pk=run_id).exists():
        logger.info("auto-coding run %s is gone", run_id)
        return
    run = autocode_run_execute(run_id=run_id)
    logger.info("auto-coding run %s: %s", run_id, run.status if run else "not queued")


@worker_ready.connect
def catch_up_analysis_on_start(**kwargs) -> None:
    """Queued analysis jobs and auto-coding runs wait for a worker; here is one."""
    from coding.services.analysis import analysis_catch_up
    from coding.services.autocode import autocode_catch_up

    analysis_catch_up()
    autocode_catch_up()


@shared_task(**job_options(time_limit=3660))  # JOB_TIME_LIMIT_SECONDS in services
def run_export_job(*, job_id: int) -> None:
    from coding.models import ExportJob
    from coding.services.exports import export_job_run

    if not ExportJob.objects.filter(pk=job_id).exists():
        logger.info("export job %s is gone", job_id)
        return
    job = export_job_run(job_id=job_id)
    logger.info("export job %s: %s", job_id, job.status if job else "gone")


@worker_ready.connect
def catch_up_exports_on_start(**kwargs) -> None:
    """Export jobs a stopped worker left behind go out again."""
    from coding.services.exports import export_jobs_resend

    export_jobs_resend()
