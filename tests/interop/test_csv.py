"""Coded segments to CSV: columns, filters, blind coding, Excel options, injection."""

import csv
import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from coding.exports import iter_csv, neutralise
from coding.models import Case
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def read(response, delimiter=","):
    body = b"".join(response.streaming_content).decode("utf-8")
    return body, list(
        csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter)
    )


@pytest.fixture
def coded(project, members):
    case = Case.objects.create(
        project=project,
        label="R01",
        attributes={"niveau": "middenveld", "functie": "coördinator"},
    )
    document = make_document(project=project, case=case, title="Interview J@M")
    parent = make_code(project=project, name="Beleidsinstrumenten")
    code = make_code(project=project, name="Subsidies", parent=parent)
    start = document.text.index("De stad geeft")
    mine = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 13,
        memo="=SOM(A1)",
    )
    theirs = make_coding(
        document=document, code=parent, coder=members["coder2"], start=0, end=11
    )
    return document, code, mine, theirs


def test_segments_csv_columns_and_values(project, members, coded):
    document, code, mine, _theirs = coded
    response = api(members["supervisor"]).get(
        f"/api/v1/projects/{project.pk}/export/segments.csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body, rows = read(response)
    assert body.startswith("\ufeff")
    assert list(rows[0])[:6] == [
        "project",
        "document_id",
        "document",
        "case",
        "functie",
        "niveau",
    ]
    row = next(r for r in rows if r["code"] == "Subsidies")
    assert row["code_path"] == "Beleidsinstrumenten > Subsidies"
    assert row["text"] == "De stad geeft"
    assert row["speaker"] == "Stafmedewerker"
    assert row["turn"] == "2"
    assert row["niveau"] == "middenveld"
    assert row["coder"] == members["coder"].username
    assert row["memo"] == "'=SOM(A1)"  # neutralised
    assert len(rows) == 2


def test_segments_csv_blind_coding(project, members, coded):
    _body, rows = read(
        api(members["coder"]).get(f"/api/v1/projects/{project.pk}/export/segments.csv")
    )
    assert {r["coder"] for r in rows} == {members["coder"].username}
    _body, rows = read(
        api(members["viewer"]).get(f"/api/v1/projects/{project.pk}/export/segments.csv")
    )
    assert rows == []
    assert (
        api(members["outsider"])
        .get(f"/api/v1/projects/{project.pk}/export/segments.csv")
        .status_code
        == 404
    )


def test_segments_csv_filters_and_options(project, members, coded):
    document, code, mine, theirs = coded
    url = f"/api/v1/projects/{project.pk}/export/segments.csv"
    supervisor = api(members["supervisor"])
    _b, rows = read(supervisor.get(url, {"codes": str(code.parent_id)}))
    assert len(rows) == 2  # sub-codes included
    _b, rows = read(
        supervisor.get(url, {"codes": str(code.parent_id), "subcodes": "0"})
    )
    assert len(rows) == 1
    _b, rows = read(supervisor.get(url, {"coders": members["coder2"].username}))
    assert [r["code"] for r in rows] == ["Beleidsinstrumenten"]
    _b, rows = read(supervisor.get(url, {"attribute": "niveau=politiek"}))
    assert rows == []
    _b, rows = read(supervisor.get(url, {"text": "STAD"}))
    assert len(rows) == 1
    body, rows = read(
        supervisor.get(url, {"delimiter": ";", "bom": "0"}), delimiter=";"
    )
    assert not body.startswith("\ufeff")
    assert body.splitlines()[0].startswith("project;document_id")
    assert supervisor.get(url, {"delimiter": "|"}).status_code == 400
    assert supervisor.get(url, {"codes": "x"}).status_code == 400
    assert supervisor.get(url, {"coders": "niemand"}).status_code == 400
    assert supervisor.get(url, {"attribute": "zonder-gelijkteken"}).status_code == 400


def test_line_breaks_in_cells_survive():
    chunks = list(
        iter_csv(
            ["text"], [['regel een\nregel twee; "citaat"']], delimiter=";", bom=False
        )
    )
    parsed = list(csv.reader(io.StringIO("".join(chunks)), delimiter=";"))
    assert parsed[1] == ['regel een\nregel twee; "citaat"']


@pytest.mark.parametrize("value", ["=1+1", "+32 15", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("gewone tekst") == "gewone tekst"


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Brussels",
        "UTC",
        "America/St_Johns",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
    ],
)
def test_local_times_write_what_isoformat_writes(zone):
    """The CSV export's fast time stamps: whole seconds, fractions, the hours
    around a change of daylight saving time, a zone's odd offsets of the past."""
    import random
    import zoneinfo
    from datetime import UTC, datetime, timedelta

    from coding.segments import TIME_ORIGIN, moment
    from interop.csv import LocalTimes

    tz = zoneinfo.ZoneInfo(zone)
    local = LocalTimes(tz)
    rng = random.Random(7)
    second = 1_000_000
    values = [rng.randrange(-3_000_000_000 * second, 1_500_000_000 * second)]
    values += [
        rng.randrange(-3_000_000_000, 1_500_000_000) * second for _ in range(500)
    ]
    for month in (3, 4, 10, 11):
        start = datetime(2024, month, 1, tzinfo=UTC) - TIME_ORIGIN
        base = start // timedelta(microseconds=1)
        step = 15 * 60 * second
        values += [base + k * step + (k % 3) * 123_457 for k in range(31 * 96)]
    for value in values:
        assert local(value) == moment(value).astimezone(tz).isoformat()


def test_export_segments_command(project, members, coded, tmp_path):
    out = tmp_path / "segments.csv"
    said = io.StringIO()
    call_command(
        "export_segments",
        str(project.pk),
        "--out",
        str(out),
        "--delimiter",
        ";",
        stderr=said,
    )
    rows = list(
        csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";")
    )
    assert len(rows) == 2
    assert said.getvalue().startswith("2 segments written")
    call_command(
        "export_segments",
        str(project.pk),
        "--out",
        str(out),
        "--as-user",
        members["coder"].username,
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1


@pytest.mark.parametrize(
    "attribute", ["niveau__contains=midden", "niveau__regex=(", "onbekend=x"]
)
def test_attribute_filters_only_take_known_names(project, members, coded, attribute):
    url = f"/api/v1/projects/{project.pk}/segments/"
    response = api(members["supervisor"]).get(url, {"attribute": attribute})
    assert response.status_code == 400
    assert "attribute" in response.json()["errors"]
