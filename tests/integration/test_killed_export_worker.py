"""A real worker killed mid-export: the job is resent, written by the next worker,
and nothing the dead worker half-wrote stays on disk (issue 12, item 7).

The workers run with a fast clock (heartbeat 1 s, dead after 4 s, reaping every
2 s). The worker writing an Excel export of 40,000 coded segments is SIGKILLed once
it has written its first 10,000 rows (``--pool solo``: the worker process is the
one doing the work); a second worker starts, its reaper finds the silent job,
removes the partial files and sends the job again, and the second worker writes it.
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
CODINGS_PER_DOCUMENT = 2_000  # 40,000 rows: ~6 s of openpyxl at full speed
WITHIN = 120.0  # seconds from the kill to the finished file (the bound)


def _coded_project(owner):
    """A project with 40,000 codings, inserted in bulk (the services would take
    minutes): one code, one coder, 2,000 one-word codings per document."""
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


def test_a_killed_workers_export_is_resent_and_written_by_the_next(workers):
    owner = make_user()
    project = _coded_project(owner)
    first = workers.start(env=FAST_CLOCK)
    response = client_for(owner).post(
        reverse("interop:export_start", args=[project.pk]), {"kind": "segments_xlsx"}
    )
    assert response.status_code == 302
    job = ExportJob.objects.get(project=project)
    assert job.total == DOCUMENTS * CODINGS_PER_DOCUMENT
    folder = Path(settings.VAR_DIR) / "interop" / job.folder

    def mid_write() -> bool:
        job.refresh_from_db()
        return job.status == "running" and job.progress >= 10_000

    if not wait_for(mid_write, timeout=90, every=0.1):
        pytest.fail(
            f"the export never got half-way ({job.status}, {job.progress}):\n"
            + workers.all_logs()
        )
    left = _files(folder)
    partial = f"{job.filename}.1.part"
    assert partial in left, left
    scratch = {name for name in left if name.startswith("openpyxl.")}
    assert scratch, left  # openpyxl's sheet in the making, in the job's folder

    os.kill(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    killed_after_rows = job.progress
    first.wait(timeout=10)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)  # nobody knows yet
    workers.start(env=FAST_CLOCK)

    def resent() -> bool:
        job.refresh_from_db()
        return job.status != "running" or job.attempts > 1

    assert wait_for(resent, timeout=WITHIN, every=0.1), workers.all_logs()
    resent_after = time.monotonic() - killed_at

    def finished() -> bool:
        job.refresh_from_db()
        return job.status in {"done", "failed"}

    assert wait_for(finished, timeout=WITHIN - resent_after, every=0.2), (
        workers.all_logs()
    )
    done_after = time.monotonic() - killed_at
    print(
        f"\nkilled after {killed_after_rows:,} of {job.total:,} rows; "
        f"resent {resent_after:.1f} s after the kill, done {done_after:.1f} s after"
    )
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert job.progress == job.total
    assert done_after < WITHIN
    # Nothing the dead worker half-wrote is left: only the finished file.
    assert _files(folder) == {job.filename}
    assert partial not in _files(folder)
    assert not scratch & _files(folder)
    path = folder / job.filename
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook["segments"].iter_rows(values_only=True))
    workbook.close()
    assert rows == job.total + 1  # the header and every segment
    path.unlink()
    folder.rmdir()
