"""A real Celery worker (subprocess) imports a large project file the API queued;
the status URL answers ``202`` while it works and ``201`` with the project after.

The worker shares PostgreSQL and REGIE_VAR_DIR (where the upload is kept) with the
test process.
"""

import io

import pytest
from rest_framework.test import APIClient

from coding.models import Project
from interop.models import ProjectImportJob
from tests.factories import make_user
from tests.integration.test_celery_worker import wait_for, worker  # noqa: F401
from tests.interop.helpers import _zip, fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _wait_for_answer(client, url, worker):  # noqa: F811
    answers = []

    def answered():
        answers.append(client.get(url))
        return answers[-1].status_code != 202

    if not wait_for(answered):
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not import the file in time:\n{output[-3000:]}")
    return answers[-1]


def test_worker_imports_a_large_project_file(worker, settings):  # noqa: F811
    settings.REGIE_IMPORT_INLINE_BYTES = 10  # every file is "large"
    user = make_user()
    client = _client(user)
    response = client.post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(fixture("nvivo12_windows.qdpx")), "name": "Groot"},
        format="multipart",
    )
    assert response.status_code == 202
    answer = _wait_for_answer(client, response.json()["status_url"], worker)
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["name"] == "Groot"
    assert data["role"] == "owner"
    assert data["counts"]["codings"] > 0
    job = ProjectImportJob.objects.get()
    assert job.status == "done"
    assert job.project_id == data["id"]
    assert not job.file


def test_worker_refuses_a_bad_large_file_and_writes_nothing(worker, settings):  # noqa: F811
    settings.REGIE_IMPORT_INLINE_BYTES = 10
    user = make_user()
    client = _client(user)
    response = client.post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip({"notes.txt": b"hi"}))},
        format="multipart",
    )
    assert response.status_code == 202
    answer = _wait_for_answer(client, response.json()["status_url"], worker)
    assert answer.status_code == 400
    assert "contains no project document (.qde)" in answer.json()["detail"]
    assert not Project.objects.exists()
