"""Matrix coding queries: codes × levels, documents or coders; cells; CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from tests.analysis.helpers import api, code, matrix_api, url
from tests.conftest import client_for
from tests.factories import (
    make_case,
    make_code,
    make_document,
)

pytestmark = pytest.mark.django_db


# --- matrix coding query --------------------------------------------------------------


def test_matrix_codes_by_level(project, data):
    table, _r = matrix_api(data["supervisor"], project)
    assert table == {
        "Instrumenten": {"beleid": 2, "middenveld": 1},
        "Instrumenten > Subsidies": {"beleid": 2, "middenveld": 1},
        "Overleg": {"beleid": 2, "middenveld": 1},
    }
    own, _r = matrix_api(data["supervisor"], project, rolled=0)
    assert set(own) == {"Instrumenten > Subsidies", "Overleg"}
    cases, _r = matrix_api(data["supervisor"], project, cell="cases")
    assert cases["Instrumenten > Subsidies"] == {"beleid": 1, "middenveld": 1}
    words, _r = matrix_api(data["supervisor"], project, cell="words")
    # A1 "De stad betaalt subsidies" (4 words) + A3 (5 words) in d1.
    assert words["Instrumenten > Subsidies"]["beleid"] == 9


def test_matrix_by_document_and_by_coder(project, data):
    by_document, _r = matrix_api(data["supervisor"], project, columns="document")
    assert by_document["Overleg"] == {"Interview 1": 2, "Interview 2": 1}
    by_coder, _r = matrix_api(data["supervisor"], project, columns="coder")
    coder, coder2 = data["coder"].username, data["coder2"].username
    assert by_coder["Overleg"] == {coder: 2, coder2: 1}
    mine, _r = matrix_api(data["coder"], project, columns="coder")
    assert mine["Overleg"] == {coder: 2}  # blind coding: only one's own column


def test_matrix_filters(project, data):
    table, _r = matrix_api(
        data["supervisor"],
        project,
        codes=str(data["b"].pk),
        coders=str(data["coder"].pk),
    )
    assert table == {"Overleg": {"beleid": 1, "middenveld": 1}}


def test_matrix_cell_lists_its_segments(project, data):
    c = data["codings"]
    _table, results = matrix_api(
        data["supervisor"], project, row=data["parent"].pk, column="beleid"
    )
    assert results["codings"] == sorted([c["A1"].pk, c["A3"].pk])
    response = client_for(data["supervisor"]).get(
        url("matrix_cell", project, row=data["parent"].pk, column="beleid"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "2 segments" in html
    assert f'id="segment-{c["A1"].pk}"' in html
    assert f'id="segment-{c["A2"].pk}"' not in html
    coder = client_for(data["coder"]).get(
        url("matrix_cell", project, row=data["parent"].pk, column="beleid")
    )
    assert f'id="segment-{c["A3"].pk}"' not in coder.content.decode()
    page = client_for(data["supervisor"]).get(url("matrix", project))
    assert 'id="matrix"' in page.content.decode()
    assert reverse("analysis:matrix_cell", args=[project.pk]) in page.content.decode()


def test_matrix_column_without_a_value(project, data):
    d3 = make_document(project=project, text="Geen case hier, wel overleg.")
    code(d3, data["b"], data["coder"], "wel overleg")
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Overleg"]["(no value)"] == 1
    _table, results = matrix_api(
        data["supervisor"], project, row=data["b"].pk, column=""
    )
    assert len(results["codings"]) == 1


def test_matrix_csv_export_is_neutralised(project, data):
    evil = make_case(project=project, label="R3", niveau="=HYPERLINK(1)")
    d3 = make_document(project=project, text="-2+3 zegt de stad.", case=evil)
    formula = make_code(project=project, name="@SUM(A1)")
    code(d3, formula, data["coder"], "-2+3")
    response = client_for(data["supervisor"]).get(
        url("matrix_export", project, delimiter=";")
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["code", "'=HYPERLINK(1)", "beleid", "middenveld"]
    assert ["'@SUM(A1)", "1", "0", "0"] in rows
    assert ["Overleg", "0", "2", "1"] in rows
    bad = client_for(data["supervisor"]).get(
        url("matrix_export", project, delimiter="|")
    )
    assert bad.status_code == 400


def test_matrix_bad_input(project, data):
    for query, message in [
        ({"columns": "speakers"}, "Choose columns from"),
        ({"cell": "minutes"}, "Choose cell from"),
        ({"row": "x"}, "is not a number"),
    ]:
        response = api(data["coder"]).get(
            f"/api/v1/projects/{project.pk}/matrix/", query
        )
        assert response.status_code == 400
        assert message in response.json()["detail"]
