"""A real Celery worker (subprocess) computes an analysis result and runs an
auto-coding that was too large for the request (limits lowered to zero here).

Same set-up as ``test_celery_worker``: PostgreSQL shared with the worker, and the
configured broker (Redis in CI, the file broker otherwise).
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import AnalysisResult, AutoCodeRun
from coding.models import Coding
from tests.factories import make_code, make_document, make_project, make_user
from tests.integration.test_celery_worker import wait_for, worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def _fail_with_output(worker, message):  # noqa: F811
    worker.terminate()
    output = worker.communicate(timeout=20)[0]
    pytest.fail(f"{message}:\n{output[-3000:]}")


def test_worker_computes_words_and_auto_codes(worker, settings):  # noqa: F811
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 0
    owner = make_user()
    project = make_project(owner=owner)
    make_document(project=project, text="De stad betaalt de subsidies. " * 50)
    code = make_code(project=project, name="Stad")
    api = APIClient()
    api.force_authenticate(owner)
    endpoint = f"/api/v1/projects/{project.pk}/frequencies/words/"

    first = api.get(endpoint)
    assert first.status_code == 202
    assert first.json()["status"] == "computing"

    def computed():
        return AnalysisResult.objects.filter(
            project=project, kind="words", status="done"
        ).exists()

    if not wait_for(computed):
        _fail_with_output(worker, "the worker did not compute the word frequencies")
    body = api.get(endpoint).json()
    assert body["status"] == "fresh"
    words = {w["word"]: w["count"] for w in body["results"][0]["words"]}
    assert words["stad"] == 50
    assert words["subsidies"] == 50
    assert "de" not in words

    client = Client()
    client.force_login(owner)
    client.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "code": code.pk},
    )
    run = AutoCodeRun.objects.get(project=project)

    def applied():
        run.refresh_from_db()
        return run.status == AutoCodeRun.Status.DONE

    if not wait_for(applied):
        _fail_with_output(
            worker, f"the worker did not run the auto-coding ({run.status})"
        )
    assert run.created == 50
    assert Coding.objects.filter(code=code, coder=owner).count() == 50
