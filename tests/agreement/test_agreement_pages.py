"""Inter-coder agreement: code domain fields, API, command, pages, runs and staleness.

The hand-made project: one document of four 10-character paragraphs
("aaaaaaaaaa\\n\\nbbbbbbbbbb\\n\\ncccccccccc\\n\\ndddddddddd", 46 characters, no
speaker turns, so paragraphs are the segment units). Coder A codes X on [0, 10)
and [24, 34), coder B on [0, 10) and [36, 46). By hand:

* characters: both 10, only A 10, only B 10, neither 16 (N = 46); percentage
  (10 + 16) / 46; NVivo κ = (N·agree − S)/(N² − S), S = A·B + (N − A)(N − B)
  = 400 + 676 = 1076, so κ = (46·26 − 1076)/(2116 − 1076) = 120/1040;
* paragraphs: A codes units {0, 2}, B {0, 3}: 2 of 4 agree (50 %); Cohen's κ 0
  (p_o = p_e = ½); Krippendorff's α = 1 − (n − 1)·o₀₁/(n₀·n₁) = 1 − 7·2/16 = 0.125.

The domain D (children X1, X2) per paragraph: A gives X1, X2, X1, X2 and B X1, X2,
X2, X2: o₁₁ = 2, o₂₂ = 4, o₁₂ = o₂₁ = 1, n₁ = 3, n₂ = 5, so nominal
α = 1 − 7·2/(2·3·5) = 8/15.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreement import services as agreement_service
from agreement import tasks
from agreement.forms import agreement_selection_from_params
from agreement.models import AgreementRun, AgreementSettings
from agreement.services import (
    agreement_request,
    agreement_run_compute,
)
from coding.models import (
    Assignment,
    Code,
    CodebookVersion,
    CodingChange,
    Role,
)
from coding.services.codebook import code_update
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db

TEXT = "aaaaaaaaaa\n\nbbbbbbbbbb\n\ncccccccccc\n\ndddddddddd"
PARAGRAPHS = [(0, 10), (12, 22), (24, 34), (36, 46)]


@pytest.fixture
def setup(project, members):
    """The hand-made project: code X, domain D (X1, X2), two coders on one document."""
    a, b = members["coder"], members["coder2"]
    document = make_document(project=project, text=TEXT, title="Hand")
    x = make_code(project=project, name="X")
    domain = make_code(project=project, name="D", is_domain=True)
    x1 = make_code(project=project, name="X1", parent=domain)
    x2 = make_code(project=project, name="X2", parent=domain)
    for start, end in ((0, 10), (24, 34)):
        make_coding(document=document, code=x, coder=a, start=start, end=end)
    for start, end in ((0, 10), (36, 46)):
        make_coding(document=document, code=x, coder=b, start=start, end=end)
    for coder, values in ((a, (x1, x2, x1, x2)), (b, (x1, x2, x2, x2))):
        for (start, end), code in zip(PARAGRAPHS, values, strict=True):
            make_coding(document=document, code=code, coder=coder, start=start, end=end)
    return {
        "project": project,
        "document": document,
        "x": x,
        "domain": domain,
        "x1": x1,
        "x2": x2,
        "a": a,
        "b": b,
    }


def api_url(project, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("api-agreement", args=[project.pk]) + (f"?{query}" if query else "")


def row(report, variable, group=None, document=None):
    group = group or next(g["key"] for g in report["groups"] if g["key"] != "all")
    return next(
        r["measures"]
        for r in [*report["rows"], *report["document_rows"]]
        if r["variable"] == variable
        and r["group"] == group
        and r["document"] == document
    )


def pair_key(setup) -> str:
    a, b = sorted([setup["a"].pk, setup["b"].pk])
    return f"{a}-{b}"


# --- the code API and the codebook ------------------------------------------------------


def test_code_api_accepts_and_returns_domain_fields(project, members):
    """is_domain, measurement_level (on a domain) and value (on its child) round-trip."""
    client = client_for(members["supervisor"])
    url = reverse("api-codes", args=[project.pk])
    response = client.post(
        url,
        {"name": "Mate", "is_domain": True, "measurement_level": "ordinal"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    domain = response.json()
    assert domain["is_domain"] is True
    assert domain["measurement_level"] == "ordinal"
    assert domain["value"] is None
    child = client.post(
        url,
        {"name": "Veel", "parent": domain["id"], "value": 2.5},
        content_type="application/json",
    ).json()
    assert child["value"] == 2.5
    assert child["is_domain"] is False
    detail = reverse("api-code", args=[project.pk, child["id"]])
    assert client.get(detail).json()["value"] == 2.5
    cleared = client.patch(detail, {"value": None}, content_type="application/json")
    assert cleared.status_code == 200
    assert cleared.json()["value"] is None


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "A", "measurement_level": "interval"}, "measurement_level", "domain"),
        ({"name": "A", "measurement_level": "metric"}, "measurement_level", "valid"),
        ({"name": "A", "value": 3}, "value", "sub-code of a domain"),
        ({"name": "A", "parent": "plain", "value": 3}, "value", "sub-code of a domain"),
    ],
)
def test_code_api_rejects_misplaced_domain_fields(
    project, members, payload, field, message
):
    """A level only on a domain, a value only on a domain's child: readable 400s."""
    client = client_for(members["supervisor"])
    plain = make_code(project=project, name="Plain")
    if payload.get("parent") == "plain":
        payload = {**payload, "parent": plain.pk}
    response = client.post(
        reverse("api-codes", args=[project.pk]),
        payload,
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert message in body["detail"]


def test_a_domain_with_valued_children_cannot_stop_being_one(project, members):
    domain = make_code(project=project, name="D", is_domain=True)
    make_code(project=project, name="Child", parent=domain, value=1.0)
    client = client_for(members["supervisor"])
    response = client.patch(
        reverse("api-code", args=[project.pk, domain.pk]),
        {"is_domain": False},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Child" in response.json()["detail"]
    assert Code.objects.get(pk=domain.pk).is_domain


def test_moving_a_valued_child_out_of_its_domain_is_refused(project):
    domain = make_code(project=project, name="D", is_domain=True)
    child = make_code(project=project, name="Child", parent=domain, value=1.0)
    with pytest.raises(Exception, match="clear the value"):
        code_update(code=child, parent=None)


def test_codebook_edit_form_saves_domain_fields(project, members):
    domain = make_code(project=project, name="Rol")
    client = client_for(members["supervisor"])
    url = reverse("coding:codebook_edit_code", args=[project.pk, domain.pk])
    page = client.get(url).content.decode()
    assert 'name="is_domain"' in page
    assert 'name="measurement_level"' in page
    response = client.post(
        url,
        {
            "name": "Rol",
            "color": "#aabbcc",
            "is_domain": "on",
            "measurement_level": "interval",
        },
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.is_domain
    assert domain.measurement_level == "interval"
    bad = client.post(
        url, {"name": "Rol", "color": "#aabbcc", "measurement_level": "ratio"}
    )
    assert bad.status_code == 400
    assert "mark the code as a domain first" in bad.content.decode()


def test_the_regie_codebook_marks_the_director_types_as_a_domain():
    project = make_project(codebook="regie")
    code = Code.objects.get(project=project, name="Regisseursrol (Pröpper)")
    assert code.is_domain
    assert code.measurement_level == "nominal"
    assert code.children.count() == 4


# --- the figures --------------------------------------------------------------------------


def test_character_level_matches_nvivo_by_hand(setup, members):
    client = client_for(members["supervisor"])
    response = client.get(
        api_url(setup["project"], unit="character", codes=setup["x"].pk, n_resamples=0)
    )
    assert response.status_code == 200, response.content
    report = response.json()
    figures = row(report, f"c{setup['x'].pk}")
    assert figures["percent_agreement"]["value"] == pytest.approx(100 * 26 / 46)
    assert figures["percent_agreement"]["n"] == 46
    assert figures["nvivo_kappa"]["value"] == pytest.approx(120 / 1040)
    assert figures["nvivo_kappa"]["n"] == 46
    assert figures["percent_agreement"]["note"] == "length-weighted over documents"
    assert figures["percent_agreement"]["mean"] == pytest.approx(100 * 26 / 46)
    per_document = row(report, f"c{setup['x'].pk}", document=setup["document"].pk)
    assert per_document["nvivo_kappa"]["value"] == pytest.approx(120 / 1040)


def test_paragraph_units_give_hand_computed_kappa_and_alpha(setup, members):
    client = client_for(members["supervisor"])
    report = client.get(
        api_url(setup["project"], unit="turn", codes=setup["x"].pk)
    ).json()
    assert report["documents"][0]["unit_kind"] == "paragraph"
    figures = row(report, f"c{setup['x'].pk}")
    assert figures["percent_agreement"]["value"] == 50.0
    assert figures["percent_agreement"]["n"] == 4
    assert figures["cohen_kappa"]["value"] == pytest.approx(0.0)
    assert figures["krippendorff_alpha"]["value"] == pytest.approx(0.125)
    assert figures["krippendorff_alpha"]["n"] == 4
    assert figures["krippendorff_alpha"]["ci_low"] is not None
    assert figures["krippendorff_alpha"]["verdict"] == "poor"
    together = row(report, f"c{setup['x'].pk}", group="all")
    assert together["fleiss_kappa"]["n"] == 4
    assert "fleiss_kappa" not in figures  # Fleiss' κ is for all coders together


def test_a_domain_is_one_nominal_variable(setup, members):
    client = client_for(members["supervisor"])
    report = client.get(
        api_url(setup["project"], unit="turn", codes=setup["domain"].pk)
    ).json()
    variable = next(v for v in report["variables"] if v["kind"] == "domain")
    assert [v["name"] for v in variable["values"]] == ["X1", "X2"]
    figures = row(report, f"c{setup['domain'].pk}")
    assert figures["krippendorff_alpha"]["value"] == pytest.approx(8 / 15)
    assert figures["krippendorff_alpha"]["level"] == "nominal"
    assert figures["percent_agreement"]["value"] == 75.0


def test_an_interval_domain_uses_the_children_values(setup, members):
    domain = setup["domain"]
    code_update(code=domain, measurement_level="interval")
    code_update(code=setup["x1"], value=1.0)
    code_update(code=setup["x2"], value=3.0)
    client = client_for(members["supervisor"])
    figures = row(
        client.get(api_url(setup["project"], unit="turn", codes=domain.pk)).json(),
        f"c{domain.pk}",
    )
    # Two values only: interval α equals nominal α (one squared distance).
    assert figures["krippendorff_alpha"]["level"] == "interval"
    assert figures["krippendorff_alpha"]["value"] == pytest.approx(8 / 15)


def test_a_coder_who_did_not_code_a_document_is_missing_there(setup, members):
    """A second document only A coded (and B was not assigned): B is missing."""
    project, x = setup["project"], setup["x"]
    other = make_document(project=project, text=TEXT, title="Only A")
    make_coding(document=other, code=x, coder=setup["a"], start=0, end=10)
    client = client_for(members["supervisor"])
    figures = row(
        client.get(api_url(project, unit="turn", codes=x.pk)).json(), f"c{x.pk}"
    )
    assert figures["krippendorff_alpha"]["n"] == 4  # the other document drops out
    assert figures["krippendorff_alpha"]["value"] == pytest.approx(0.125)
    Assignment.objects.create(project=project, document=other, coder=setup["b"])
    again = row(
        client.get(api_url(project, unit="turn", codes=x.pk)).json(), f"c{x.pk}"
    )
    assert again["krippendorff_alpha"]["n"] == 8  # assigned: B did not apply X there


def test_sentence_and_unitizing_units(setup, members):
    client = client_for(members["supervisor"])
    project, x = setup["project"], setup["x"]
    sentences = client.get(api_url(project, unit="sentence", codes=x.pk)).json()
    assert row(sentences, f"c{x.pk}")["percent_agreement"]["n"] == 4
    unitizing = client.get(
        api_url(project, unit="unitizing", codes=f"{x.pk},{setup['domain'].pk}")
    ).json()
    figures = row(unitizing, f"c{x.pk}")
    assert set(figures) == {"u_alpha", "binary_u_alpha", "cu_alpha", "u_alpha_1995"}
    assert figures["u_alpha"]["n"] == 46
    assert figures["u_alpha"]["value"] is not None
    assert "1995" in figures["u_alpha_1995"]["note"]
    assert [m["label"] for m in unitizing["measures"]][-1] == "α_U (1995/2004)"
    values = [v for v in unitizing["variables"] if v["kind"] == "value"]
    assert {v["name"] for v in values} == {"X1", "X2"}


def test_the_bootstrap_is_seeded(setup, members):
    client = client_for(members["supervisor"])
    project, x = setup["project"], setup["x"]
    first = row(client.get(api_url(project, codes=x.pk, seed=7)).json(), f"c{x.pk}")
    again = row(
        agreement_service.agreement_output(
            agreement_request(
                project=project,
                selection=agreement_selection_from_params(
                    project, {"codes": str(x.pk), "seed": "7"}
                ),
                compute_now=True,
                reuse=False,
            )
        ).to_json(),
        f"c{x.pk}",
    )
    assert (
        first["krippendorff_alpha"]["ci_low"] == again["krippendorff_alpha"]["ci_low"]
    )
    assert (
        first["krippendorff_alpha"]["resamples"]
        == again["krippendorff_alpha"]["resamples"]
    )


def test_methods_paragraph_states_measure_and_n_in_both_languages(setup, members):
    client = client_for(members["supervisor"])
    report = client.get(
        api_url(
            setup["project"],
            unit="turn",
            codes=setup["x"].pk,
            measure="krippendorff_alpha",
            n_resamples=0,
        )
    ).json()
    english, dutch = report["methods"]["en"], report["methods"]["nl"]
    assert "Krippendorff's α" in english
    assert "was 0.125" in english
    assert "N = 4 turns" in english
    assert "1 document" in english
    assert "Krippendorffs α" in dutch
    assert "bedroeg 0,125" in dutch
    assert "N = 4 beurten" in dutch
    assert "2 codeurs" in dutch


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


def test_a_run_without_a_broker_fails_readably(setup, members, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.compute_agreement_run, "apply_async", refuse)
    monkeypatch.setattr(agreement_service, "SYNC_CODINGS", 0)
    run = agreement_request(
        project=setup["project"],
        selection=agreement_selection_from_params(setup["project"], {}),
    )
    agreement_service.agreement_send(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "No task queue answered" in run.error


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


# --- pages ------------------------------------------------------------------------------


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
def test_agreement_pages_are_for_supervisors(setup, members, role, status):
    project = setup["project"]
    run = agreement_request(
        project=project,
        selection=agreement_selection_from_params(project, {"n_resamples": "0"}),
        compute_now=True,
    )
    client = client_for(members[role])
    urls = [
        reverse("agreement:agreement", args=[project.pk]),
        reverse("agreement:agreement_run", args=[project.pk, run.pk]),
        reverse("agreement:agreement_run_status", args=[project.pk, run.pk]),
        reverse("agreement:agreement_run_csv", args=[project.pk, run.pk]),
        reverse("agreement:agreement_disagreements", args=[project.pk, run.pk])
        + f"?variable=c{setup['x'].pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == status, url
    start = client.post(reverse("agreement:agreement_start", args=[project.pk]), {})
    assert start.status_code == (302 if status == 200 else status)


def test_the_nav_shows_agreement_to_supervisors_only(setup, members):
    url = reverse("coding:project_detail", args=[setup["project"].pk])
    link = reverse("agreement:agreement", args=[setup["project"].pk])
    assert link in client_for(members["supervisor"]).get(url).content.decode()
    assert link not in client_for(members["coder"]).get(url).content.decode()


def test_start_queues_a_run_whose_page_polls_until_done(
    setup, members, django_capture_on_commit_callbacks
):
    project = setup["project"]
    client = client_for(members["supervisor"])
    page = client.get(
        reverse("agreement:agreement", args=[project.pk])
    ).content.decode()
    assert 'name="measure" value="krippendorff_alpha"' in page
    assert "Regie" in page or "agreement" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("agreement:agreement_start", args=[project.pk]),
            {
                "unit": "turn",
                "codes": [setup["x"].pk],
                "measure": ["krippendorff_alpha"],
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    run = AgreementRun.objects.get()
    assert response.url == run.get_absolute_url()
    assert run.selection["measures"] == ["krippendorff_alpha"]
    waiting = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert "queued" in waiting
    status_url = reverse("agreement:agreement_run_status", args=[project.pk, run.pk])
    tasks.compute_agreement_run(run_id=run.pk)
    done = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in done
    assert 'id="agreement-matrix"' in done
    assert 'class="num verdict-poor"' in done  # α = 0.125
    assert "0.125" in done
    listing = client.get(
        reverse("agreement:agreement", args=[project.pk])
    ).content.decode()
    assert f"#{run.pk}" in listing
    assert "fresh" in listing


def test_start_shows_errors_in_the_form(setup, members):
    response = client_for(members["supervisor"]).post(
        reverse("agreement:agreement_start", args=[setup["project"].pk]),
        {"unit": "character", "measure": ["fleiss_kappa"]},
    )
    assert response.status_code == 400
    assert "not available for the unit" in response.content.decode()


def test_start_opens_a_fresh_stored_run(setup, members):
    project = setup["project"]
    run = agreement_request(
        project=project,
        selection=agreement_selection_from_params(project, {}),
        compute_now=True,
    )
    response = client_for(members["supervisor"]).post(
        reverse("agreement:agreement_start", args=[project.pk]), {}
    )
    assert response.url == run.get_absolute_url()


def _done_run(setup, **params):
    project = setup["project"]
    return agreement_request(
        project=project,
        selection=agreement_selection_from_params(
            project, {"n_resamples": "0", **params}
        ),
        compute_now=True,
    )


def test_thresholds_recolour_the_figures(setup, members):
    project = setup["project"]
    run = _done_run(setup, codes=str(setup["x"].pk), unit="turn")
    client = client_for(members["supervisor"])
    url = reverse("agreement:agreement_run_thresholds", args=[project.pk, run.pk])
    values = {
        "good": "0.1",
        "tentative": "0.05",
        "percent_good": "40",
        "percent_tentative": "30",
    }
    fragment = client.post(url, values, headers={"HX-Request": "true"}).content.decode()
    assert 'class="num verdict-good"' in fragment
    assert 'class="num verdict-poor"' not in fragment.split("agreement-matrix")[
        1
    ].split("</table>")[0].replace("not-applicable", "")
    run.refresh_from_db()
    assert run.selection["thresholds"]["good"] == 0.1
    assert (
        row(run.result, f"c{setup['x'].pk}")["krippendorff_alpha"]["verdict"] == "good"
    )
    assert (
        "good from 0.100"
        in agreement_service.agreement_output(run).to_json()["methods"]["en"]
    )
    assert not AgreementSettings.objects.filter(project=project).exists()
    client.post(url, {**values, "remember": "on"})
    assert AgreementSettings.objects.get(project=project).good == 0.1
    wrong = client.post(
        url, {**values, "tentative": "0.5"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "must not exceed the good one" in wrong


def test_the_matrix_filters_by_pair_and_document(setup, members):
    project = setup["project"]
    run = _done_run(setup, unit="turn")
    client = client_for(members["supervisor"])
    url = reverse("agreement:agreement_run", args=[project.pk, run.pk])
    everything = client.get(url).content.decode()
    assert "all coders" in everything
    assert "All codes (pooled)" in everything
    only_pair = client.get(url, {"group": pair_key(setup)}).content.decode()
    assert "<td>all coders</td>" not in only_pair
    per_document = client.get(
        url, {"document": setup["document"].pk}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="run-result"' in per_document
    assert "<html" not in per_document


def test_csv_export_has_one_line_per_figure(setup, members):
    project = setup["project"]
    run = _done_run(setup, unit="turn", codes=str(setup["x"].pk))
    response = client_for(members["supervisor"]).get(
        reverse("agreement:agreement_run_csv", args=[project.pk, run.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    alpha = next(
        r
        for r in rows
        if r["measure"] == "krippendorff_alpha"
        and r["variable"] == f"c{setup['x'].pk}"
        and r["coders"] != "all coders"
        and not r["document_id"]
    )
    assert float(alpha["value"]) == pytest.approx(0.125)
    assert alpha["n"] == "4"
    assert alpha["verdict"] == "poor"
    dutch = client_for(members["supervisor"]).get(
        reverse("agreement:agreement_run_csv", args=[project.pk, run.pk]),
        {"delimiter": ";", "decimal": "comma"},
    )
    assert "0,125" in dutch.content.decode("utf-8-sig")


def test_the_disagreement_explorer_links_into_the_document(setup, members):
    project, document = setup["project"], setup["document"]
    run = _done_run(setup, unit="character")
    client = client_for(members["supervisor"])
    url = reverse("agreement:agreement_disagreements", args=[project.pk, run.pk])
    page = client.get(url, {"variable": f"c{setup['x'].pk}"}).content.decode()
    a, b = sorted([setup["a"].pk, setup["b"].pk])
    # A's [24, 34) and B's [36, 46) are the two stretches where only one coded X.
    assert "2 stretches where" in page
    workbench = reverse("coding:workbench", args=[project.pk, document.pk])
    assert f"{workbench}?layers={a},{b}#pos-24" in page
    assert f"{workbench}?layers={a},{b}#pos-36" in page
    adjudication = reverse("coding:adjudication", args=[project.pk, document.pk])
    assert f"{adjudication}?a={a}&amp;b={b}&amp;i=" in page
    assert "did not code this" in page
    assert "<mark" in page
    assert "cccccccccc</mark>" in page
    domain = client.get(url, {"variable": f"c{setup['domain'].pk}"})
    assert domain.status_code == 200
    assert client.get(url, {"variable": "nonsense"}).status_code == 404


def test_the_adjudication_link_opens_the_same_difference(setup, members):
    """The i= of the explorer's link points at this stretch on the adjudication page."""
    project, document = setup["project"], setup["document"]
    run = _done_run(setup, unit="character", codes=str(setup["x"].pk))
    client = client_for(members["supervisor"])
    page = client.get(
        reverse("agreement:agreement_disagreements", args=[project.pk, run.pk]),
        {"variable": f"c{setup['x'].pk}"},
    ).content.decode()
    adjudication = reverse("coding:adjudication", args=[project.pk, document.pk])
    start = page.index(adjudication)
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    target = client.get(link).content.decode()
    assert "Difference" in target
    assert "“X”" in target


def test_page_queries_do_not_grow_with_runs_or_codes(setup, members):
    project = setup["project"]
    client = client_for(members["supervisor"])
    list_url = reverse("agreement:agreement", args=[project.pk])
    run = _done_run(setup)

    def count(url, **params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    run_url = reverse("agreement:agreement_run", args=[project.pk, run.pk])
    explorer = reverse("agreement:agreement_disagreements", args=[project.pk, run.pk])
    before = (
        count(list_url),
        count(run_url),
        count(explorer, variable=f"c{setup['x'].pk}"),
    )
    for i in range(5):
        make_code(project=project, name=f"More {i}")
    third = make_user()
    make_membership(project=project, user=third, role=Role.CODER)
    make_coding(
        document=setup["document"], code=setup["x"], coder=third, start=0, end=5
    )
    for _ in range(3):
        _done_run(setup, seed=str(_ + 10))
    bigger = _done_run(setup)
    run_url = reverse("agreement:agreement_run", args=[project.pk, bigger.pk])
    explorer = reverse(
        "agreement:agreement_disagreements", args=[project.pk, bigger.pk]
    )
    after = (
        count(list_url),
        count(run_url),
        count(explorer, variable=f"c{setup['x'].pk}"),
    )
    assert after == before


def test_a_failed_computation_is_shown_on_the_run(setup, members, monkeypatch):
    project = setup["project"]
    run = AgreementRun.objects.create(
        project=project,
        selection={**agreement_selection_from_params(project, {}).as_json()},
        selection_hash="x",
    )

    def explode(*args, **kwargs):
        raise RuntimeError("numbers went missing")

    monkeypatch.setattr(agreement_service, "build_report", explode)
    with pytest.raises(RuntimeError):
        agreement_run_compute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    page = (
        client_for(members["supervisor"]).get(run.get_absolute_url()).content.decode()
    )
    assert "numbers went missing" in page


# --- pure helpers (no database needed) ------------------------------------------------


def test_disagreement_stretches_at_characters_and_units():
    from agreement.report import disagreement_stretches

    a = [(0, 10, 1), (24, 34, 1)]
    b = [(5, 10, 1), (36, 46, 1)]
    stretches = disagreement_stretches(a, b)
    assert [(s.start, s.end, s.differing, s.at) for s in stretches] == [
        (0, 10, 5, 0),
        (24, 34, 10, 24),
        (36, 46, 10, 36),
    ]
    # Per paragraph, [0, 10) and [5, 10) are the same unit: no difference there.
    units = disagreement_stretches(a, b, unit_starts=[0, 12, 24, 36], length=46)
    assert [(s.start, s.end, s.differing) for s in units] == [
        (24, 36, 1),
        (36, 46, 1),
    ]
    # A domain: the same stretch with different values differs, equal values do not.
    assert disagreement_stretches([(0, 5, 1)], [(0, 5, 1)]) == []
    assert disagreement_stretches([(0, 5, 1)], [(0, 5, 2)])[0].differing == 5


def test_dutch_numbers_use_decimal_commas():
    from agreement.methods import count, figure_text, number
    from agreement.results import Figure

    assert number(0.8126, "nl") == "0,813"
    assert number(-0.05, "en") == "−0.050"
    assert count(14224, "nl") == "14.224"
    assert figure_text("percent_agreement", Figure(value=87.5, n=0), "nl") == "87,5 %"
    assert figure_text("krippendorff_alpha", Figure(value=None, n=0), "en") == "–"
