"""Code co-occurrence: by overlap and by turn, blind coding, the cells' passages."""

import pytest

from tests.analysis.helpers import api, url
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_project,
)

pytestmark = pytest.mark.django_db


# --- co-occurrence --------------------------------------------------------------------


def cooccurrence_api(user, project, **query):
    response = api(user).get(f"/api/v1/projects/{project.pk}/cooccurrence/", query)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    ids = [c["id"] for c in results["codes"]]
    return results, ids


def test_cooccurrence_by_overlap_and_by_turn(project, data):
    """Everyone's codings: A1, A2, A3 and B1, B2, B3 (see the fixture)."""
    a, b = data["a"].pk, data["b"].pk
    results, ids = cooccurrence_api(data["supervisor"], project)
    assert ids == [a, b]
    counts, jaccard = results["counts"], results["jaccard"]
    # A1 overlaps B1; A3 overlaps B1 as well; B1 overlaps A1 and A3.
    assert counts[0][0] == 3
    assert counts[1][1] == 3
    assert counts[0][1] == 2
    assert counts[1][0] == 1
    assert jaccard[0][1] == pytest.approx((2 + 1) / (3 + 3))
    assert results["pair_counts"][0][1] == 2
    turn, _ids = cooccurrence_api(data["supervisor"], project, mode="turn")
    # A in d1 turn 2 and d2 turn 2; B in d1 turns 1 and 2, d2 turn 1; both: d1 t2.
    assert turn["counts"][0][0] == 2
    assert turn["counts"][1][1] == 3
    assert turn["counts"][0][1] == 1
    assert turn["jaccard"][0][1] == pytest.approx(1 / (2 + 3 - 1))


def test_cooccurrence_under_blind_coding(project, data):
    results, _ids = cooccurrence_api(data["coder"], project)
    assert results["counts"] == [[2, 1], [1, 2]]
    assert results["jaccard"][0][1] == pytest.approx(0.5)
    viewer, ids = cooccurrence_api(data["viewer"], project)
    assert viewer["counts"] == []
    assert ids == []


def test_cooccurrence_cell_lists_the_passages_behind_it(project, data):
    a, b = data["a"].pk, data["b"].pk
    c = data["codings"]
    results, _ids = cooccurrence_api(data["supervisor"], project, row=a, column=b)
    assert sorted(map(tuple, results["pairs"])) == sorted(
        [(c["A1"].pk, c["B1"].pk), (c["A3"].pk, c["B1"].pk)]
    )
    cell = client_for(data["supervisor"]).get(
        url("cooccurrence_cell", project, row=a, column=b),
        headers={"HX-Request": "true"},
    )
    html = cell.content.decode()
    assert cell.status_code == 200
    assert html.lstrip().startswith('<section id="cell-segments"')
    assert "2 pairs of passages" in html
    assert f'id="segment-{c["A1"].pk}"' in html
    assert f'id="segment-{c["B1"].pk}"' in html
    assert "De stad betaalt subsidies" in html
    # A blind coder sees only the pair of their own codings.
    mine, _ids = cooccurrence_api(data["coder"], project, row=a, column=b)
    assert mine["pairs"] == [[c["A1"].pk, c["B1"].pk]]
    full = client_for(data["coder"]).get(
        url("cooccurrence_cell", project, row=a, column=b)
    )
    assert full.status_code == 200
    assert f'id="segment-{c["A3"].pk}"' not in full.content.decode()


def test_cooccurrence_page_heatmap_and_pairs(project, data):
    response = client_for(data["supervisor"]).get(
        url("cooccurrence", project, measure="jaccard")
    )
    html = response.content.decode()
    assert 'id="cooccurrence-heatmap"' in html
    assert f'id="cell-{data["a"].pk}-{data["b"].pk}"' in html
    assert "0.50" in html  # Jaccard of A and B, shown with two decimals
    assert 'id="cooccurrence-pairs"' in html
    assert "background-color: rgba" in html


def test_cooccurrence_bad_input(project, data, members):
    response = api(data["coder"]).get(
        f"/api/v1/projects/{project.pk}/cooccurrence/", {"mode": "sentence"}
    )
    assert response.status_code == 400
    assert "Choose mode from overlap, turn" in response.json()["detail"]
    foreign = make_code(project=make_project())
    response = api(data["coder"]).get(
        f"/api/v1/projects/{project.pk}/cooccurrence/",
        {"row": foreign.pk, "column": data["a"].pk},
    )
    assert response.status_code == 404


def test_cooccurrence_heatmap_orders_codes_by_clusters_and_numbers_them(project, data):
    """Codes used together stand side by side (a code that meets none goes last);
    ``order=codebook`` keeps the codebook's order; heads are numbered from 1 and
    every cell names both codes in full; the cell links stay the same."""
    from tests.analysis.helpers import code

    lone = make_code(project=project, name="Alleen", parent=data["parent"])
    code(data["d1"], lone, data["coder"], "Interviewer: Hoe")
    client = client_for(data["supervisor"])
    a, b = data["a"].pk, data["b"].pk

    clusters = client.get(url("cooccurrence", project))
    rows = clusters.context["rows"]
    assert [r.code_id for r in rows] == [a, b, lone.pk]
    assert [r.number for r in rows] == [1, 2, 3]
    html = clusters.content.decode()
    assert 'title="1. Instrumenten &gt; Subsidies"' in html
    assert "Instrumenten &gt; Subsidies × Overleg: " in html
    assert f"row={a}&amp;column={b}" in html
    assert 'name="order" value="clusters" checked' in html

    codebook = client.get(url("cooccurrence", project, order="codebook"))
    order = [r.code_id for r in codebook.context["rows"]]
    assert order == list(codebook.context["data"].codes)
    assert order == [a, lone.pk, b]  # the tree: Instrumenten's children, then Overleg
    assert client.get(url("cooccurrence", project, order="x")).status_code == 200
