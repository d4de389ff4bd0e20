"""The lifecycle of every background job: enqueue, claim, heartbeat, finish, reap.

Flow: a service creates a job row (status ``queued``) and calls ``job_enqueue``; after
the commit the message goes to the broker (``job_send``, which records ``sent_at``).
If no broker answers, the job stays queued with ``unsent`` set: nothing is lost, the
page says no worker can be reached, and the reaper sends it again. A worker's task
calls ``job_run``, which claims the row with one conditional ``UPDATE`` (a message
delivered twice runs once), keeps a heartbeat from a side thread while the work runs,
and records the outcome. ``job_run_here`` runs a job in the caller's process (a
command or an API call that needs the result before it answers).

``jobs_reap`` runs when a worker starts, then every ``REGIE_JOB_REAP_SECONDS`` from a
thread of each worker, and whenever a page polls a job (``job_refresh``): a running
job whose heartbeat stopped for ``REGIE_JOB_DEAD_AFTER_SECONDS`` has lost its worker;
it is cleaned (``Job.abandon``) and queued again, or failed after ``max_attempts``. A
queued job is sent again ``RESEND_AFTER`` its last unsent try; one sent ``LOST_AFTER`` ago that no
worker took is sent again by the reaper of a worker with a free slot (that worker did
not receive it: the message was lost), never by a busy one (its messages wait their
turn, and resending them would only make duplicates). After ``KEEP_TRYING_FOR`` a
queued job is failed.
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
from django.db.models.functions import Coalesce
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
    failure keep it queued and marked unsent.

    ``sent_at`` records the attempt either way: the reaper counts its delays from
    the last send, not from the request, so it offers a message once per delay.
    """
    try:
        current_app.send_task(
            model.task_name, kwargs={model.task_argument: job_id}, countdown=countdown
        )
    except Exception:  # any broker failure: the reaper sends it again
        logger.warning("could not queue %s %s", model.__name__, job_id, exc_info=True)
        model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            unsent=True, sent_at=timezone.now()
        )
        return False
    model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        unsent=False, sent_at=timezone.now()
    )
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
            sent_at=None,
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


def _this_attempt(job: Job):
    """The job's row while it is still this attempt's: a worker the reaper took for
    dead must not write over the outcome of the attempt that replaced it."""
    return type(job).objects.filter(pk=job.pk, attempts=job.attempts)


def job_finish(job: Job, **fields) -> None:
    """Record success; ``fields`` (the result, say) are saved in the same ``UPDATE``."""
    _this_attempt(job).update(
        status=JobStatus.DONE, finished_at=timezone.now(), error="", **fields
    )


def job_fail(job: Job, error: str) -> None:
    _this_attempt(job).update(
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
    worker did not get it (or the row was deleted meanwhile).
    """
    job = job_claim(model, job_id)
    if job is None:
        logger.info("%s %s: not queued, nothing to do", model.__name__, job_id)
        return None
    try:
        _work_with_heartbeat(job, work)
    except Exception as error:
        logger.exception("%s %s failed", model.__name__, job_id)
        job_fail(job, str(error) or error.__class__.__name__)
    return model.objects.filter(pk=job_id).first()


def job_take_here(model: type[JobT], job_id: int, **fields) -> JobT | None:
    """Take the job for this process now, whatever its status, as ``job_claim``
    takes it (so a worker that receives its message meanwhile leaves it alone);
    ``fields`` are set in the same ``UPDATE``. ``None`` when it is gone.

    For a caller that must take the row inside its own transaction (under a lock
    it holds) and do the work after the commit: ``job_work_here``.
    """
    now = timezone.now()
    taken = model.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
        unsent=False,
        error="",
        **fields,
    )
    return model.objects.filter(pk=job_id).first() if taken else None


def job_work_here(job: JobT, work: Callable[[JobT], None]) -> JobT | None:
    """Run ``work`` on a job this process took (``job_take_here``), with a
    heartbeat; a failure is stored on the job and raised to the caller."""
    try:
        _work_with_heartbeat(job, work)
    except Exception as error:
        job_fail(job, str(error) or error.__class__.__name__)
        raise
    return type(job).objects.filter(pk=job.pk).first()


def job_run_here(
    model: type[JobT], job_id: int, work: Callable[[JobT], None]
) -> JobT | None:
    """Run the job in this process now, whatever its status (a command or an API
    call that wants the result before it answers); ``None`` when it is gone.

    The row is taken as ``job_claim`` takes it and beats while ``work`` runs. A
    failure is stored on the job and raised to the caller.
    """
    job = job_take_here(model, job_id)
    return None if job is None else job_work_here(job, work)


def _work_with_heartbeat(job: JobT, work: Callable[[JobT], None]) -> None:
    """``work(job)`` under a heartbeat; done unless ``work`` recorded the outcome."""
    with heartbeat(type(job), job.pk):
        work(job)
    _this_attempt(job).filter(status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, finished_at=timezone.now()
    )


def _dead(now) -> Q:
    silent_since = now - dead_after()
    return Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=silent_since)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent_since)
    )


def _undelivered(now, *, idle_worker: bool) -> Q:
    """Queued, and the last send (else the request) is long enough ago: an unsent
    message is offered again after ``RESEND_AFTER``. A sent one no worker took is
    taken for lost after ``LOST_AFTER`` only when the reaper runs in a worker with
    a free slot (``idle_worker``): that worker, listening on the queue, did not
    receive it, so it is lost (or held by a busy or dead worker). A worker that is
    simply busy leaves the queue alone: its messages wait their turn.
    ``last_sent`` is annotated by ``_reapable``."""
    due = Q(unsent=True, last_sent__lt=now - RESEND_AFTER)
    if idle_worker:
        due |= Q(unsent=False, last_sent__lt=now - LOST_AFTER)
    return Q(status=JobStatus.QUEUED) & due


def _reapable(model: type[Job], now, *, idle_worker: bool = False):
    return model.objects.annotate(last_sent=Coalesce("sent_at", "requested_at")).filter(
        _dead(now) | _undelivered(now, idle_worker=idle_worker)
    )


def _reap_one(job: Job, now) -> bool:
    """Clean up after a dead worker, then queue the job again or fail it; True when
    it was queued again (the message goes out after the commit).

    The row is locked and checked unchanged first (same status, heartbeat and last
    send), so of several reapers looking at once one acts, a worker that came back
    to life is left alone, and ``abandon`` runs before any worker can claim it.
    """
    model = type(job)
    with transaction.atomic():
        locked = (
            model.objects.select_for_update(skip_locked=True)
            .filter(
                pk=job.pk,
                status=job.status,
                heartbeat_at=job.heartbeat_at,
                sent_at=job.sent_at,
            )
            .first()
        )
        if locked is None:
            return False
        running = locked.status == JobStatus.RUNNING
        if running:
            locked.abandon()
        if running and locked.attempts >= locked.max_attempts:
            job_fail(locked, WORKER_DIED % {"attempts": locked.attempts})
            return False
        if locked.requested_at < now - KEEP_TRYING_FOR:
            job_fail(locked, TOO_OLD)
            return False
        model.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED, heartbeat_at=None, sent_at=timezone.now()
        )
        job_enqueue(locked)
    return True


def jobs_reap(
    *, models: list[type[Job]] | None = None, idle_worker: bool = True
) -> int:
    """Resend what dead workers or a missing broker left behind; how many jobs were
    queued again (each is sent after the commit). ``idle_worker``: called from a
    worker with a free slot, so sent messages nobody took are lost (see
    ``_undelivered``)."""
    now = timezone.now()
    resent = 0
    for model in models or job_models():
        for job in _reapable(model, now, idle_worker=idle_worker):
            resent += _reap_one(job, now)
    return resent


def reaper_start(idle: Callable[[], bool]) -> threading.Thread:
    """Reap now and then every ``REGIE_JOB_REAP_SECONDS``, from a daemon thread of the
    worker's main process (several workers may each run one: reaping is conditional
    updates). ``idle()`` says whether this worker has a free slot right now."""

    def loop() -> None:
        while True:
            try:
                close_old_connections()
                jobs_reap(idle_worker=idle())
            except Exception:  # the database may be briefly away: try next round
                logger.warning("reaping jobs failed", exc_info=True)
            finally:
                connections.close_all()
            time.sleep(settings.REGIE_JOB_REAP_SECONDS)

    thread = threading.Thread(target=loop, name="job-reaper", daemon=True)
    thread.start()
    return thread


def job_refresh(job: JobT) -> JobT:
    """Reap ``job`` if its worker died or no broker took it, then return it as
    stored (status polls). A sent message nobody took yet is left to the workers'
    reapers: only they know whether a worker is simply busy."""
    now = timezone.now()
    stuck = _reapable(type(job), now).filter(pk=job.pk).first()
    if stuck is not None:
        _reap_one(stuck, now)
    job.refresh_from_db()
    return job
