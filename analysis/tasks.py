"""Celery tasks of the analysis app: thin interfaces that load by id and call one
service, and the catch-ups a starting worker runs."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger

from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=660))
def recompute_code_frequencies(*, project_id: int) -> None:
    from analysis.services.frequencies import frequencies_recompute
    from coding.models import Project

    if not Project.objects.filter(pk=project_id).exists():
        logger.info("project %s is gone; no frequencies to compute", project_id)
        return
    result = frequencies_recompute(project_id=project_id)
    logger.info("code frequencies of project %s: %s", project_id, result)


@worker_ready.connect
def catch_up_on_start(**kwargs) -> None:
    """A worker that starts picks up what changed while no worker (or broker) ran."""
    from analysis.services.frequencies import frequencies_catch_up

    frequencies_catch_up()


@shared_task(**job_options(time_limit=660))
def compute_analysis_result(*, result_id: int) -> None:
    """Word frequencies, mentions, co-occurrence, matrix or an auto-code preview."""
    from analysis.models import AnalysisResult
    from analysis.services.results import analysis_compute

    if not AnalysisResult.objects.filter(pk=result_id).exists():
        logger.info("analysis result %s is gone; nothing to compute", result_id)
        return
    result = analysis_compute(result_id=result_id)
    logger.info(
        "analysis result %s: %s", result_id, result.status if result else "not queued"
    )


@shared_task(**job_options(time_limit=660))
def run_autocode(*, run_id: int) -> None:
    from analysis.models import AutoCodeRun
    from analysis.services.autocode import autocode_run_execute

    if not AutoCodeRun.objects.filter(pk=run_id).exists():
        logger.info("auto-coding run %s is gone", run_id)
        return
    run = autocode_run_execute(run_id=run_id)
    logger.info("auto-coding run %s: %s", run_id, run.status if run else "not queued")


@worker_ready.connect
def catch_up_analysis_on_start(**kwargs) -> None:
    """Queued analysis jobs and auto-coding runs wait for a worker; here is one."""
    from analysis.services.autocode import autocode_catch_up
    from analysis.services.results import analysis_catch_up

    analysis_catch_up()
    autocode_catch_up()
