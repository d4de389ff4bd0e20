"""Celery tasks: thin interfaces that load by id and call one service."""

from __future__ import annotations

from celery.signals import worker_ready
from celery.utils.log import get_task_logger
from django.db import OperationalError

from coding.jobs.services import reaper_start

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
def reap_jobs_while_running(**kwargs) -> None:
    """Jobs a dead worker or a missing broker left behind go out again: at start,
    then every ``REGIE_JOB_REAP_SECONDS`` while this worker runs."""
    reaper_start()
