"""The job machinery (``coding.jobs``) with a network snapshot as the concrete kind:
enqueue after commit, claim once, heartbeat, outcome, the reaper, the badge.

Messages go to a real broker: kombu's in-memory one (``celery_messages``), or a
closed port (``broker_down``).
"""

import threading
import time
from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.jobs.models import Badge, JobStatus
from coding.jobs.services import (
    KEEP_TRYING_FOR,
    LOST_AFTER,
    RESEND_AFTER,
    TOO_OLD,
    WORKER_DIED,
    dead_after,
    heartbeat,
    job_claim,
    job_enqueue,
    job_models,
    job_refresh,
    job_requeue,
    job_run,
    job_run_here,
    job_send,
    jobs_reap,
)
from network.models import NetworkSnapshot
from network.services import network_build_work
from tests.conftest import client_for
from tests.factories import make_actor, make_flow, make_project

pytestmark = pytest.mark.django_db

TASK = NetworkSnapshot.task_name
_keys = count()


def _snapshot(project=None, **fields) -> NetworkSnapshot:
    """A network snapshot (queued unless ``fields`` say otherwise)."""
    project = project or make_project()
    snapshot = NetworkSnapshot.objects.create(
        project=project, scope="all", filters={}, filters_key=f"key-{next(_keys)}"
    )
    if fields:
        NetworkSnapshot.objects.filter(pk=snapshot.pk).update(**fields)
        snapshot.refresh_from_db()
    return snapshot


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


def _dead(**fields) -> NetworkSnapshot:
    """A running snapshot whose worker went silent longer than DEAD_AFTER ago."""
    silent = timezone.now() - dead_after() - timedelta(seconds=1)
    running = {
        "status": JobStatus.RUNNING,
        "started_at": silent,
        "heartbeat_at": silent,
        "attempts": 1,
        "sent_at": silent,
    }
    return _snapshot(**{**running, **fields})


def test_network_snapshots_are_a_kind_of_job():
    assert NetworkSnapshot in job_models()
    assert TASK == "network.tasks.network_rebuild"
    assert NetworkSnapshot.task_argument == "snapshot_id"


# --- enqueue and send -------------------------------------------------------------


def test_enqueue_sends_after_commit_only(
    celery_messages, django_capture_on_commit_callbacks
):
    snapshot = _snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job_enqueue(snapshot)
        assert celery_messages() == []  # not before the commit
    assert len(callbacks) == 1
    assert celery_messages() == [(TASK, {"snapshot_id": snapshot.pk})]
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.QUEUED
    assert not snapshot.unsent
    assert snapshot.sent_at is not None
    assert snapshot.badge() == Badge.COMPUTING
    assert not snapshot.waiting_for_worker


def test_a_rolled_back_enqueue_sends_nothing(
    celery_messages, django_capture_on_commit_callbacks
):
    snapshot = _snapshot()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_enqueue(snapshot)
    assert len(callbacks) == 1  # would run on commit; never run here
    assert celery_messages() == []


def test_without_a_broker_the_job_stays_queued_and_unsent(
    broker_down, django_capture_on_commit_callbacks
):
    snapshot = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(snapshot)
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.QUEUED
    assert snapshot.unsent
    assert snapshot.error == ""
    assert snapshot.badge(up_to_date=False) == Badge.STALE
    assert snapshot.badge(up_to_date=True) == Badge.STALE
    assert snapshot.waiting_for_worker
    assert job_send(NetworkSnapshot, snapshot.pk) is False


def test_a_send_that_succeeds_clears_unsent(celery_messages):
    snapshot = _snapshot(unsent=True, sent_at=_ago(minutes=1))
    assert job_send(NetworkSnapshot, snapshot.pk) is True
    snapshot.refresh_from_db()
    assert not snapshot.unsent
    assert snapshot.sent_at > _ago(seconds=10)
    assert celery_messages() == [(TASK, {"snapshot_id": snapshot.pk})]


# --- claim and run ----------------------------------------------------------------


def test_a_message_delivered_twice_runs_once():
    snapshot = _snapshot()
    runs = []
    first = job_run(NetworkSnapshot, snapshot.pk, lambda job: runs.append(job.pk))
    second = job_run(NetworkSnapshot, snapshot.pk, lambda job: runs.append(job.pk))
    assert runs == [snapshot.pk]
    assert first.status == JobStatus.DONE
    assert first.attempts == 1
    assert first.finished_at is not None
    assert second is None
    assert job_claim(NetworkSnapshot, snapshot.pk) is None  # done: nothing to take


def test_claim_takes_a_queued_job_once():
    snapshot = _snapshot(unsent=True)
    taken = job_claim(NetworkSnapshot, snapshot.pk)
    assert taken.status == JobStatus.RUNNING
    assert taken.attempts == 1
    assert taken.started_at is not None
    assert taken.heartbeat_at is not None
    assert not taken.unsent
    assert job_claim(NetworkSnapshot, snapshot.pk) is None
    assert job_claim(NetworkSnapshot, 0) is None  # gone


def test_job_run_marks_the_job_done_with_the_work_result():
    project = make_project()
    make_actor(project=project, name="Stad", kind="city")
    make_flow(project=project)
    snapshot = _snapshot(project)
    ended = job_run(NetworkSnapshot, snapshot.pk, network_build_work)
    assert ended.status == JobStatus.DONE
    assert ended.error == ""
    assert ended.computed_at is not None
    assert ended.finished_at >= ended.computed_at
    assert ended.summary["nodes"] == 1
    assert ended.badge(up_to_date=ended.built_since(None)) == Badge.FRESH


def test_job_run_marks_the_job_failed_with_the_error():
    snapshot = _snapshot()

    def broken(job):
        raise ValueError("the actors do not add up")

    ended = job_run(NetworkSnapshot, snapshot.pk, broken)  # logged, not raised
    assert ended.status == JobStatus.FAILED
    assert ended.error == "the actors do not add up"
    assert ended.finished_at is not None
    assert ended.badge(up_to_date=True) == Badge.FAILED


def test_job_run_of_a_job_deleted_while_it_ran_returns_none():
    snapshot = _snapshot()
    ended = job_run(
        NetworkSnapshot,
        snapshot.pk,
        lambda job: NetworkSnapshot.objects.filter(pk=job.pk).delete(),
    )
    assert ended is None


def test_job_run_here_takes_the_job_whatever_its_status_and_raises_failures():
    snapshot = _snapshot(status=JobStatus.DONE, attempts=1)
    ended = job_run_here(NetworkSnapshot, snapshot.pk, lambda job: None)
    assert ended.status == JobStatus.DONE
    assert ended.attempts == 2

    def broken(job):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        job_run_here(NetworkSnapshot, snapshot.pk, broken)
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.FAILED
    assert snapshot.error == "disk full"
    assert job_run_here(NetworkSnapshot, 0, lambda job: None) is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_the_work_runs(settings):
    """The work does not report progress; the side thread keeps the job alive."""
    settings.REGIE_JOB_HEARTBEAT_SECONDS = 0.1
    snapshot = _snapshot()
    beats = []

    def slow(job):
        for _ in range(6):
            time.sleep(0.15)
            beats.append(NetworkSnapshot.objects.get(pk=job.pk).heartbeat_at)

    ended = job_run(NetworkSnapshot, snapshot.pk, slow)
    assert ended.status == JobStatus.DONE
    assert len(set(beats)) >= 3  # several distinct signs of life
    assert beats == sorted(beats)
    # After the work the thread is stopped.
    names = {thread.name for thread in threading.enumerate()}
    assert f"heartbeat-{snapshot.pk}" not in names


@pytest.mark.django_db(transaction=True)
def test_heartbeat_beats_only_a_running_job(settings):
    settings.REGIE_JOB_HEARTBEAT_SECONDS = 0.05
    queued = _snapshot()
    with heartbeat(NetworkSnapshot, queued.pk):
        time.sleep(0.3)
    queued.refresh_from_db()
    assert queued.heartbeat_at is None  # only running jobs show signs of life


# --- the reaper -------------------------------------------------------------------


def test_reaper_resends_a_running_job_whose_worker_went_silent(
    celery_messages, django_capture_on_commit_callbacks, monkeypatch
):
    abandoned = []
    original = NetworkSnapshot.abandon

    def abandon(self):
        abandoned.append(self.pk)
        original(self)

    monkeypatch.setattr(NetworkSnapshot, "abandon", abandon)
    dead = _dead()
    alive = _snapshot(
        status=JobStatus.RUNNING,
        started_at=_ago(minutes=10),
        heartbeat_at=timezone.now(),
        attempts=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 1
    assert abandoned == [dead.pk]
    assert celery_messages() == [(TASK, {"snapshot_id": dead.pk})]
    dead.refresh_from_db()
    assert dead.status == JobStatus.QUEUED
    assert dead.heartbeat_at is None
    assert dead.attempts == 1  # counted when a worker takes it again
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING
    # The resent job is taken again and its attempts counted.
    assert job_claim(NetworkSnapshot, dead.pk).attempts == 2
    # Resent once: the next round does not send it again.
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 0
    assert len(celery_messages()) == 1


def test_a_running_job_that_never_beat_is_dead_after_its_start(
    celery_messages, django_capture_on_commit_callbacks
):
    silent = _snapshot(
        status=JobStatus.RUNNING,
        started_at=timezone.now() - dead_after() - timedelta(seconds=1),
        heartbeat_at=None,
        attempts=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 1
    silent.refresh_from_db()
    assert silent.status == JobStatus.QUEUED


def test_reaper_fails_a_job_after_max_attempts_with_the_translated_message(
    celery_messages, django_capture_on_commit_callbacks, monkeypatch
):
    abandoned = []
    monkeypatch.setattr(
        NetworkSnapshot, "abandon", lambda self: abandoned.append(self.pk)
    )
    dead = _dead(attempts=NetworkSnapshot.max_attempts)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 0
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert dead.error == str(WORKER_DIED % {"attempts": 3})
    assert "stopped 3 times" in dead.error
    assert dead.finished_at is not None
    assert abandoned == [dead.pk]
    assert celery_messages() == []
    assert dead.badge(up_to_date=True) == Badge.FAILED


def test_reaper_resends_an_unsent_job_after_resend_after(
    celery_messages, django_capture_on_commit_callbacks
):
    due = _snapshot(
        unsent=True, sent_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    recent = _snapshot(unsent=True, sent_at=_ago(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 1
    assert celery_messages() == [(TASK, {"snapshot_id": due.pk})]
    due.refresh_from_db()
    recent.refresh_from_db()
    assert (due.status, due.unsent) == (JobStatus.QUEUED, False)
    assert recent.unsent


def test_reaper_keeps_an_unsent_job_queued_while_the_broker_is_down(
    broker_down, django_capture_on_commit_callbacks
):
    due = _snapshot(
        unsent=True, sent_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs_reap(models=[NetworkSnapshot])
    due.refresh_from_db()
    assert (due.status, due.unsent) == (JobStatus.QUEUED, True)
    assert due.sent_at > _ago(seconds=30)  # offered again; next try in RESEND_AFTER
    assert due.waiting_for_worker


def test_reaper_resends_a_sent_job_nobody_took_after_lost_after(
    celery_messages, django_capture_on_commit_callbacks
):
    lost = _snapshot(sent_at=timezone.now() - LOST_AFTER - timedelta(seconds=1))
    waiting = _snapshot(sent_at=_ago(seconds=60))
    never_sent = _snapshot(
        requested_at=timezone.now() - LOST_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 2
    assert sorted(kwargs["snapshot_id"] for _t, kwargs in celery_messages()) == [
        lost.pk,
        never_sent.pk,
    ]
    waiting.refresh_from_db()
    assert waiting.sent_at < _ago(seconds=59)  # not sent again


def test_a_busy_workers_reaper_and_page_polls_leave_sent_messages_waiting(
    celery_messages, django_capture_on_commit_callbacks
):
    """A worker with no free slot (its messages wait their turn) and a page poll do
    not resend a sent job: only an idle worker can tell that its message was lost.
    A message no broker took is offered again by all of them."""
    long_ago = timezone.now() - LOST_AFTER * 3
    waiting = _snapshot(sent_at=long_ago)
    unsent = _snapshot(unsent=True, sent_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot], idle_worker=False) == 1
        assert job_refresh(waiting).sent_at == long_ago
    assert celery_messages() == [(TASK, {"snapshot_id": unsent.pk})]
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot], idle_worker=True) == 1
    assert celery_messages()[-1] == (TASK, {"snapshot_id": waiting.pk})


def test_reaper_fails_jobs_older_than_a_day(
    celery_messages, django_capture_on_commit_callbacks
):
    old = timezone.now() - KEEP_TRYING_FOR - timedelta(minutes=1)
    queued = _snapshot(requested_at=old, sent_at=_ago(hours=1))
    running = _dead(requested_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[NetworkSnapshot]) == 0
    for job in (queued, running):
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert job.error == str(TOO_OLD)
    assert celery_messages() == []


def test_refresh_reaps_a_dead_job_when_someone_looks(
    celery_messages, django_capture_on_commit_callbacks
):
    dead = _dead()
    with django_capture_on_commit_callbacks(execute=True):
        refreshed = job_refresh(dead)
    assert refreshed.status == JobStatus.QUEUED
    assert celery_messages() == [(TASK, {"snapshot_id": dead.pk})]
    with django_capture_on_commit_callbacks(execute=True):
        assert job_refresh(refreshed).status == JobStatus.QUEUED
    assert len(celery_messages()) == 1  # alive (just sent): left alone


def test_the_network_status_poll_resends_a_dead_build(
    celery_messages, django_capture_on_commit_callbacks
):
    dead = _dead()
    owner = dead.project.memberships.get().user
    url = reverse("network:network_status", args=[dead.project_id, dead.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).get(url, {"shown": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body  # still polling
    assert "queued…" in body
    assert celery_messages() == [(TASK, {"snapshot_id": dead.pk})]


def test_requeue_queues_a_finished_job_again_but_not_one_in_progress(
    celery_messages, django_capture_on_commit_callbacks
):
    done = _snapshot(
        status=JobStatus.DONE,
        attempts=2,
        finished_at=timezone.now(),
        error="",
        sent_at=_ago(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert job_requeue(done) is True
        assert job_requeue(done) is False  # queued now: not twice
    assert (done.status, done.attempts, done.finished_at) == (JobStatus.QUEUED, 0, None)
    assert celery_messages() == [(TASK, {"snapshot_id": done.pk})]


# --- the badge ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "up_to_date", "badge", "waiting"),
    [
        ({"status": JobStatus.QUEUED}, True, Badge.COMPUTING, False),
        ({"status": JobStatus.QUEUED, "unsent": True}, True, Badge.STALE, True),
        ({"status": JobStatus.RUNNING}, True, Badge.COMPUTING, False),
        ({"status": JobStatus.FAILED}, True, Badge.FAILED, False),
        ({"status": JobStatus.DONE}, True, Badge.FRESH, False),
        ({"status": JobStatus.DONE}, False, Badge.STALE, False),
    ],
)
def test_badge_states(fields, up_to_date, badge, waiting):
    snapshot = _snapshot(**fields)
    assert snapshot.badge(up_to_date=up_to_date) == badge
    assert snapshot.waiting_for_worker is waiting


def test_a_job_queued_long_without_a_worker_says_so():
    snapshot = _snapshot(requested_at=_ago(minutes=3), sent_at=_ago(minutes=3))
    assert snapshot.badge() == Badge.COMPUTING
    assert snapshot.waiting_for_worker
