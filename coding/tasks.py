"""Celery tasks: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger
from django.db import OperationalError

logger = get_task_logger(__name__)


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
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
