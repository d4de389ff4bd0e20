"""Every CSV download defuses a formula-looking cell (issue 12, item 8).

One shared writer (``coding.exports.iter_csv``/``csv_text``) does it; this file
checks each download that is not checked elsewhere (segments: ``test_csv.py``,
matrix: ``tests/analysis``, network edges and nodes: ``tests/network``).
"""

from __future__ import annotations

import csv
import io

import pytest

from coding.codebook_csv import read_codebook_csv, write_codebook_csv
from coding.exports import csv_text, neutralise, unneutralise
from coding.models import Case
from coding.services.codebook import codebook_rows
from tests.conftest import client_for
from tests.factories import make_code, make_document
from tests.interop.helpers import api, body

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example","x")'
SAFE = "'" + EVIL


def rows_of(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


@pytest.fixture
def evil_codebook(project):
    parent = make_code(project=project, name="+parent")
    make_code(project=project, name=EVIL, parent=parent, description="@SUM(A1)")
    return project


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/{p}/export/codebook.csv",
        "/api/v1/projects/{p}/export/codebook.csv?delimiter=%3B&bom=0",
        "/p/{p}/codebook/export.csv",
    ],
)
def test_codebook_csv_defuses_formulas(evil_codebook, members, url):
    project = evil_codebook
    path = url.format(p=project.pk)
    if path.startswith("/api/"):
        response = api(members["viewer"]).get(path)
    else:
        response = client_for(members["viewer"]).get(path)
    assert response.status_code == 200
    text = body(response).decode("utf-8")
    delimiter = ";" if "delimiter=%3B" in path else ","
    rows = {row[1]: row for row in rows_of(text, delimiter)[1:]}
    assert SAFE in rows
    assert rows[SAFE][0] == "'+parent > " + EVIL
    assert rows[SAFE][2] == "'@SUM(A1)"
    assert "'+parent" in rows
    assert f"{delimiter}{EVIL}" not in text


def test_codebook_csv_round_trips_a_formula_looking_name(evil_codebook):
    buffer = io.StringIO()
    write_codebook_csv(codebook_rows(evil_codebook), buffer)
    rows = read_codebook_csv(buffer.getvalue())
    assert {r.path for r in rows} == {("+parent",), ("+parent", EVIL)}
    assert {r.description for r in rows} == {"", "@SUM(A1)"}


def test_cases_and_code_document_csv_defuse_formulas(project, members):
    case = Case.objects.create(project=project, label="-R1", attributes={"k": "=1+1"})
    make_document(project=project, case=case, title="@title")
    make_code(project=project, name=EVIL)
    client = api(members["viewer"])
    cases = body(client.get(f"/api/v1/projects/{project.pk}/export/cases.csv"))
    cells = {c for row in rows_of(cases.decode("utf-8")) for c in row}
    assert {"'-R1", "'=1+1"} <= cells
    assert not {"-R1", "=1+1"} & cells
    table = body(client.get(f"/api/v1/projects/{project.pk}/export/code-documents.csv"))
    cells = {c for row in rows_of(table.decode("utf-8")) for c in row}
    assert not any(c[:1] in "=+-@" for c in cells if c), cells


@pytest.mark.parametrize("value", [EVIL, "+1", "-1", "@x", "\tx", "\rx"])
def test_the_shared_writer_defuses_every_formula_start(value):
    text = csv_text(["h"], [[value]])
    assert rows_of(text)[1] == ["'" + value]
    assert unneutralise(neutralise(value)) == value


def test_a_custom_cell_renderer_still_defuses_text_and_header():
    text = csv_text(
        ["=head"],
        [[-0.5, EVIL]],
        cell=lambda v: repr(v) if isinstance(v, float) else neutralise(v),
    )
    assert rows_of(text) == [["'=head"], ["-0.5", SAFE]]
