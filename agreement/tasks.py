"""Celery tasks of the agreement app: thin interfaces that load by id and call one
service."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.log import get_task_logger

from agreement.models import AgreementRun
from agreement.services import (
    RUN_TIME_LIMIT_SECONDS,
    agreement_run_compute,
    agreement_runs_resend,
)
from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=RUN_TIME_LIMIT_SECONDS))
def compute_agreement_run(*, run_id: int) -> None:
    if not AgreementRun.objects.filter(pk=run_id).exists():
        logger.info("agreement run %s is gone", run_id)
        return
    run = agreement_run_compute(run_id=run_id)
    logger.info("agreement run %s: %s", run_id, run.status if run else "gone")


@worker_ready.connect
def catch_up_agreement_on_start(**kwargs) -> None:
    """Agreement runs a stopped worker left queued or running go out again."""
    agreement_runs_resend()
