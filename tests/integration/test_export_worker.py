"""A real Celery worker (subprocess) writes a large export the export page queued.

Same set-up as ``test_celery_worker``: PostgreSQL shared with the worker, and the
configured broker (Redis in CI, the file broker otherwise). The worker writes the
file under REGIE_VAR_DIR, which it shares with the test process.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

import interop.services.exports as exports
from interop.models import ExportJob
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)
from tests.integration.test_celery_worker import wait_for, worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_writes_a_large_export_with_progress(worker, monkeypatch):  # noqa: F811
    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)  # every export is "large"
    owner = make_user()
    project = make_project(owner=owner)
    document = make_document(project=project, text="woord " * 400)
    code = make_code(project=project, name="Overleg")
    for i in range(30):
        make_coding(
            document=document, code=code, coder=owner, start=i * 6, end=i * 6 + 5
        )
    client = client_for(owner)
    response = client.post(
        reverse("interop:export_start", args=[project.pk]),
        {"kind": "segments_xlsx"},
        headers={"HX-Request": "true"},
    )
    job = ExportJob.objects.get(project=project)
    assert f'id="job-{job.pk}"' in response.content.decode()

    def done():
        job.refresh_from_db()
        return job.status in {"done", "failed"}

    if not wait_for(done):
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not write the export in time:\n{output[-3000:]}")
    assert job.status == "done", job.error
    status = client.get(reverse("interop:export_job_status", args=[project.pk, job.pk]))
    download = reverse("interop:export_download", args=[project.pk, job.pk])
    assert download in status.content.decode()
    response = client.get(download)
    content = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["segments"].values)
    assert len(rows) == 31
    job.file.storage.delete(job.file.name)
