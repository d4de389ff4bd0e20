"""The Excel workbook, the cases CSV and the code × document table."""

from __future__ import annotations

import io

import openpyxl
import pytest

from coding.models import (
    Role,
)
from coding.segments import attribute_names
from interop.csv import segment_header
from interop.xlsx import CELL_LIMIT, Sheet, write_xlsx
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    body,
    csv_rows,
)

pytestmark = pytest.mark.django_db


# Excel
# ---------------------------------------------------------------------------


def test_xlsx_sheets_header_rows_long_text_and_formulas(project, members, coded):
    response = api(members["supervisor"]).get(
        f"/api/v1/projects/{project.pk}/export/segments.xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == [
        "segments",
        "codebook",
        "cases",
        "frequencies",
        "notes",
    ]
    rows = list(workbook["segments"].values)
    from coding.access import ProjectAccess

    access = ProjectAccess(
        project=project, user_id=members["supervisor"].pk, role=Role.SUPERVISOR
    )
    assert list(rows[0]) == segment_header(attribute_names(access))
    assert len(rows) == 3
    memo_column = rows[0].index("memo")
    memos = {row[memo_column] for row in rows[1:]}
    assert "=SOM(A1)" in memos  # text, not a formula, and no apostrophe
    long = next(m for m in memos if m and m.startswith("xxx"))
    assert len(long) == CELL_LIMIT
    assert "40,000 characters in full" in long
    notes = [r[0] for r in workbook["notes"].values if r and r[0]]
    assert any("1 cell held more than 32,767 characters" in str(n) for n in notes)
    codebook = list(workbook["codebook"].values)
    assert codebook[0][:3] == ("code_id", "path", "name")
    assert ("Beleidsinstrumenten > Subsidies") in [r[1] for r in codebook[1:]]
    cases = list(workbook["cases"].values)
    assert cases[0] == ("case", "niveau", "documents", "document_titles")
    frequencies = {r[1]: r for r in list(workbook["frequencies"].values)[1:]}
    assert frequencies["Beleidsinstrumenten > Subsidies"][2] == 1


def test_xlsx_writer_keeps_formulas_as_text_and_splits_long_sheets(
    tmp_path, monkeypatch
):
    import interop.xlsx as xlsx

    monkeypatch.setattr(xlsx, "SHEET_ROW_LIMIT", 4)
    path = tmp_path / "t.xlsx"
    report = write_xlsx(
        [
            Sheet("data", ["a", "b"], ([i, f"=A{i}"] for i in range(7))),
            Sheet("odd: [x]", ["c"], [["be\x01l\x0b"], ["#N/A"], [""]]),
        ],
        str(path),
        notes_intro=["test"],
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["data", "data (2)", "data (3)", "odd_ _x_", "notes"]
    assert report.rows == {"data": 3, "data (2)": 3, "data (3)": 1, "odd_ _x_": 3}
    odd = [row[0] for row in workbook["odd_ _x_"].values]
    assert odd[:3] == ["c", "bel", "#N/A"]  # control characters dropped, text kept
    assert report.cut_count == 0
    assert "No cell was cut" in repr(list(workbook["notes"].values))
    first = workbook["data"]
    assert first["B2"].value == "=A0"
    assert first["B2"].data_type == "s"
    assert [c.value for c in workbook["data (2)"][1]] == ["a", "b"]


def test_xlsx_writer_drops_what_xml_cannot_hold_and_keeps_line_breaks(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(
        [
            Sheet(
                "a & b",
                ["tekst", "getal", "ja"],
                [["x\r\ny <z>", 1.5, True], ["\ufffe\x02weg", None, " spatie "]],
                widths=[30],
            )
        ],
        str(path),
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["a & b", "notes"]
    sheet = workbook["a & b"]
    assert list(sheet.values) == [
        ("tekst", "getal", "ja"),
        ("x\r\ny <z>", 1.5, True),
        ("weg", None, " spatie "),
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 30


def test_xlsx_blind_coding(project, members, coded):
    for role, expected in (("coder", {members["coder"].username}), ("viewer", set())):
        response = api(members[role]).get(
            f"/api/v1/projects/{project.pk}/export/segments.xlsx"
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(body(response)))["segments"].values
        )
        coder = rows[0].index("coder")
        assert {r[coder] for r in rows[1:]} == expected


# ---------------------------------------------------------------------------
# Cases CSV and code × document table
# ---------------------------------------------------------------------------


def test_cases_csv(project, members, coded):
    rows = csv_rows(
        api(members["viewer"]).get(
            f"/api/v1/projects/{project.pk}/export/cases.csv", {"delimiter": ";"}
        ),
        delimiter=";",
    )
    assert rows[0] == ["case", "niveau", "documents", "document_titles"]
    assert rows[1] == ["R01", "middenveld", "1", "Interview J@M"]


def test_code_document_table_counts_visible_codings(project, members, coded):
    document, code, _mine, _theirs = coded
    url = f"/api/v1/projects/{project.pk}/export/code-documents.csv"
    rows = csv_rows(api(members["supervisor"]).get(url))
    assert rows[0] == ["code_id", "code_path", "Interview J@M", "total"]
    by_path = {r[1]: r for r in rows[1:]}
    assert by_path["Beleidsinstrumenten"][2:] == ["1", "1"]
    assert by_path["Beleidsinstrumenten > Subsidies"][2:] == ["1", "1"]
    assert by_path["total"][2:] == ["2", "2"]
    rows = csv_rows(api(members["coder"]).get(url))  # blind: own codings only
    assert {r[1]: r for r in rows[1:]}["total"][2:] == ["1", "1"]
    rows = csv_rows(api(members["supervisor"]).get(url, {"codes": str(code.pk)}))
    assert {r[1]: r for r in rows[1:]}["total"][2:] == ["1", "1"]


# ---------------------------------------------------------------------------
