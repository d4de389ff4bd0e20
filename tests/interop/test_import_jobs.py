"""Large project imports run as a job (``ProjectImportJob``): the API answers ``202``
with a status URL that answers ``201`` with the project once a worker imported it.

Here the worker's part (``job_run``) is called directly; with a real worker:
``tests/integration/test_import_worker.py``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded

import interop.services.project_files as project_files
from coding.jobs.services import job_run
from interop.models import ProjectImportJob
from interop.services.project_files import project_import_job_work
from tests.factories import make_user
from tests.interop.helpers import (  # noqa: F401 (autouse)
    _remove_written_files,
    _zip,
    api,
    fixture,
    row_counts,
)

pytestmark = pytest.mark.django_db

TASK = "interop.tasks.run_project_import_job"


@pytest.fixture
def large(settings):
    """Every file counts as large: imported by a worker."""
    settings.REGIE_IMPORT_INLINE_BYTES = 10


def _post(user, data: bytes, **fields):
    return api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(data), **fields},
        format="multipart",
    )


def test_a_small_file_is_still_imported_in_the_request(celery_messages):
    user = make_user()
    response = _post(user, fixture("nvivo12_windows.qdpx"), name="Klein")
    assert response.status_code == 201
    assert response.json()["name"] == "Klein"
    assert ProjectImportJob.objects.count() == 0
    assert celery_messages() == []


def test_a_large_file_answers_202_then_201_with_the_project(
    large, settings, celery_messages, django_capture_on_commit_callbacks
):
    user = make_user()
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(user, fixture("nvivo12_windows.qdpx"), name="Groot")
    assert response.status_code == 202
    job = ProjectImportJob.objects.get()
    answer = response.json()
    assert answer["id"] == job.pk
    assert answer["status"] == "queued"
    assert answer["status_url"].endswith(f"/api/v1/projects/import/{job.pk}/")
    assert response.headers["Location"] == answer["status_url"]
    assert celery_messages() == [(TASK, {"job_id": job.pk})]
    assert Path(job.file.path).exists()
    # Nothing is imported before the worker runs.
    assert row_counts() == before
    status = api(user).get(answer["status_url"])
    assert status.status_code == 202
    assert status.json()["status"] == "queued"

    job = job_run(ProjectImportJob, job.pk, project_import_job_work)
    assert job.status == "done", job.error
    assert job.project is not None
    assert not job.file
    status = api(user).get(answer["status_url"])
    assert status.status_code == 201
    data = status.json()
    assert data["id"] == job.project_id
    assert data["name"] == "Groot"
    assert data["role"] == "owner"
    assert data["counts"]["documents"] > 0
    assert isinstance(data["warnings"], list)
    # The same body a small file's import answers.
    settings.REGIE_IMPORT_INLINE_BYTES = 100 * 1024 * 1024
    inline = _post(user, fixture("nvivo12_windows.qdpx"), name="Groot")
    assert inline.status_code == 201
    assert set(inline.json()) == set(data)
    for kind in ("documents", "codes", "codings"):  # placeholders exist by now
        assert inline.json()["counts"][kind] == data["counts"][kind]


def test_a_refused_large_file_fails_with_the_readers_message_and_writes_nothing(
    large, celery_messages
):
    user = make_user()
    before = row_counts()
    response = _post(user, _zip({"notes.txt": b"hi"}))
    assert response.status_code == 202
    job = ProjectImportJob.objects.get()
    job = job_run(ProjectImportJob, job.pk, project_import_job_work)
    assert job.status == "failed"
    assert "contains no project document (.qde)" in job.error
    assert not job.error.startswith("{")
    assert not job.file
    assert row_counts() == before
    status = api(user).get(response.json()["status_url"])
    assert status.status_code == 400
    assert "contains no project document (.qde)" in status.json()["detail"]


def test_an_import_over_its_time_limit_fails_readably(
    large, celery_messages, monkeypatch
):
    user = make_user()
    before = row_counts()
    response = _post(user, fixture("nvivo12_windows.qdpx"))
    job = ProjectImportJob.objects.get()

    def too_long(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(project_files, "project_import_file", too_long)
    job = job_run(ProjectImportJob, job.pk, project_import_job_work)
    assert job.status == "failed"
    assert "REGIE_IMPORT_TIME_LIMIT_SECONDS" in job.error
    assert row_counts() == before
    status = api(user).get(response.json()["status_url"])
    assert status.status_code == 400


def test_only_the_uploader_sees_the_import(large, celery_messages):
    user = make_user()
    response = _post(user, fixture("nvivo12_windows.qdpx"))
    assert response.status_code == 202
    other = api(make_user()).get(response.json()["status_url"])
    assert other.status_code == 404


def test_the_import_page_hands_a_large_confirmed_file_to_a_worker(
    large, celery_messages, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from interop.models import PendingImport
    from tests.conftest import client_for

    user = make_user()
    client = client_for(user)
    before = row_counts()
    response = client.post(
        reverse("interop:project_import"),
        {"file": io.BytesIO(fixture("nvivo12_windows.qdpx")), "name": "Pagina"},
    )
    pending = PendingImport.objects.get()
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interop:project_import_confirm", args=[pending.pk]),
            {"name": "Pagina"},
        )
    job = ProjectImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interop:project_import_job", args=[job.pk])
    assert not PendingImport.objects.exists()
    kept = Path(job.file.path)
    assert kept.exists()
    assert celery_messages() == [(TASK, {"job_id": job.pk})]
    assert row_counts() == before
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in page.content.decode()

    job = job_run(ProjectImportJob, job.pk, project_import_job_work)
    assert job.status == "done", job.error
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    html = poll.content.decode()
    assert "every 2s" not in html
    assert job.project.get_absolute_url() in html
    assert "“Pagina” imported" in html
    assert not kept.exists()
    other = client_for(make_user()).get(response["Location"])
    assert other.status_code == 404
