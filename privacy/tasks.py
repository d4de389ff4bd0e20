"""Celery tasks of the privacy app: thin interfaces over one service each."""

from __future__ import annotations

import threading

from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from django.conf import settings

from coding.jobs.services import job_run
from coding.tasks import job_options
from privacy.detect.dutch import warm_up
from privacy.models import SuggestionJob
from privacy.services.suggestions import suggestion_job_work

SUGGESTION_TIME_LIMIT_SECONDS = 1800


@shared_task(**job_options(time_limit=SUGGESTION_TIME_LIMIT_SECONDS))
def run_suggestion_job(*, job_id: int) -> None:
    """Suggest pseudonyms (``SuggestionJob.task_name`` names this task)."""
    job_run(SuggestionJob, job_id, suggestion_job_work)


@worker_ready.connect
@worker_process_init.connect
def load_lookup_structures(**kwargs) -> None:
    """With ``REGIE_DEDUCE_PRELOAD`` set, load deduce's lookup structures as the
    worker (or a pool's child) starts, from a side thread so it takes other jobs
    meanwhile. They take about 1 GB per process, so by default a process loads
    them with its first suggestion job instead (10-30 s, once): set it on the
    worker that serves suggestions, not on every worker (nor in tests)."""
    if settings.REGIE_DEDUCE_PRELOAD:
        threading.Thread(target=warm_up, name="deduce-warm-up", daemon=True).start()
