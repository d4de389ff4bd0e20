"""Stored results: staleness, the worker, enqueueing after commit, a missing broker."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analysis.models import AnalysisResult
from analysis.tasks import compute_analysis_result
from coding.jobs.models import JobStatus
from coding.jobs.services import jobs_reap
from tests.analysis.helpers import api, capture_sends, code, matrix_api, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- staleness, workers, the broker ---------------------------------------------------


def test_results_go_stale_when_codings_change_and_are_recomputed(project, data):
    matrix_api(data["supervisor"], project)
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    first_key = result.source_key
    code(data["d2"], data["b"], data["coder2"], "Sportclubs")
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Overleg"]["middenveld"] == 2
    result.refresh_from_db()
    assert result.source_key != first_key
    assert result.codings_changed_at is not None


def test_large_queries_go_to_a_worker(project, data, settings, monkeypatch):
    """Above the inline limit the request queues a task and answers 202."""
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 10
    capture_sends(monkeypatch)
    client = api(data["viewer"])
    endpoint = f"/api/v1/projects/{project.pk}/frequencies/words/"
    response = client.get(endpoint)
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["results"]) == (
        "computing",
        None,
    )
    result = AnalysisResult.objects.get(project=project, kind="words")
    assert result.status == JobStatus.QUEUED
    page = client_for(data["viewer"]).get(url("words", project)).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "queued…" in page
    # The worker runs the task (called here as a function).
    compute_analysis_result(result_id=result.pk)
    assert client.get(endpoint).json()["status"] == "fresh"
    assert (
        "badge fresh"
        in client_for(data["viewer"]).get(url("words", project)).content.decode()
    )


def test_work_is_enqueued_after_commit(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CODINGS = 0
    sent = capture_sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(data["supervisor"]).get(
            f"/api/v1/projects/{project.pk}/cooccurrence/"
        )
    assert response.status_code == 202
    assert len(callbacks) == 1
    result = AnalysisResult.objects.get(project=project, kind="cooccurrence")
    assert sent == [{"kwargs": {"result_id": result.pk}}]
    # Asking again while it is queued sends nothing more.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api(data["supervisor"]).get(f"/api/v1/projects/{project.pk}/cooccurrence/")
    assert callbacks == []


def test_without_a_broker_figures_are_stale_and_caught_up_later(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CODINGS = 0
    capture_sends(monkeypatch, broker_down=True)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(data["supervisor"]).get(url("matrix", project))
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    assert result.unsent
    assert result.status == JobStatus.QUEUED
    page = client_for(data["supervisor"]).get(url("matrix", project)).content.decode()
    assert "badge stale" in page
    assert "No worker can be reached" in page
    # Coding goes on meanwhile.
    code(data["d2"], data["a"], data["supervisor"], "Sportclubs")
    sent = capture_sends(monkeypatch)
    # The reaper offers an unsent job to the broker again after a while.
    AnalysisResult.objects.filter(pk=result.pk).update(
        requested_at=timezone.now() - timedelta(minutes=5),
        sent_at=timezone.now() - timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[AnalysisResult]) >= 1
    assert {"kwargs": {"result_id": result.pk}} in sent
    compute_analysis_result(result_id=result.pk)
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Instrumenten > Subsidies"]["middenveld"] == 2


def test_a_failing_computation_shows_its_message(project, data, monkeypatch):
    from analysis import selectors as selectors_analysis

    def broken(access, query):
        raise ValueError("The alias “x” belongs to both A and B.")

    monkeypatch.setattr(selectors_analysis, "matrix_compute", broken)
    page = client_for(data["supervisor"]).get(url("matrix", project))
    html = page.content.decode()
    assert "badge stale" in html or "failed" in html
    assert "belongs to both A and B" in html
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    assert result.status == JobStatus.FAILED
    # Not retried on every view while the data stay the same.
    client_for(data["supervisor"]).get(url("matrix", project))
    assert AnalysisResult.objects.get(pk=result.pk).started_at == result.started_at


def test_recompute_now(project, data):
    client = client_for(data["supervisor"])
    client.get(url("matrix", project))
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    response = client.post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk]),
        {"next": url("matrix", project)},
    )
    assert response.status_code == 302
    assert AnalysisResult.objects.get(pk=result.pk).computed_at > result.computed_at
    htmx = client.post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk]),
        headers={"HX-Request": "true"},
    )
    assert htmx.headers["HX-Refresh"] == "true"
    outsider = client_for(data["outsider"]).post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk])
    )
    assert outsider.status_code == 404
