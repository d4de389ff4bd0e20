"""The pure REFI-QDA package: writing, round trips and schema validity."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from interop.refi import (
    OffsetUnit,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiProject,
    RefiSet,
    read_qdc,
    read_qde,
    read_qdpx,
    write_qdc,
    write_qde,
    write_qdpx,
)
from tests.interop.refi_helpers import (
    CODE_A,
    ROUND_TRIP_TEXT,
    assert_valid,
    english_messages,  # noqa: F401 (autouse)
    full_project,
    guid,
    qde_member,
)

# --------------------------------------------------------------------------
# Writing: round trips and schema validity
# --------------------------------------------------------------------------


def test_project_round_trip_gives_equal_dataclasses() -> None:
    """write_qdpx → read_qdpx reproduces the project exactly."""
    project = full_project()
    assert read_qdpx(write_qdpx(project)) == project


def test_project_round_trip_without_regie_origin_detects_code_points() -> None:
    """A file without Regie's origin is still read in the standard unit."""
    project = full_project()
    project.origin = ""
    read = read_qdpx(write_qdpx(project))
    assert read == project
    assert {source.offset_unit for source in read.sources} == {OffsetUnit.CODEPOINTS}


def test_minimal_project_round_trip() -> None:
    """A project with only a name survives, and validates."""
    project = RefiProject(name="Leeg")
    data = write_qdpx(project)
    assert read_qdpx(data) == project
    assert_valid(qde_member(data), "Project.xsd")


def test_codebook_round_trip_gives_equal_dataclasses() -> None:
    """write_qdc → read_qdc reproduces codes (nested, colours, folders) and sets."""
    codebook = RefiCodebook(
        codes=full_project().codes,
        sets=[RefiSet(guid(70), "Gevoelens", [guid(11), guid(13)], [], "Beschrijving")],
        origin="Regie 0.1",
    )
    assert read_qdc(write_qdc(codebook)) == codebook


def test_written_project_validates_against_the_schema() -> None:
    """The project.qde of a full project validates against Project.xsd."""
    assert_valid(qde_member(write_qdpx(full_project())), "Project.xsd")


def test_written_codebook_validates_against_the_schema() -> None:
    """write_qdc output validates against Codebook.xsd (no empty <Sets/>)."""
    codebook = RefiCodebook(codes=full_project().codes, origin="Regie 0.1")
    data = write_qdc(codebook)
    assert b"<Sets" not in data
    assert_valid(data, "Codebook.xsd")
    with_sets = RefiCodebook(
        codes=codebook.codes, sets=[RefiSet(guid(70), "S", [guid(11)])]
    )
    assert_valid(write_qdc(with_sets), "Codebook.xsd")


def test_written_archive_layout_and_text_files() -> None:
    """project.qde plus sources/<guid>.txt in UTF-8 without BOM, referenced internally."""
    data = write_qdpx(full_project())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        text = archive.read(f"sources/{guid(40)}.txt")
        qde = archive.read("project.qde")
    assert names == [
        "project.qde",
        f"sources/{guid(40)}.txt",
        f"sources/{guid(43)}.txt",
    ]
    assert text == ROUND_TRIP_TEXT.encode("utf-8")
    assert f'plainTextPath="internal://{guid(40)}.txt"'.encode() in qde
    assert qde.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0"'
    )


def test_written_positions_are_code_points_with_quotation_names() -> None:
    """Selections carry code-point positions and the quoted text as their name."""
    root = etree.fromstring(qde_member(write_qdpx(full_project())))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    selection = root.find(".//q:PlainTextSelection", ns)
    assert selection is not None
    start = ROUND_TRIP_TEXT.index("Prima")
    assert selection.get("startPosition") == str(start)
    assert selection.get("endPosition") == str(start + len("Prima 😀, dank je."))
    assert selection.get("name") == "Prima 😀, dank je."


def test_writer_is_deterministic_and_formats_values_for_the_schema() -> None:
    """Same project, same bytes; floats as xsd:decimal, datetimes in UTC with Z."""
    project = full_project()
    project.cases[0].variables["Moment"] = datetime(
        2024, 3, 12, 11, 30, tzinfo=timezone(timedelta(hours=2))
    )
    first = write_qdpx(project)
    assert first == write_qdpx(project)
    qde = qde_member(first)
    assert b"<FloatValue>0.0000001</FloatValue>" in qde
    assert b"<DateTimeValue>2024-03-12T09:30:00Z</DateTimeValue>" in qde
    assert b"<BooleanValue>true</BooleanValue>" in qde
    assert_valid(qde, "Project.xsd")


def test_writer_normalises_guids_and_colours() -> None:
    """Braced/upper-case GUIDs and short colours are written canonically."""
    codebook = RefiCodebook(
        codes=[
            RefiCode("{5215CC69-B628-4E02-AFB9-9BEEAEE55808}", "Topics", color="#F0A")
        ]
    )
    data = write_qdc(codebook)
    assert b'guid="5215cc69-b628-4e02-afb9-9beeaee55808"' in data
    assert b'color="#ff00aa"' in data
    assert_valid(data, "Codebook.xsd")


def test_writer_drops_characters_xml_cannot_carry() -> None:
    """Control characters in names do not break the XML."""
    project = RefiProject(
        name="Naam\x0bmet\x00controle", codes=[RefiCode(CODE_A, "A\x1b")]
    )
    qde = write_qde(project)
    assert_valid(qde, "Project.xsd")
    assert read_qde(qde).name == "Naammetcontrole"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p.sources[0].selections[0].codings.append(RefiCoding(guid(999))),
            "unknown code",
        ),
        (lambda p: setattr(p.sources[0].selections[1], "end", 10_000), "lies outside"),
        (
            lambda p: setattr(
                p.sources[0].selections[1], "start", p.sources[0].selections[1].end
            ),
            "lies outside",
        ),
        (
            lambda p: setattr(p.sources[0], "creation_datetime", datetime(2024, 1, 1)),  # noqa: DTZ001
            "naive datetime",
        ),
        (lambda p: p.cases[0].variables.update({"Onbekend": 1}), "does not define"),
        (lambda p: setattr(p.codes[1], "color", "red"), "not an RGB colour"),
        (lambda p: p.cases[0].variables.update({"Uren": float("nan")}), "xsd:decimal"),
    ],
)
def test_writer_refuses_inconsistent_projects(change, message: str) -> None:
    """Programming errors in the caller raise ValueError instead of writing junk."""
    project = full_project()
    change(project)
    with pytest.raises(ValueError, match=message):
        write_qdpx(project)


def test_writer_refuses_an_empty_codebook() -> None:
    """Codebook.xsd needs at least one code."""
    with pytest.raises(ValueError, match="at least one code"):
        write_qdc(RefiCodebook())
