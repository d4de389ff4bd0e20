"""Large transcript uploads run as a job (``DocumentImportJob``): the page follows
the job with the shared badge, the API answers ``202`` with a status URL that
answers ``201`` with the documents, a refused batch writes nothing and says why
for every file, and the kept upload is removed after.

Here the worker's part (``job_run``) is called directly; with a real worker:
``tests/integration/test_document_import_worker.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coding.jobs.limits import memory_limit
from coding.jobs.services import dead_after, job_models, job_run, jobs_reap
from coding.models import AuditEvent, Document, DocumentImportJob
from coding.services.document_imports import document_import_job_work
from tests.conftest import api_client_for, client_for
from tests.interop.helpers import _zip
from tests.security.hostile import docx_paragraphs

pytestmark = pytest.mark.django_db

TASK = "coding.tasks.run_document_import_job"
INTERVIEW = b"Interviewer: Hoe begon het?\nRespondent: Met een vergadering.\n"


@pytest.fixture
def large(settings):
    """Every upload counts as large: imported by a worker."""
    settings.REGIE_DOCUMENT_IMPORT_INLINE_BYTES = 10


@pytest.fixture(autouse=True)
def _kept_uploads_removed():
    """Each test leaves ``var/uploads/documents`` as it found it."""
    root = Path(settings.VAR_DIR) / "uploads" / "documents"
    before = set(root.iterdir()) if root.exists() else set()
    yield
    after = set(root.iterdir()) if root.exists() else set()
    assert after == before, "a kept upload was not removed"


def _kept(job: DocumentImportJob) -> list[Path]:
    root = Path(settings.VAR_DIR) / "uploads"
    return [root / item["stored"] for item in job.files if item["stored"]]


def _work(job: DocumentImportJob) -> DocumentImportJob:
    return job_run(DocumentImportJob, job.pk, document_import_job_work)


def test_document_imports_are_a_kind_of_job():
    assert DocumentImportJob in job_models()
    assert DocumentImportJob.task_name == TASK


def test_a_small_upload_is_still_imported_in_the_request(
    project, members, celery_messages
):
    response = api_client_for(members["owner"]).post(
        f"/api/v1/projects/{project.pk}/documents/",
        {"file": SimpleUploadedFile("klein.txt", INTERVIEW)},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["title"] == "klein"
    assert not DocumentImportJob.objects.exists()
    assert celery_messages() == []


def test_api_large_file_answers_202_then_201_with_the_document(
    large, project, members, celery_messages, django_capture_on_commit_callbacks
):
    api = api_client_for(members["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/projects/{project.pk}/documents/",
            {"file": SimpleUploadedFile("groot.txt", INTERVIEW), "title": "Groot"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = DocumentImportJob.objects.get()
    answer = response.json()
    assert answer == {
        "id": job.pk,
        "status": "queued",
        "status_url": answer["status_url"],
        "waiting_for_worker": False,
    }
    assert answer["status_url"].endswith(
        f"/api/v1/projects/{project.pk}/documents/import/{job.pk}/"
    )
    assert response.headers["Location"] == answer["status_url"]
    assert celery_messages() == [(TASK, {"job_id": job.pk})]
    (kept,) = _kept(job)
    assert kept.read_bytes() == INTERVIEW
    assert not Document.objects.exists()
    assert api.get(answer["status_url"]).status_code == 202
    # Another member (even the project's supervisor) does not see the import.
    other = api_client_for(members["supervisor"]).get(answer["status_url"])
    assert other.status_code == 404

    assert _work(job).status == "done"
    done = api.get(answer["status_url"])
    assert done.status_code == 201
    document = Document.objects.get()
    assert done.json()["id"] == document.pk
    assert done.json()["title"] == "Groot"
    assert done.json()["text"] == document.text
    assert not kept.exists()


def test_page_large_zip_is_followed_until_its_documents_are_listed(
    large, project, members, celery_messages
):
    owner = client_for(members["owner"])
    upload = _zip({"een.txt": INTERVIEW, "twee.txt": INTERVIEW + b"Einde.\n"})
    response = owner.post(
        reverse("coding:documents_import", args=[project.pk]),
        {"files": [SimpleUploadedFile("studie.zip", upload)]},
    )
    job = DocumentImportJob.objects.get()
    url = reverse("coding:documents_import_job", args=[project.pk, job.pk])
    assert response.status_code == 302
    assert response["Location"] == url
    page = owner.get(url).content.decode()
    assert f'hx-get="{url}"' in page  # polled while it is queued
    assert "queued…" in page
    assert "studie.zip" in page
    assert 'class="help-link" href="/help/#3-importing-transcripts"' in page

    _work(job)
    partial = owner.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in partial  # done: no more polling
    assert "<html" not in partial
    assert "2 documents imported." in partial
    for document in Document.objects.all():
        assert document.get_absolute_url() in partial
    assert client_for(members["supervisor"]).get(url).status_code == 404


def test_a_refused_batch_writes_nothing_and_says_why_for_every_file(
    large, project, members, celery_messages
):
    owner = client_for(members["owner"])
    before = (Document.objects.count(), AuditEvent.objects.count())
    owner.post(
        reverse("coding:documents_import", args=[project.pk]),
        {
            "files": [
                SimpleUploadedFile("goed.txt", INTERVIEW),
                SimpleUploadedFile("leeg.docx", docx_paragraphs()),
                SimpleUploadedFile("foto.png", b"\x89PNG"),
            ]
        },
    )
    job = DocumentImportJob.objects.get()
    assert len(_kept(job)) == 3
    job = _work(job)
    assert job.status == "failed"
    assert [problem.split(":")[0] for problem in job.problems] == [
        "leeg.docx",
        "foto.png",
    ]
    assert "as only a zip bomb does" in job.problems[0]
    assert (Document.objects.count(), AuditEvent.objects.count()) == before
    assert not _kept(job)
    page = owner.get(reverse("coding:documents_import_job", args=[project.pk, job.pk]))
    html = page.content.decode()
    assert "nothing was imported" in html
    for problem in job.problems:
        assert problem.split(":")[0] in html
    status = api_client_for(members["owner"]).get(
        f"/api/v1/projects/{project.pk}/documents/import/{job.pk}/"
    )
    assert status.status_code == 400
    assert "leeg.docx" in status.json()["detail"]
    assert len(status.json()["errors"]["non_field_errors"]) == 2


def test_a_dead_workers_last_attempt_removes_the_upload(
    large, project, members, celery_messages, django_capture_on_commit_callbacks
):
    client_for(members["owner"]).post(
        reverse("coding:documents_import", args=[project.pk]),
        {"files": [SimpleUploadedFile("een.txt", INTERVIEW)]},
    )
    job = DocumentImportJob.objects.get()
    silent = timezone.now() - dead_after() * 2
    for attempt in (1, 2):
        DocumentImportJob.objects.filter(pk=job.pk).update(
            status="running", attempts=attempt, heartbeat_at=silent, started_at=silent
        )
        with django_capture_on_commit_callbacks(execute=True):
            jobs_reap(models=[DocumentImportJob])
        job.refresh_from_db()
        # The first death keeps the upload for the next attempt; the last removes it.
        assert (job.status, len(_kept(job))) == (
            ("queued", 1) if attempt == 1 else ("failed", 0)
        )


def test_memory_limit_stops_an_allocation_and_is_lifted_after():
    with pytest.raises(MemoryError), memory_limit(64 * 1024 * 1024):
        bytearray(512 * 1024 * 1024)
    assert len(bytearray(256 * 1024 * 1024)) == 256 * 1024 * 1024
