"""Celery tasks of the agreement app: thin interfaces that load by id and call one
service."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from agreement.models import AgreementRun
from agreement.services import RUN_TIME_LIMIT_SECONDS, agreement_run_work
from coding.jobs.services import job_run
from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(
    name=AgreementRun.task_name, **job_options(time_limit=RUN_TIME_LIMIT_SECONDS)
)
def compute_agreement_run(*, run_id: int) -> None:
    """Compute a queued run (``coding.jobs``: claimed once, heartbeat while it runs,
    resent by the reaper if this worker dies). A gone or already taken run is left
    alone."""
    run = job_run(AgreementRun, run_id, agreement_run_work)
    logger.info("agreement run %s: %s", run_id, run.status if run else "not queued")
