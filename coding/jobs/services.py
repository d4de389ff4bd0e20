"""The lifecycle of every background job: enqueue, claim, heartbeat, finish, reap.

Flow: a service creates a job row (status ``queued``) and calls ``job_enqueue``; after
the commit the message goes to the broker (``job_send``). If no broker answers, the job
stays queued with ``unsent`` set: nothing is lost, the page says no worker can be
reached, and the reaper sends it again. A worker's task calls ``job_run``, which claims
the row with one conditional ``UPDATE`` (a message delivered twice runs once), keeps a
heartbeat from a side thread while the work runs, and records the outcome.

``jobs_reap`` runs when a worker starts, then every ``REGIE_JOB_REAP_SECONDS`` from a
thread of each worker, and whenever a page polls a job: a running job whose heartbeat
stopped for ``REGIE_JOB_DEAD_AFTER_SECONDS`` has lost its worker; it is cleaned
(``Job.abandon``) and queued again, or failed after ``max_attempts``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(seconds=30)  # an unsent job is offered to the broker again
LOST_AFTER = timedelta(minutes=2)  # a sent job no worker took: the message was lost
KEEP_TRYING_FOR = timedelta(days=1)  # older queued jobs are failed, not resent

NO_WORKER = _(
    "No worker can be reached right now. The job is kept and starts as soon as a "
    "worker is up."
)
WORKER_DIED = _(
    "The worker running this job stopped %(attempts)s times. Try again, or ask the "
    "administrator to look at the worker's log."
)
TOO_OLD = _("No worker took this job for a day. Start it again when a worker runs.")

JobT = TypeVar("JobT", bound=Job)


def heartbeat_every() -> float:
    """Seconds between two signs of life of a running job."""
    return float(settings.REGIE_JOB_HEARTBEAT_SECONDS)


def dead_after() -> timedelta:
    """No heartbeat this long: the job's worker is gone."""
    return timedelta(seconds=settings.REGIE_JOB_DEAD_AFTER_SECONDS)


def job_models() -> list[type[Job]]:
    """Every concrete kind of job of the installed apps."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Job) and not model._meta.abstract
    ]


def job_send(model: type[Job], job_id: int, *, countdown: float | None = None) -> bool:
    """Hand the job to the broker (to run ``countdown`` seconds later, if given); on
    failure keep it queued and marked unsent."""
    try:
        current_app.send_task(
            model.task_name, kwargs={model.task_argument: job_id}, countdown=countdown
        )
    except Exception:  # any broker failure: the reaper sends it again
        logger.warning("could not queue %s %s", model.__name__, job_id, exc_info=True)
        model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(unsent=True)
        return False
    model.objects.filter(pk=job_id, unsent=True).update(unsent=False)
    return True


def job_enqueue(job: Job, *, countdown: float | None = None) -> None:
    """Send ``job`` to a worker once the current transaction commits (to run
    ``countdown`` seconds later: a debounce, say)."""
    model, job_id = type(job), job.pk
    transaction.on_commit(lambda: job_send(model, job_id, countdown=countdown))


def job_requeue(job: Job, *, countdown: float | None = None, **fields) -> bool:
    """Queue a finished or failed job again (a rebuild); False when it is in progress.

    ``fields`` are set on the row in the same ``UPDATE`` (new parameters, say);
    ``countdown`` delays the message as in ``job_enqueue``.
    """
    model = type(job)
    now = timezone.now()
    queued = (
        model.objects.filter(pk=job.pk)
        .exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .update(
            status=JobStatus.QUEUED,
            requested_at=now,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
            attempts=0,
            unsent=False,
            error="",
            **fields,
        )
    )
    if queued:
        job_enqueue(job, countdown=countdown)
        job.refresh_from_db()
    return bool(queued)


def job_claim(model: type[JobT], job_id: int) -> JobT | None:
    """Take a queued job for this worker; ``None`` when another worker has it (or it
    is gone, finished, or failed)."""
    now = timezone.now()
    taken = model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        unsent=False,
        error="",
    )
    return model.objects.filter(pk=job_id).first() if taken else None


def job_beat(model: type[Job], job_id: int, **fields) -> None:
    """A sign of life (and progress fields, if given) of a running job."""
    model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        heartbeat_at=timezone.now(), **fields
    )


@contextmanager
def heartbeat(model: type[Job], job_id: int) -> Iterator[None]:
    """Beat every ``heartbeat_every()`` seconds from a side thread while the block runs,
    so long numpy or networkx work needs no progress calls to stay alive."""
    stop = threading.Event()
    every = heartbeat_every()

    def beat() -> None:
        try:
            while not stop.wait(every):
                job_beat(model, job_id)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)


def job_finish(job: Job, **fields) -> None:
    """Record success; ``fields`` (the result, say) are saved in the same ``UPDATE``."""
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), error="", **fields
    )


def job_fail(job: Job, error: str) -> None:
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
    )


def job_run(
    model: type[JobT], job_id: int, work: Callable[[JobT], None]
) -> JobT | None:
    """Claim the job, run ``work(job)`` with a heartbeat, and record the outcome.

    ``work`` calls ``job_finish`` itself when it has a result to store; if it
    returns without finishing, the job is marked done. An exception marks the job
    failed with its message and is logged, not raised: the message is acknowledged,
    the failure is on the page. Returns the job as it ended, ``None`` when this
    worker did not get it. (Celery's Django fix-up closes stale connections around
    each task; closing them here broke callers inside a transaction.)
    """
    job = job_claim(model, job_id)
    if job is None:
        logger.info("%s %s: not queued, nothing to do", model.__name__, job_id)
        return None
    try:
        with heartbeat(model, job_id):
            work(job)
    except Exception as error:
        logger.exception("%s %s failed", model.__name__, job_id)
        job_fail(job, str(error) or error.__class__.__name__)
    else:
        model.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def _dead(now) -> Q:
    silent_since = now - dead_after()
    return Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=silent_since)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent_since)
    )


def _undelivered(now) -> Q:
    return Q(status=JobStatus.QUEUED) & (
        Q(unsent=True, requested_at__lt=now - RESEND_AFTER)
        | Q(unsent=False, requested_at__lt=now - LOST_AFTER)
    )


def _reap_one(job: Job, now) -> bool:
    """Clean up after a dead worker, then queue the job again or fail it."""
    model = type(job)
    if job.status == JobStatus.RUNNING:
        job.abandon()
    if job.status == JobStatus.RUNNING and job.attempts >= job.max_attempts:
        job_fail(job, WORKER_DIED % {"attempts": job.attempts})
        return False
    if job.requested_at < now - KEEP_TRYING_FOR:
        job_fail(job, TOO_OLD)
        return False
    requeued = (
        model.objects.filter(pk=job.pk, status=job.status)
        .filter(Q(heartbeat_at=job.heartbeat_at) | Q(status=JobStatus.QUEUED))
        .update(status=JobStatus.QUEUED, heartbeat_at=None)
    )
    return bool(requeued) and job_send(model, job.pk)


def jobs_reap(*, models: list[type[Job]] | None = None) -> int:
    """Resend what dead workers or a missing broker left behind; how many were sent."""
    now = timezone.now()
    sent = 0
    for model in models or job_models():
        for job in model.objects.filter(_dead(now) | _undelivered(now)):
            sent += _reap_one(job, now)
    return sent


def reaper_start() -> threading.Thread:
    """Reap now and then every ``REGIE_JOB_REAP_SECONDS``, from a daemon thread of the worker's
    main process (several workers may each run one: reaping is conditional updates)."""

    def loop() -> None:
        while True:
            try:
                close_old_connections()
                jobs_reap()
            except Exception:  # the database may be briefly away: try next round
                logger.warning("reaping jobs failed", exc_info=True)
            finally:
                connections.close_all()
            time.sleep(settings.REGIE_JOB_REAP_SECONDS)

    thread = threading.Thread(target=loop, name="job-reaper", daemon=True)
    thread.start()
    return thread


def job_refresh(job: JobT) -> JobT:
    """Reap ``job`` if its worker died, then return it as stored (status polls)."""
    now = timezone.now()
    if type(job).objects.filter(_dead(now) | _undelivered(now), pk=job.pk).exists():
        _reap_one(type(job).objects.get(pk=job.pk), now)
    job.refresh_from_db()
    return job
