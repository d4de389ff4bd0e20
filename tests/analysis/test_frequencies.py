"""Code frequencies: the numbers, the partial update, debouncing, blind coding."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analysis.models import AnalysisState, CodeFrequency
from analysis.selectors_frequencies import frequency_status
from analysis.services.frequencies import (
    DEBOUNCE_SECONDS,
    frequencies_recompute,
    frequencies_schedule,
)
from analysis.tasks import recompute_code_frequencies
from coding.access import access_project
from coding.jobs.services import jobs_reap
from coding.models import Case
from regie_site.celery import app as celery_app
from tests.analysis.helpers import capture_sends
from tests.conftest import client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


def cell(project, code, scope="all", key="", rolled=True):
    return CodeFrequency.objects.get(
        project=project, code=code, scope=scope, scope_key=key, rolled_up=rolled
    )


@pytest.fixture
def coded(project, members):
    case = Case.objects.create(
        project=project, label="R01", attributes={"niveau": "middenveld"}
    )
    d1 = make_document(
        project=project, case=case, text="een twee drie vier vijf zes zeven acht"
    )
    d2 = make_document(project=project, text="alfa beta gamma delta")
    parent = make_code(project=project, name="Instrumenten")
    child = make_code(project=project, name="Subsidies", parent=parent)
    make_coding(
        document=d1, code=child, coder=members["coder"], start=0, end=8
    )  # "een twee"
    make_coding(
        document=d1, code=parent, coder=members["coder2"], start=9, end=18
    )  # "drie vier"
    make_coding(
        document=d2, code=child, coder=members["coder2"], start=0, end=10
    )  # "alfa beta"
    return d1, d2, parent, child


def test_full_recompute_numbers(project, members, coded):
    d1, d2, parent, child = coded
    result = frequencies_recompute(project_id=project.pk)
    assert result["partial"] == 0
    assert (
        cell(project, child).codings,
        cell(project, child).documents,
        cell(project, child).words,
    ) == (2, 2, 4)
    assert cell(project, child).characters == 18
    rolled = cell(project, parent)
    assert (rolled.codings, rolled.documents, rolled.cases, rolled.words) == (
        3,
        2,
        1,
        6,
    )
    own = cell(project, parent, rolled=False)
    assert (own.codings, own.words) == (1, 2)
    assert cell(project, child, "document", str(d2.pk)).codings == 1
    assert cell(project, parent, "coder", str(members["coder2"].pk)).codings == 2
    assert cell(project, parent, "attribute", "niveau=middenveld").codings == 2
    state = AnalysisState.objects.get(project=project)
    assert state.frequencies_badge == "fresh"


def test_partial_update_touches_only_changed_codes(project, members, coded):
    d1, d2, parent, child = coded
    other = make_code(project=project, name="Overleg")
    make_coding(document=d1, code=other, coder=members["coder"], start=19, end=25)
    frequencies_recompute(project_id=project.pk)
    untouched = cell(project, other).pk
    make_coding(document=d2, code=child, coder=members["coder"], start=11, end=21)
    state = AnalysisState.objects.get(project=project)
    assert state.frequencies_badge == "stale"
    assert state.dirty_code_ids == [child.pk]
    result = frequencies_recompute(project_id=project.pk)
    assert result["partial"] == 1
    assert result["codes"] == 2  # the sub-code and its parent
    assert cell(project, child).codings == 3
    assert cell(project, parent).codings == 4
    assert cell(project, other).pk == untouched


def test_a_burst_of_changes_queues_one_task(project, members, coded):
    """100 schedules in a row claim the job once (the rest see it queued)."""
    results = [frequencies_schedule(project_id=project.pk) for _ in range(100)]
    assert results.count(True) == 1
    assert AnalysisState.objects.get(project=project).status == "queued"


def test_tests_use_their_own_queue():
    assert celery_app.conf.task_default_queue.startswith("regie-tests")


def test_blind_coder_sees_own_figures_only(project, members, coded):
    d1, d2, parent, child = coded
    frequencies_recompute(project_id=project.pk)
    client = APIClient()
    client.force_authenticate(members["coder"])
    body = client.get(f"/api/v1/projects/{project.pk}/frequencies/codes/").json()
    assert body["status"] == "fresh"
    by_code = {r["code"]: r["codings"] for r in body["results"]}
    assert by_code[parent.pk] == 1  # only coder's own coding, rolled up
    client.force_authenticate(members["supervisor"])
    body = client.get(
        f"/api/v1/projects/{project.pk}/frequencies/codes/", {"scope": "coder"}
    ).json()
    assert {r["scope_label"] for r in body["results"]} == {
        members["coder"].username,
        members["coder2"].username,
    }
    assert (
        client.get(
            f"/api/v1/projects/{project.pk}/frequencies/codes/", {"scope": "elders"}
        ).status_code
        == 400
    )


def test_dashboard_page(project, members, coded):
    frequencies_recompute(project_id=project.pk)
    url = reverse("coding:analysis_codes", args=[project.pk])
    body = (
        client_for(members["supervisor"])
        .get(url, {"scope": "document"})
        .content.decode()
    )
    assert "fresh" in body
    assert "Instrumenten" in body
    assert 'id="chart-data"' in body
    assert client_for(members["outsider"]).get(url).status_code == 404
    status = client_for(members["coder"]).get(
        reverse("coding:analysis_codes_status", args=[project.pk])
    )
    assert status.status_code == 200


def test_codings_queue_the_frequency_job_once_after_commit_with_a_debounce(
    project, members, coded, monkeypatch, django_capture_on_commit_callbacks
):
    d1, d2, parent, child = coded
    frequencies_recompute(project_id=project.pk)
    sent = []
    monkeypatch.setattr(
        "coding.jobs.services.current_app",
        SimpleNamespace(
            send_task=lambda name, kwargs=None, **options: sent.append(
                (name, kwargs, options.get("countdown"))
            )
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        for start, end in ((11, 16), (17, 21)):  # "gamma", "delta"
            make_coding(
                document=d2, code=child, coder=members["coder"], start=start, end=end
            )
    state = AnalysisState.objects.get(project=project)
    assert sent == [
        (recompute_code_frequencies.name, {"state_id": state.pk}, DEBOUNCE_SECONDS)
    ]
    assert (state.status, state.frequencies_badge) == ("queued", "computing")
    recompute_code_frequencies(state_id=state.pk)  # the worker runs the task
    state.refresh_from_db()
    assert (state.status, state.frequencies_badge) == ("done", "fresh")
    assert cell(project, child).codings == 4
    assert len(sent) == 1  # nothing changed meanwhile: no second run


def test_without_a_broker_the_frequency_job_waits_unsent(
    project, members, coded, monkeypatch, django_capture_on_commit_callbacks
):
    d1, d2, parent, child = coded
    frequencies_recompute(project_id=project.pk)
    capture_sends(monkeypatch, broker_down=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_coding(document=d2, code=child, coder=members["coder"], start=11, end=16)
    state = AnalysisState.objects.get(project=project)
    assert (state.status, state.unsent) == ("queued", True)
    assert state.frequencies_badge == "stale"
    page = client_for(members["supervisor"]).get(
        reverse("coding:analysis_codes", args=[project.pk])
    )
    assert "No worker can be reached" in page.content.decode()
    # The reaper offers it to the broker again after a while.
    sent = capture_sends(monkeypatch)
    AnalysisState.objects.filter(pk=state.pk).update(
        requested_at=timezone.now() - timedelta(minutes=5),
        sent_at=timezone.now() - timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[AnalysisState]) == 1
    assert sent == [{"kwargs": {"state_id": state.pk}}]


def test_a_failed_run_never_shows_fresh_beside_the_failure(
    project, members, coded, monkeypatch, django_capture_on_commit_callbacks
):
    """Figures that still hold are fresh and say nothing of a failed recomputation;
    figures that no longer hold after a failure are ``failed`` (the page then says
    the last computation failed), for a blind coder too."""
    d1, d2, parent, child = coded
    frequencies_recompute(project_id=project.pk)
    AnalysisState.objects.filter(project=project).update(status="failed", error="x")
    page = client_for(members["supervisor"]).get(
        reverse("coding:analysis_codes", args=[project.pk])
    )
    html = page.content.decode()
    assert 'class="badge fresh"' in html
    assert "The last computation failed" not in html
    capture_sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        make_coding(document=d2, code=child, coder=members["coder"], start=11, end=16)
    AnalysisState.objects.filter(project=project).update(status="failed", error="x")
    state = AnalysisState.objects.get(project=project)
    for role in ("supervisor", "coder"):  # the coder's own coding changed: blind too
        shown = frequency_status(access_project(members[role], project.pk), state)
        assert (shown.badge, shown.status) == ("failed", "failed")
