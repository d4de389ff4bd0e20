"""A worker killed in the middle of a network build: another worker's reaper resends
the build, which then finishes (``coding.jobs``: heartbeat, dead after, reaper).

The build is held deterministically while it runs: the test locks the actor table
from a connection of its own, so the build (claimed, running, its heartbeat thread
beating) waits at its read of the actors until the worker is killed. Timings are
short for the test: a beat every second, dead after four silent seconds, a reaper
round every two.
"""

import os
import signal
import time

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.jobs.models import JobStatus
from coding.models import DocumentImportJob
from network.filters import NetworkFilters
from network.models import NetworkSnapshot, NetworkTie
from network.services import network_request
from tests.conftest import client_for
from tests.factories import (
    make_actor,
    make_document,
    make_flow,
    make_project,
    make_relation,
    make_user,
)
from tests.integration.conftest import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FAST_JOBS = {
    "REGIE_JOB_HEARTBEAT_SECONDS": "1",
    "REGIE_JOB_DEAD_AFTER_SECONDS": "4",
    "REGIE_JOB_REAP_SECONDS": "2",
}


def _project_with_relations():
    owner = make_user()
    project = make_project(owner=owner)
    document = make_document(project=project, text="woord " * 100)
    stad = make_actor(project=project, name="Stad", kind="city")
    partners = [make_actor(project=project, name=f"Partner {i}") for i in range(4)]
    flow = make_flow(project=project)
    for i, partner in enumerate(partners):
        make_relation(
            document=document,
            source=stad,
            target=partner,
            flow=flow,
            coder=owner,
            start=i * 6,
            end=i * 6 + 5,
        )
    return project


def _snapshot(pk: int) -> NetworkSnapshot:
    return NetworkSnapshot.objects.get(pk=pk)


def _kill_while_running(workers, project, kill) -> tuple[NetworkSnapshot, float]:
    """Request a build, hold it while it runs (claimed, beating), call ``kill()``,
    then let the actors be read again; the snapshot as held and when it was killed."""
    with psycopg.connect(database_url()) as hold:
        hold.execute("LOCK TABLE network_actor IN ACCESS EXCLUSIVE MODE")
        snapshot = network_request(
            project=project, scope="all", filters=NetworkFilters()
        )
        running = wait_for(
            lambda: _snapshot(snapshot.pk).status == JobStatus.RUNNING, timeout=60
        )
        assert running, workers.all_logs()
        beat = _snapshot(snapshot.pk).heartbeat_at
        assert wait_for(
            lambda: _snapshot(snapshot.pk).heartbeat_at > beat, timeout=10
        ), "the running build shows no heartbeat"
        held = _snapshot(snapshot.pk)
        assert held.status == JobStatus.RUNNING  # held, not done
        assert held.attempts == 1
        kill()
        killed = time.monotonic()
        hold.rollback()  # the actors can be read again
    return held, killed


def _until_finished(snapshot_id: int, killed: float) -> tuple[float | None, float]:
    """Seconds from the kill to the resend and to the end of the build."""
    resent_after = None
    while time.monotonic() < killed + 120:
        current = _snapshot(snapshot_id)
        if resent_after is None and (
            current.status != JobStatus.RUNNING or current.attempts > 1
        ):
            resent_after = time.monotonic() - killed
        if current.status in {JobStatus.DONE, JobStatus.FAILED}:
            break
        time.sleep(0.1)
    return resent_after, time.monotonic() - killed


def _assert_rebuilt(held: NetworkSnapshot, workers) -> None:
    current = _snapshot(held.pk)
    assert current.status == JobStatus.DONE, (current.error, workers.all_logs())
    assert current.attempts == 2
    assert current.sent_at > held.sent_at  # the reaper sent it again
    assert NetworkTie.objects.filter(snapshot=current).count() == 4


def test_a_build_whose_solo_worker_is_killed_is_resent_by_another_worker(workers):
    project = _project_with_relations()
    first = workers.start(FAST_JOBS)
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()

    def kill() -> None:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

    held, killed = _kill_while_running(workers, project, kill)
    workers.start(FAST_JOBS)
    resent_after, done_after = _until_finished(held.pk, killed)
    _assert_rebuilt(held, workers)
    assert done_after < 120
    print(  # reported with -s: how long a dead worker's build waits
        f"\nsolo worker killed: build resent {resent_after:.1f} s after the kill, "
        f"done {done_after:.1f} s after it"
    )


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as children:
        return [int(child) for child in children.read().split()]


def test_a_build_whose_pool_process_is_killed_is_resent_by_its_worker(workers):
    """Prefork: the child running the build dies, the worker's own reaper (in the
    main process) resends it and a new child builds it."""
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        pytest.skip("needs /proc to find the pool's child process")
    project = _project_with_relations()
    worker = workers.start(FAST_JOBS, pool="prefork")
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()
    (child,) = _children(worker.pid)

    held, killed = _kill_while_running(
        workers, project, lambda: os.kill(child, signal.SIGKILL)
    )
    resent_after, done_after = _until_finished(held.pk, killed)
    _assert_rebuilt(held, workers)
    assert worker.poll() is None  # the worker itself lives on
    assert done_after < 120
    print(
        f"\npool process killed: build resent {resent_after:.1f} s after the kill, "
        f"done {done_after:.1f} s after it"
    )


def test_a_document_import_whose_worker_is_killed_is_resent_and_imported(
    workers, settings
):
    """The kind of job a large transcript upload is: held at its first write of a
    document (the table locked), the worker killed; the next worker's reaper
    resends it, the kept upload is still there, and the import completes once.
    (Solo pool only: the prefork variant tests the same reaper above.)"""
    settings.REGIE_DOCUMENT_IMPORT_INLINE_BYTES = 10
    owner = make_user()
    project = make_project(owner=owner)
    first = workers.start(FAST_JOBS)
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()
    with psycopg.connect(database_url()) as hold:
        hold.execute("LOCK TABLE coding_document IN ACCESS EXCLUSIVE MODE")
        response = client_for(owner).post(
            reverse("coding:documents_import", args=[project.pk]),
            {"files": [SimpleUploadedFile("een.txt", b"Respondent: Ja.\n")]},
        )
        assert response.status_code == 302
        job = DocumentImportJob.objects.get()
        assert wait_for(
            lambda: DocumentImportJob.objects.get(pk=job.pk).status == "running"
        ), workers.all_logs()
        held = DocumentImportJob.objects.get(pk=job.pk)
        workers.start(FAST_JOBS)  # the next worker boots while the first holds it
        assert wait_for(lambda: workers.ready(1), timeout=90), workers.all_logs()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
        hold.rollback()

    def resent() -> bool:
        current = DocumentImportJob.objects.get(pk=job.pk)
        return current.status != "running" or current.attempts > 1

    assert wait_for(resent, timeout=120, every=0.1), workers.all_logs()
    resent_after = time.monotonic() - killed
    assert wait_for(
        lambda: DocumentImportJob.objects.get(pk=job.pk).status in {"done", "failed"},
        timeout=120,
    ), workers.all_logs()
    done = DocumentImportJob.objects.get(pk=job.pk)
    assert (done.status, done.attempts, done.error) == ("done", 2, ""), (
        workers.all_logs()
    )
    assert done.sent_at > held.sent_at  # the reaper sent it again
    assert list(project.documents.values_list("title", flat=True)) == ["een"]
    assert not any(item["stored"] for item in done.files)
    print(
        f"\nsolo worker killed mid-import: resent {resent_after:.1f} s after the kill"
    )
