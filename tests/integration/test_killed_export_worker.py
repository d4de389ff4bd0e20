"""A real worker killed mid-export: the job is resent, written by the next worker,
and nothing the dead worker half-wrote stays on disk (issue 12, item 7).

The workers run with a fast clock (heartbeat 1 s, dead after 4 s, reaping every
2 s). The worker writing an Excel export of 20,000 coded segments is SIGKILLed once
it has written its first 10,000 rows. With ``--pool solo`` the worker process is
the one doing the work: a second worker starts, its reaper finds the silent job,
removes the partial files and sends the job again, and the second worker writes
it. With ``--pool prefork`` the pool's child is killed: the worker's own reaper
resends the job and a new child writes it.
The times from the kill to the resend and to the finished file are printed (run
with ``-s``) and must stay within two minutes.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coding.models import Coding
from interop.models import ExportJob
from tests.conftest import client_for
from tests.factories import make_code, make_document, make_project, make_user
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FAST_CLOCK = {
    "REGIE_JOB_HEARTBEAT_SECONDS": "1",
    "REGIE_JOB_DEAD_AFTER_SECONDS": "4",
    "REGIE_JOB_REAP_SECONDS": "2",
}
DOCUMENTS = 20
CODINGS_PER_DOCUMENT = 1_000  # 20,000 rows: ~3 s of openpyxl at full speed
WITHIN = 120.0  # seconds from the kill to the finished file (the bound)


def _coded_project(owner):
    """A project with 20,000 codings, inserted in bulk (the services would take
    minutes): one code, one coder, 1,000 one-word codings per document."""
    project = make_project(owner=owner)
    code = make_code(project=project, name="Overleg")
    now = timezone.now()
    for _ in range(DOCUMENTS):
        document = make_document(project=project, text="woord " * CODINGS_PER_DOCUMENT)
        Coding.objects.bulk_create(
            Coding(
                document=document,
                code=code,
                coder=owner,
                start=i * 6,
                end=i * 6 + 5,
                word_count=1,
                created_at=now,
                updated_at=now,
            )
            for i in range(CODINGS_PER_DOCUMENT)
        )
    return project


def _files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


class Killed:
    """What the dead worker left: the job as it was, its files, when it died."""

    def __init__(self, job: ExportJob, folder: Path, at: float) -> None:
        self.job = job
        self.rows = job.progress  # written when it died
        self.sent_at = job.sent_at
        self.folder = folder
        self.at = at
        self.files = _files(folder)
        self.partial = f"{job.filename}.1.part"
        self.scratch = {name for name in self.files if name.startswith("openpyxl.")}


def _export_killed_mid_write(workers, owner, project, kill) -> Killed:
    """Ask for the export on the page, wait until the worker wrote 10,000 rows,
    then ``kill()`` the process writing it."""
    response = client_for(owner).post(
        reverse("interop:export_start", args=[project.pk]), {"kind": "segments_xlsx"}
    )
    assert response.status_code == 302
    job = ExportJob.objects.get(project=project)
    assert job.total == DOCUMENTS * CODINGS_PER_DOCUMENT

    def mid_write() -> bool:
        job.refresh_from_db()
        return job.status == "running" and job.progress >= 10_000

    if not wait_for(mid_write, timeout=90, every=0.1):
        pytest.fail(
            f"the export never got half-way ({job.status}, {job.progress}):\n"
            + workers.all_logs()
        )
    kill()
    killed = Killed(
        job, Path(settings.VAR_DIR) / "interop" / job.folder, time.monotonic()
    )
    assert killed.partial in killed.files, killed.files
    assert killed.scratch, killed.files  # openpyxl's sheet in the making, there too
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)  # nobody knows yet
    return killed


def _until_finished(killed: Killed, workers) -> tuple[float, float]:
    """Seconds from the kill to the resend and to the finished file."""
    job = killed.job

    def resent() -> bool:
        job.refresh_from_db()
        return job.status != "running" or job.attempts > 1

    assert wait_for(resent, timeout=WITHIN, every=0.1), workers.all_logs()
    resent_after = time.monotonic() - killed.at

    def finished() -> bool:
        job.refresh_from_db()
        return job.status in {"done", "failed"}

    assert wait_for(finished, timeout=WITHIN - resent_after, every=0.2), (
        workers.all_logs()
    )
    return resent_after, time.monotonic() - killed.at


def _assert_written_again(killed: Killed, workers) -> None:
    """Done by the second attempt, complete and readable; the dead run's partial
    and scratch files are gone."""
    job = ExportJob.objects.get(pk=killed.job.pk)
    assert (job.status, job.attempts, job.error) == ("done", 2, ""), workers.all_logs()
    assert job.sent_at > killed.sent_at  # the reaper sent it again
    assert job.progress == job.total
    left = _files(killed.folder)
    assert left == {job.filename}
    assert killed.partial not in left
    assert not killed.scratch & left
    path = killed.folder / job.filename
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook["segments"].iter_rows(values_only=True))
    workbook.close()
    assert rows == job.total + 1  # the header and every segment
    path.unlink()
    killed.folder.rmdir()


def test_a_killed_workers_export_is_resent_and_written_by_the_next(workers):
    """Solo pool: the worker process itself writes the export and is killed."""
    owner = make_user()
    project = _coded_project(owner)
    first = workers.start(FAST_CLOCK)

    def kill() -> None:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

    killed = _export_killed_mid_write(workers, owner, project, kill)
    workers.start(FAST_CLOCK)
    resent_after, done_after = _until_finished(killed, workers)
    print(  # reported with -s
        f"\nsolo worker killed after {killed.rows:,} of "
        f"{killed.job.total:,} rows: resent {resent_after:.1f} s after the kill, "
        f"done {done_after:.1f} s after it"
    )
    _assert_written_again(killed, workers)
    assert done_after < WITHIN


def test_a_killed_pool_process_export_is_resent_by_its_worker(workers):
    """Prefork: the child writing the export dies; the worker's own reaper (in the
    main process) resends it and a new child writes it."""
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        pytest.skip("needs /proc to find the pool's child process")
    owner = make_user()
    project = _coded_project(owner)
    worker = workers.start(FAST_CLOCK, pool="prefork")
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()
    (child,) = _children(worker.pid)

    killed = _export_killed_mid_write(
        workers, owner, project, lambda: os.kill(child, signal.SIGKILL)
    )
    resent_after, done_after = _until_finished(killed, workers)
    print(
        f"\npool process killed after {killed.rows:,} of "
        f"{killed.job.total:,} rows: resent {resent_after:.1f} s after the kill, "
        f"done {done_after:.1f} s after it"
    )
    _assert_written_again(killed, workers)
    assert worker.poll() is None  # the worker itself lives on
    assert done_after < WITHIN
