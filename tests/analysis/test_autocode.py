"""Auto-coding: preview, apply, undo, expansion, permissions, runs in a worker."""

import pytest
from django.urls import reverse

from analysis.models import AnalysisResult, AutoCodeRun
from analysis.services.autocode import autocode_work
from analysis.tasks import compute_analysis_result, run_autocode
from coding.jobs.services import job_run
from coding.models import AuditEvent, Coding
from tests.analysis.helpers import api, capture_sends, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- auto-coding ----------------------------------------------------------------------


def test_autocode_preview_apply_undo_round_trip(project, data):
    coder = client_for(data["coder"])
    overleg = data["b"]
    before = Coding.objects.count()
    preview = coder.get(url("autocode", project, pattern="stad"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "3 passages in 2 documents would be coded." in html
    assert html.count('class="segment preview-match"') == 3
    assert 'id="apply-form"' in html
    response = coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "kind": "keyword", "code": overleg.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Coded 3 passages" in response.content.decode()
    run = AutoCodeRun.objects.get(project=project)
    assert run.status == AutoCodeRun.Status.DONE
    assert (run.matches, run.created, run.skipped) == (3, 3, 0)
    made = Coding.objects.filter(pk__in=run.coding_ids)
    assert {c.coder_id for c in made} == {data["coder"].pk}
    assert {c.text.lower() for c in made} == {"stad"}
    assert (
        AuditEvent.objects.filter(
            entity="coding", action="create", entity_id__in=run.coding_ids
        ).count()
        == 3
    )
    # Another coder does not see them (blind coding).
    seen = api(data["coder2"]).get(
        f"/api/v1/projects/{project.pk}/codings/", {"code": overleg.pk}
    )
    assert not {c["id"] for c in seen.json()["results"]} & set(run.coding_ids)
    # Applying again skips what is coded already.
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "code": overleg.pk},
    )
    second = AutoCodeRun.objects.filter(project=project).first()
    assert (second.matches, second.created, second.skipped) == (3, 0, 3)
    # Undo the first run as one step.
    response = coder.post(
        reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Auto-coding undone." in response.content.decode()
    run.refresh_from_db()
    assert run.status == AutoCodeRun.Status.UNDONE
    assert Coding.objects.count() == before
    assert (
        AuditEvent.objects.filter(
            entity="coding", action="delete", entity_id__in=run.coding_ids
        ).count()
        == 3
    )
    again = coder.post(
        reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]),
        headers={"HX-Request": "true"},
    )
    assert "already been undone" in again.content.decode()


def test_undo_keeps_codings_changed_since(project, data):
    from coding.services.codings import coding_update

    coder = client_for(data["coder"])
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "sportclubs", "code": data["a"].pk},
    )
    run = AutoCodeRun.objects.get(project=project)
    assert run.created == 2
    edited = Coding.objects.get(pk=run.coding_ids[0])
    coding_update(coding=edited, memo="Belangrijk")
    coder.post(reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]))
    run.refresh_from_db()
    assert run.undo_kept == 1
    assert Coding.objects.filter(pk__in=run.coding_ids).count() == 1


def test_autocode_expands_to_the_sentence_and_codes_a_speakers_turns(project, data):
    coder = client_for(data["coder"])
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "betaalt", "expand": "sentence", "code": data["b"].pk},
    )
    run = AutoCodeRun.objects.get(project=project)
    assert Coding.objects.get(pk=run.coding_ids[0]).text == (
        "Respondent: De stad betaalt subsidies."
    )
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"speaker": "Respondent", "code": data["b"].pk},
    )
    turns = AutoCodeRun.objects.filter(project=project).first()
    texts = sorted(Coding.objects.get(pk=pk).text for pk in turns.coding_ids)
    assert texts == [
        "De stad betaalt subsidies. Het Agentschap Integratie en Inburgering "
        "helpt ook.",
        "Sportclubs krijgen een subsidie van de stad.",
    ]
    within = coder.get(url("autocode", project, pattern="stad", speaker="Interviewer"))
    assert "1 passage in 1 document would be coded." in within.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pattern": "(a+)+", "kind": "regex"}, "repeats a group"),
        ({"pattern": "[abc", "kind": "regex"}, "This regular expression is not valid"),
        ({"pattern": "", "speaker": ""}, "Enter a word, phrase or pattern"),
        ({"pattern": "x", "expand": "paragraph"}, "Choose expand from"),
    ],
)
def test_autocode_bad_input(project, data, query, message):
    coder = client_for(data["coder"])
    response = coder.get(url("autocode", project, **query))
    assert response.status_code == 400
    assert message in response.content.decode()
    applied = coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {**query, "code": data["b"].pk},
        headers={"HX-Request": "true"},
    )
    assert message in applied.content.decode()
    assert not AutoCodeRun.objects.exists()


def test_autocode_permissions(project, data):
    viewer = client_for(data["viewer"])
    preview = viewer.get(url("autocode", project, pattern="stad"))
    assert preview.status_code == 200
    assert 'id="apply-form"' not in preview.content.decode()
    assert (
        viewer.post(
            reverse("analysis:autocode_apply", args=[project.pk]),
            {"pattern": "stad", "code": data["b"].pk},
        ).status_code
        == 403
    )
    client_for(data["coder"]).post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "code": data["b"].pk},
    )
    run = AutoCodeRun.objects.get()
    undo = reverse("analysis:autocode_undo_run", args=[project.pk, run.pk])
    assert client_for(data["coder2"]).post(undo).status_code == 404
    assert client_for(data["outsider"]).post(undo).status_code == 404
    runs = client_for(data["coder2"]).get(
        reverse("analysis:autocode_runs", args=[project.pk])
    )
    assert f'id="run-{run.pk}"' not in runs.content.decode()
    assert client_for(data["supervisor"]).post(undo).status_code == 302
    run.refresh_from_db()
    assert run.status == AutoCodeRun.Status.UNDONE


def test_large_autocode_runs_in_a_worker(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 10
    sent = capture_sends(monkeypatch)
    coder = client_for(data["coder"])
    with django_capture_on_commit_callbacks(execute=True):
        preview = coder.get(url("autocode", project, pattern="stad"))
    assert "queued…" in preview.content.decode()
    result = AnalysisResult.objects.get(kind="autocode_preview")
    compute_analysis_result(result_id=result.pk)
    assert (
        "3 passages in 2 documents"
        in coder.get(url("autocode", project, pattern="stad")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = coder.post(
            reverse("analysis:autocode_apply", args=[project.pk]),
            {"pattern": "stad", "code": data["b"].pk},
            headers={"HX-Request": "true"},
        )
    assert "runs in the background" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    run = AutoCodeRun.objects.get()
    assert run.status == AutoCodeRun.Status.QUEUED
    assert {"kwargs": {"run_id": run.pk}} in sent
    run_autocode(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.created) == (AutoCodeRun.Status.DONE, 3)
    # a repeated message: no-op
    assert job_run(AutoCodeRun, run.pk, autocode_work) is None
