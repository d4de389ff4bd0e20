"""The agreement API and command: access, parameters, runs, staleness, schema."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agreement import services as agreement_service
from agreement import tasks
from agreement.forms import agreement_selection_from_params
from agreement.models import AgreementRun
from agreement.services import (
    agreement_request,
)
from coding.jobs.services import jobs_reap
from coding.models import (
    CodebookVersion,
    CodingChange,
)
from coding.services.codebook import code_update
from tests.agreement.pages_support import (
    api_url,
)
from tests.conftest import client_for
from tests.factories import (
    make_coding,
)

pytestmark = pytest.mark.django_db

# --- API behaviour --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_agreement_api_is_for_supervisors(setup, members, role, status):
    response = client_for(members[role]).get(api_url(setup["project"], n_resamples=0))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"measure": "scotts_pi"}, "Unknown measure “scotts_pi”"),
        ({"unit": "word"}, "Unknown unit “word”"),
        (
            {"unit": "character", "measure": "fleiss_kappa"},
            "not available for the unit",
        ),
        ({"codes": "x1"}, "“x1” is not an id"),
        ({"documents": "999999"}, "Document 999999 is not in this project"),
        ({"coders": "nobody-here"}, "“nobody-here” is not a member"),
        ({"n_resamples": "-3"}, "n_resamples must lie between"),
        ({"good": "0.5", "tentative": "0.7"}, "must not exceed the good one"),
    ],
)
def test_agreement_api_explains_bad_parameters(setup, members, params, message):
    response = client_for(members["supervisor"]).get(
        api_url(setup["project"], **params)
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_one_coder_is_not_enough(setup, members):
    response = client_for(members["supervisor"]).get(
        api_url(setup["project"], coders=setup["a"].username)
    )
    assert response.status_code == 400
    assert "at least two coders" in response.json()["detail"]


def test_coders_may_be_named_by_user_name(setup, members):
    response = client_for(members["supervisor"]).get(
        api_url(
            setup["project"],
            coders=f"{setup['a'].username},{setup['b'].pk}",
            n_resamples=0,
        )
    )
    assert response.status_code == 200
    assert {c["id"] for c in response.json()["coders"]} == {
        setup["a"].pk,
        setup["b"].pk,
    }


def test_a_large_selection_is_queued_and_computed_by_the_task(
    setup, members, monkeypatch, django_capture_on_commit_callbacks
):
    """Above the limit: 202 with a status URL; the task computes; then 200 from store."""
    monkeypatch.setattr(agreement_service, "SYNC_CODINGS", 0)
    client = client_for(members["supervisor"])
    url = api_url(setup["project"], codes=setup["x"].pk, n_resamples=0)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(url)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert len(callbacks) == 1
    run = AgreementRun.objects.get(pk=body["id"])
    assert run.codebook_version is None
    status_url = body["status_url"]
    assert client.get(status_url).json()["status"] == "queued"
    # The same question while it is queued: the same run, no second job.
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(url).json()["id"] == run.pk
    assert callbacks == []
    tasks.compute_agreement_run(run_id=run.pk)
    status = client.get(status_url).json()
    assert status["status"] == "done"
    assert status["progress"] == 100
    report = client.get(status["report_url"])
    assert report.status_code == 200
    assert report.json()["run"]["id"] == run.pk
    served = client.get(url)
    assert served.status_code == 200
    assert served.json()["run"]["id"] == run.pk


def test_a_run_without_a_broker_stays_queued_and_is_sent_again(
    setup, members, broker, monkeypatch, django_capture_on_commit_callbacks
):
    """No broker answers: the run is not failed but stays queued and unsent, the API
    answers 202 with the status URL, the pages say no worker can be reached, and the
    reaper sends the run again once the broker is back."""
    broker.down = True
    monkeypatch.setattr(agreement_service, "SYNC_CODINGS", 0)
    client = client_for(members["supervisor"])
    url = api_url(setup["project"], codes=setup["x"].pk, n_resamples=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    run = AgreementRun.objects.get(pk=body["id"])
    assert run.status == "queued"
    assert run.unsent
    assert run.error == ""
    assert client.get(body["status_url"]).json()["status"] == "queued"
    page = client.get(run.get_absolute_url()).content.decode()
    assert "No worker can be reached right now" in page
    assert 'hx-trigger="every 2s"' in page
    listing = client.get(
        reverse("agreement:agreement", args=[setup["project"].pk])
    ).content.decode()
    assert "No worker can be reached right now" in listing
    # The same question meanwhile: the same run, no second one.
    assert client.get(url).json()["id"] == run.pk
    broker.down = False
    later = timezone.now() + timedelta(minutes=1)
    with (
        monkeypatch.context() as patch,
        django_capture_on_commit_callbacks(execute=True),
    ):
        patch.setattr(timezone, "now", lambda: later)
        jobs_reap(models=[AgreementRun])
    assert broker.sent == [(AgreementRun.task_name, {"run_id": run.pk})]
    run.refresh_from_db()
    assert run.status == "queued"
    assert not run.unsent
    tasks.compute_agreement_run(run_id=run.pk)
    served = client.get(url)
    assert served.status_code == 200
    assert served.json()["run"]["id"] == run.pk


def test_a_run_records_the_latest_frozen_codebook_version(setup, members):
    version = CodebookVersion.objects.create(
        project=setup["project"], number=3, name="R3"
    )
    report = (
        client_for(members["supervisor"])
        .get(api_url(setup["project"], n_resamples=0))
        .json()
    )
    assert report["codebook_version"] == {"id": version.pk, "number": 3, "name": "R3"}
    assert "codebook version 3" in report["methods"]["en"]


def test_runs_go_stale_when_codings_change(setup, members):
    client = client_for(members["supervisor"])
    url = api_url(setup["project"], codes=setup["x"].pk, n_resamples=0)
    first = client.get(url).json()
    run = AgreementRun.objects.get(pk=first["run"]["id"])
    assert first["run"]["stale"] is False
    assert not run.is_stale
    make_coding(
        document=setup["document"], code=setup["x"], coder=setup["b"], start=12, end=22
    )
    assert AgreementRun.objects.get(pk=run.pk).is_stale
    listed = client.get(
        reverse("api-agreement-runs", args=[setup["project"].pk])
    ).json()
    assert listed[0]["stale"] is True
    again = client.get(url).json()
    assert again["run"]["id"] != run.pk
    assert again["run"]["stale"] is False
    page = client.get(
        reverse("agreement:agreement_run", args=[setup["project"].pk, run.pk])
    )
    assert "Codings changed after these figures were computed." in page.content.decode()


def test_changing_a_domain_makes_runs_stale(setup, members):
    run = agreement_request(
        project=setup["project"],
        selection=agreement_selection_from_params(
            setup["project"], {"n_resamples": "0"}
        ),
        compute_now=True,
    )
    CodingChange.objects.filter(project=setup["project"]).update(
        changed_at=timezone.now() - timedelta(hours=1)
    )
    AgreementRun.objects.filter(pk=run.pk).update(
        codings_changed_at=timezone.now() - timedelta(hours=1)
    )
    assert not AgreementRun.objects.get(pk=run.pk).is_stale
    code_update(code=setup["domain"], measurement_level="ordinal")
    assert AgreementRun.objects.get(pk=run.pk).is_stale


def test_the_command_prints_the_api_json(setup, members):
    client = client_for(members["supervisor"])
    params = {
        "unit": "turn",
        "codes": f"{setup['x'].pk},{setup['domain'].pk}",
        "seed": 3,
    }
    api = client.get(api_url(setup["project"], **params)).json()
    out = io.StringIO()
    call_command(
        "agreement",
        str(setup["project"].pk),
        "--json",
        "--unit",
        "turn",
        "--codes",
        params["codes"],
        "--seed",
        "3",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == api
    table = io.StringIO()
    call_command("agreement", str(setup["project"].pk), "--unit", "turn", stdout=table)
    assert "Krippendorff's α" in table.getvalue()


def test_the_command_explains_bad_parameters(setup):
    with pytest.raises(Exception, match="Unknown unit"):
        call_command("agreement", str(setup["project"].pk), "--unit", "word")


def test_the_openapi_schema_documents_the_agreement_api(client, members):
    schema = (
        client_for(members["supervisor"])
        .get(reverse("api-schema"), {"format": "json"})
        .json()
    )
    operation = schema["paths"]["/api/v1/projects/{project_id}/agreement/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"measure", "unit", "coders", "codes", "documents"} <= names
    assert {"200", "202"} <= set(operation["responses"])
    code = schema["components"]["schemas"]["Code"]["properties"]
    assert {"is_domain", "measurement_level", "value"} <= set(code)
