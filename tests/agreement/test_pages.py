"""The agreement pages: access, start and poll, thresholds, matrix, CSV, disagreements."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
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
    Role,
)
from tests.agreement.pages_support import (
    done_run,
    pair_key,
    row,
)
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_membership,
    make_user,
)

pytestmark = pytest.mark.django_db

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


def test_a_poll_resends_a_run_whose_worker_died(
    setup, members, broker, django_capture_on_commit_callbacks
):
    """A running run without a heartbeat for long: the page's poll queues it again
    and sends it to a worker (``coding.jobs``), and the page keeps polling."""
    project = setup["project"]
    long_ago = timezone.now() - timedelta(minutes=10)
    run = AgreementRun.objects.create(
        project=project,
        selection=agreement_selection_from_params(project, {}).as_json(),
        selection_hash="x",
        status="running",
        requested_at=long_ago,
        started_at=long_ago,
        heartbeat_at=long_ago,
        attempts=1,
    )
    status_url = reverse("agreement:agreement_run_status", args=[project.pk, run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = (
            client_for(members["supervisor"])
            .get(status_url, headers={"HX-Request": "true"})
            .content.decode()
        )
    run.refresh_from_db()
    assert run.status == "queued"
    assert broker.sent == [(AgreementRun.task_name, {"run_id": run.pk})]
    assert 'hx-trigger="every 2s"' in page


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


def test_thresholds_recolour_the_figures(setup, members):
    project = setup["project"]
    run = done_run(setup, codes=str(setup["x"].pk), unit="turn")
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
    run = done_run(setup, unit="turn")
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
    run = done_run(setup, unit="turn", codes=str(setup["x"].pk))
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


def test_csv_export_defuses_a_formula_looking_code_but_not_numbers(setup, members):
    project = setup["project"]
    setup["x"].name = '=HYPERLINK("http://evil.example","x")'
    setup["x"].save(update_fields=["name"])
    run = done_run(setup, unit="turn", codes=str(setup["x"].pk))
    response = client_for(members["supervisor"]).get(
        reverse("agreement:agreement_run_csv", args=[project.pk, run.pk])
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    mine = [r for r in rows if r["variable"] == f"c{setup['x'].pk}"]
    assert mine
    assert {r["code"] for r in mine} == {'\'=HYPERLINK("http://evil.example","x")'}
    assert all(not r["value"].startswith("'") for r in rows)


def test_the_disagreement_explorer_links_into_the_document(setup, members):
    project, document = setup["project"], setup["document"]
    run = done_run(setup, unit="character")
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
    run = done_run(setup, unit="character", codes=str(setup["x"].pk))
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
    run = done_run(setup)

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
        done_run(setup, seed=str(_ + 10))
    bigger = done_run(setup)
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
