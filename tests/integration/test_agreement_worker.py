"""A real Celery worker (subprocess) computes an agreement run the API queued.

Same set-up as ``test_celery_worker``: PostgreSQL (shared with the worker process)
and the configured broker. The selection is made "large" by lowering the limit for
computing in the request, so the API answers 202 and the worker does the work.
"""

import pytest
from django.urls import reverse

from agreement import services as agreement_service
from agreement.models import AgreementRun
from coding.models import Role
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)
from tests.integration.test_celery_worker import wait_for, worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_computes_a_queued_agreement_run(worker, monkeypatch):  # noqa: F811
    owner = make_user()
    project = make_project(owner=owner)
    a, b = make_user(), make_user()
    for coder in (a, b):
        make_membership(project=project, user=coder, role=Role.CODER)
    document = make_document(
        project=project, text="aaaaaaaaaa\n\nbbbbbbbbbb\n\ncccccccccc\n\ndddddddddd"
    )
    code = make_code(project=project, name="X")
    for coder, spans in ((a, [(0, 10), (24, 34)]), (b, [(0, 10), (36, 46)])):
        for start, end in spans:
            make_coding(document=document, code=code, coder=coder, start=start, end=end)
    monkeypatch.setattr(agreement_service, "SYNC_CODINGS", 0)
    client = client_for(owner)
    url = reverse("api-agreement", args=[project.pk]) + f"?unit=turn&codes={code.pk}"
    response = client.get(url)
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]

    def done():
        return AgreementRun.objects.get(pk=run_id).status in {"done", "failed"}

    if not wait_for(done):
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not compute the run in time:\n{output[-3000:]}")
    run = AgreementRun.objects.get(pk=run_id)
    assert run.status == "done", run.error
    assert run.progress == 100
    report = client.get(url)
    assert report.status_code == 200
    body = report.json()
    assert body["run"]["id"] == run_id
    pair = next(g["key"] for g in body["groups"] if g["key"] != "all")
    alpha = next(
        r["measures"]["krippendorff_alpha"]
        for r in body["rows"]
        if r["variable"] == f"c{code.pk}" and r["group"] == pair
    )
    assert alpha["value"] == pytest.approx(0.125)
    assert alpha["n"] == 4
