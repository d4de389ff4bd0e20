"""A real Celery worker (subprocess) imports large transcript uploads the API
queued, and refuses a hostile one with the reason, writing nothing.

The hostile file is the issue's ``.docx`` of 60 MB of empty ``<w:p/>`` packed into
~90 KB. The worker's peak memory growth while refusing it is measured as
``bench/hostile_uploads.py`` measures a process: the kernel's peak counter of the
worker process is reset (``/proc/<pid>/clear_refs``) before the upload, and the
peak (``VmHWM``) read after the refusal, minus the resident memory (``VmRSS``) at
rest. Printed with ``-s``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.models import AuditEvent, Document, DocumentImportJob
from privacy.models import PrivacySettings
from tests.conftest import api_client_for
from tests.factories import make_project, make_user
from tests.integration.conftest import wait_for
from tests.security.hostile import docx_paragraphs

pytestmark = pytest.mark.django_db(transaction=True)

INTERVIEW = b"Interviewer: Hoe begon het?\nRespondent: Met een vergadering.\n"


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _answer(api, url: str, workers) -> object:
    answers = []

    def answered() -> bool:
        answers.append(api.get(url))
        return answers[-1].status_code != 202

    assert wait_for(answered, timeout=90, every=0.2), workers.all_logs()
    return answers[-1]


def test_worker_imports_a_large_upload_and_refuses_a_hostile_one(workers, settings):
    settings.REGIE_DOCUMENT_IMPORT_INLINE_BYTES = 10  # every upload is "large"
    owner = make_user()
    project = make_project(owner=owner)
    # No pseudonym suggestions after the import: they would load the Dutch
    # detector's lookup tables (about 1 GB) into this worker during the measurement.
    PrivacySettings.objects.create(project=project, review_on_import=False)
    api = api_client_for(owner)
    url = f"/api/v1/projects/{project.pk}/documents/"
    worker = workers.start()
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()

    good = api.post(
        url, {"file": SimpleUploadedFile("groot.txt", INTERVIEW)}, format="multipart"
    )
    assert good.status_code == 202, good.content
    done = _answer(api, good.json()["status_url"], workers)
    assert done.status_code == 201, done.content
    assert done.json()["text"].startswith("Interviewer: Hoe begon het?")

    before = (Document.objects.count(), AuditEvent.objects.count())
    hostile = docx_paragraphs()
    Path(f"/proc/{worker.pid}/clear_refs").write_text("5")  # reset VmHWM
    rest = _status_kb(worker.pid, "VmRSS")
    started = time.monotonic()
    queued = api.post(
        url, {"file": SimpleUploadedFile("leeg.docx", hostile)}, format="multipart"
    )
    assert queued.status_code == 202
    refused = _answer(api, queued.json()["status_url"], workers)
    seconds = time.monotonic() - started
    growth_mb = (_status_kb(worker.pid, "VmHWM") - rest) / 1024
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert detail.startswith("leeg.docx: “word/document.xml” inside the")
    assert "as only a zip bomb does" in detail
    assert (Document.objects.count(), AuditEvent.objects.count()) == before
    job = DocumentImportJob.objects.get(pk=queued.json()["id"])
    assert (job.status, job.attempts) == ("failed", 1)
    assert not any(item["stored"] for item in job.files)  # the upload is gone
    assert growth_mb < 100
    print(  # reported with -s
        f"\nhostile .docx ({len(hostile) / 1024:.0f} KB, 60 MB of <w:p/>) refused by "
        f"the worker in {seconds:.2f} s (post to 400), worker peak memory "
        f"+{growth_mb:.1f} MB over {rest / 1024:.0f} MB at rest"
    )
