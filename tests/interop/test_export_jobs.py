"""Export jobs whose worker died: partial files removed, sent again, failed at last.

The lifecycle is ``coding.jobs``'s; these tests hold what the export adds to it
(``ExportJob.abandon``) and that the export page's poll reaps too. The same with a
real worker killed mid-export: ``tests/integration/test_killed_export_worker.py``.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from coding.jobs.services import WORKER_DIED, dead_after, job_models, jobs_reap
from interop.models import ExportJob
from interop.tasks import run_export_job
from tests.conftest import client_for
from tests.interop.helpers import _remove_written_files  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db

TASK = "interop.tasks.run_export_job"


def _dead_job(project, user, *, attempts: int) -> ExportJob:
    """An xlsx job a worker was writing when it died: running, silent, and the
    partial file and a scratch file of openpyxl in its folder."""
    job = ExportJob.objects.create(
        project=project,
        requested_by=user,
        kind="segments_xlsx",
        filename="project-segments.xlsx",
        status="running",
        started_at=timezone.now() - timedelta(minutes=5),
        heartbeat_at=timezone.now() - dead_after() - timedelta(seconds=1),
        attempts=attempts,
        progress=10_000,
        total=60_000,
    )
    folder = _folder(job)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "project-segments.xlsx.1.part").write_bytes(b"PK\x03\x04 half")
    (folder / "openpyxl.x1y2z3").write_text("<row/>")
    return job


def _folder(job: ExportJob) -> Path:
    return Path(job.file.storage.path(job.folder))


def test_export_jobs_are_a_kind_of_job_sent_to_their_task():
    assert ExportJob.task_name == run_export_job.name == TASK
    assert ExportJob in job_models()


def test_a_dead_workers_job_loses_its_partial_files_and_is_sent_again(
    project, members, coded, celery_messages, django_capture_on_commit_callbacks
):
    job = _dead_job(project, members["owner"], attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[ExportJob]) == 1
    assert list(_folder(job).iterdir()) == []  # nothing half-written stays
    assert celery_messages() == [(TASK, {"job_id": job.pk})]
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 1)
    run_export_job(job_id=job.pk)  # the next worker
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert job.progress == job.total  # started over, counted to the end
    assert [p.name for p in _folder(job).iterdir()] == ["project-segments.xlsx"]
    with job.file.open("rb") as stored:
        sheets = openpyxl.load_workbook(io.BytesIO(stored.read())).sheetnames
    assert sheets[0] == "segments"


def test_after_max_attempts_a_dead_job_fails_with_the_translated_message(
    project, members, coded, celery_messages, django_capture_on_commit_callbacks
):
    job = _dead_job(project, members["owner"], attempts=ExportJob.max_attempts)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[ExportJob]) == 0
    assert celery_messages() == []
    assert list(_folder(job).iterdir()) == []
    job.refresh_from_db()
    message = str(WORKER_DIED % {"attempts": ExportJob.max_attempts})
    assert (job.status, job.error) == ("failed", message)
    assert job.error.startswith("The worker running this job stopped 3 times.")
    client = client_for(members["owner"])
    html = client.get(
        reverse("interop:export_job_status", args=[project.pk, job.pk])
    ).content.decode()
    assert "The worker running this job stopped 3 times." in html
    assert "every 2s" not in html  # failed: the page stops polling
    # A worker whose language is Dutch stores the Dutch message.
    dutch = _dead_job(project, members["owner"], attempts=ExportJob.max_attempts)
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        jobs_reap(models=[ExportJob])
    dutch.refresh_from_db()
    assert dutch.error.startswith("De worker die deze opdracht uitvoerde, is 3 keer")


def test_the_export_pages_poll_sends_a_dead_workers_job_again(
    project, members, coded, celery_messages, django_capture_on_commit_callbacks
):
    job = _dead_job(project, members["owner"], attempts=1)
    client = client_for(members["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get(
            reverse("interop:export_job_status", args=[project.pk, job.pk])
        ).content.decode()
    assert celery_messages() == [(TASK, {"job_id": job.pk})]
    assert "waiting for a worker…" in html
    assert "every 2s" in html
    assert list(_folder(job).iterdir()) == []


def test_abandon_keeps_a_finished_file(project, members, coded):
    job = ExportJob.objects.create(
        project=project, requested_by=members["owner"], kind="segments_csv"
    )
    run_export_job(job_id=job.pk)
    job.refresh_from_db()
    stray = _folder(job) / "segments.csv.1.part"
    stray.write_text("half")
    job.abandon()
    assert [p.name for p in _folder(job).iterdir()] == ["segments.csv"]
    ExportJob(pk=10**12).abandon()  # no folder: nothing to do
