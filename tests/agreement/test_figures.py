"""The figures of the hand-made project (``conftest.setup``), by hand, through the API.

See ``tests/agreement/conftest.py`` for the project and the hand computations.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from agreement import services as agreement_service
from agreement.forms import agreement_selection_from_params
from agreement.services import (
    agreement_request,
)
from coding.models import (
    Assignment,
)
from coding.services.codebook import code_update
from tests.agreement.pages_support import (
    TEXT,
    api_url,
    done_run,
    row,
)
from tests.conftest import client_for
from tests.factories import (
    make_coding,
    make_document,
)

pytestmark = pytest.mark.django_db

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


@pytest.mark.parametrize("measure", ["cohen_kappa", "nvivo_kappa"])
def test_cohen_kappa_at_character_is_nvivos_kappa(setup, members, measure):
    """NVivo's κ is Cohen's κ over characters: both names, API, command and page."""
    client = client_for(members["supervisor"])
    params = {"unit": "character", "codes": setup["x"].pk, "n_resamples": 0}
    response = client.get(api_url(setup["project"], measure=measure, **params))
    assert response.status_code == 200, response.content
    report = response.json()
    figures = row(report, f"c{setup['x'].pk}")
    assert list(figures) == [measure]
    assert figures[measure]["value"] == pytest.approx(120 / 1040)
    assert figures[measure]["n"] == 46
    both = client.get(
        api_url(setup["project"], measure="cohen_kappa,nvivo_kappa", **params)
    ).json()
    pair = row(both, f"c{setup['x'].pk}")
    assert pair["cohen_kappa"] == pair["nvivo_kappa"]
    out = io.StringIO()
    call_command(
        "agreement",
        str(setup["project"].pk),
        "--json",
        "--unit",
        "character",
        "--measure",
        measure,
        "--codes",
        str(setup["x"].pk),
        "--n-resamples",
        "0",
        stdout=out,
    )
    command = json.loads(out.getvalue())
    assert row(command, f"c{setup['x'].pk}")[measure] == figures[measure]
    page = client.post(
        reverse("agreement:agreement_start", args=[setup["project"].pk]),
        {"unit": "character", "measure": [measure]},
    )
    assert page.status_code == 302
    run = done_run(setup, unit="character", measure=measure, codes=setup["x"].pk)
    shown = client.get(
        reverse("agreement:agreement_run", args=[setup["project"].pk, run.pk])
    )
    assert shown.status_code == 200
    assert "κ" in shown.content.decode()
    csv_text = client.get(
        reverse("agreement:agreement_run_csv", args=[setup["project"].pk, run.pk])
    ).content.decode("utf-8-sig")
    kappas = [line for line in csv_text.splitlines() if f",{measure}," in line]
    assert kappas
    assert any(",0.11538461538461539," in line for line in kappas), kappas
