"""The pure REFI-QDA package: GUIDs, the text map, errors (nothing half-read is returned), the fixture generator."""

from __future__ import annotations

import pickle
import re
import unicodedata

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from coding.importing.normalise import normalise_text
from interop.refi import (
    canonical_guid,
    read_qdc,
    read_qdpx,
    write_qdpx,
)
from interop.refi.read import _TextMap
from tests.interop.refi_helpers import (
    _RAW_ALPHABET,
    CODE_A,
    CODE_B,
    FIXTURES,
    _breaks_and_controls,
    _error,
    english_messages,  # noqa: F401 (autouse)
    fixture,
    full_project,
    load_fixture_generator,
    make_zip,
    simple_project,
)

# --------------------------------------------------------------------------
# GUIDs and the text map
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "5215cc69-b628-4e02-afb9-9beeaee55808",
        "5215CC69-B628-4E02-AFB9-9BEEAEE55808",
        "{5215cc69-b628-4e02-afb9-9beeaee55808}",
        "{5215CC69-B628-4E02-AFB9-9BEEAEE55808}",
        "  5215cc69b6284e02afb99beeaee55808 ",
    ],
)
def test_canonical_guid_accepts_every_spelling(spelling: str) -> None:
    """Upper/lower case, braces and missing hyphens all give the same GUID."""
    assert canonical_guid(spelling) == "5215cc69-b628-4e02-afb9-9beeaee55808"


def test_canonical_guid_maps_non_guids_to_a_stable_guid() -> None:
    """A value that is no GUID becomes the same valid GUID every time."""
    first = canonical_guid("plugin")
    assert first == canonical_guid("plugin")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", first
    )


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.lists(_RAW_ALPHABET, max_size=30).map("".join))
def test_text_map_matches_normalise_text(raw: str) -> None:
    """The offset map produces exactly Regie's normalised text, monotonically."""
    text_map = _TextMap(raw)
    assert text_map.norm == normalise_text(raw)
    previous = 0
    for index in range(len(raw) + 1):
        assert (
            previous
            <= text_map.floor[index]
            <= text_map.ceil[index]
            <= len(text_map.norm)
        )
        previous = text_map.floor[index]


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(_RAW_ALPHABET.filter(lambda c: c != "\ufeff"), max_size=20).map("".join)
)
def test_text_map_slices_between_clean_boundaries(raw: str) -> None:
    """Between two clean boundaries, the mapped slice is the normalised raw slice."""
    raw = raw.rstrip() + "z"  # no trailing whitespace to strip
    text_map = _TextMap(raw)
    clean = [i for i in range(len(raw) + 1) if text_map.clean[i]]
    for a in clean:
        for b in clean:
            if a < b:
                expected = unicodedata.normalize("NFC", _breaks_and_controls(raw[a:b]))
                assert text_map.norm[text_map.floor[a] : text_map.ceil[b]] == expected


# --------------------------------------------------------------------------
# Errors: nothing half-read is returned
# --------------------------------------------------------------------------


def test_error_not_a_zip() -> None:
    error = _error(lambda: read_qdpx(b"dit is geen zip"))
    assert error.code == "not_zip"
    assert str(error) == (
        "The file is not a valid REFI-QDA project: it should be a ZIP archive (.qdpx), "
        "but it could not be opened as one. Export the project again."
    )
    truncated = write_qdpx(full_project())[:200]
    assert _error(lambda: read_qdpx(truncated)).code == "not_zip"


def test_error_damaged_member() -> None:
    """A member whose data is corrupt is reported as a damaged archive."""
    data = bytearray(make_zip([("project.qde", "<Project name='x'/>" * 50)]))
    offset = data.index(b"project.qde") + len("project.qde")
    data[offset + 5 : offset + 15] = b"\xff" * 10
    assert _error(lambda: read_qdpx(bytes(data))).code == "not_zip"


def test_error_zip_without_qde() -> None:
    error = _error(
        lambda: read_qdpx(make_zip([("readme.txt", "niets"), ("sources/a.txt", "x")]))
    )
    assert error.code == "no_qde"
    assert str(error) == (
        "The ZIP archive contains no project document (.qde), so it is not a REFI-QDA "
        "project. Export the project from your QDA program as “REFI-QDA project (.qdpx)”."
    )


def test_error_xml_not_well_formed_names_line_and_column() -> None:
    broken = '<?xml version="1.0"?>\n<Project name="x">\n  <Users><User guid="a"></Users>\n</Project>'
    error = _error(lambda: read_qdpx(make_zip([("Mijn project.qde", broken)])))
    assert error.code == "xml_syntax"
    assert (error.params["line"], error.params["column"]) == (3, 33)
    assert str(error).startswith(
        "The file Mijn project.qde is damaged: it is not well-formed XML (line 3, column 33: "
        "Opening and ending tag mismatch"
    )


def test_error_wrong_root_element() -> None:
    error = _error(lambda: read_qdpx(make_zip([("project.qde", "<CodeBook/>")])))
    assert error.code == "wrong_root"
    assert str(error) == (
        "The file project.qde is not a REFI-QDA project: its root element is <CodeBook>, "
        "expected <Project>."
    )
    error = _error(lambda: read_qdc(b"<html><body/></html>"))
    assert error.code == "wrong_root"
    assert str(error) == (
        "The file codebook.qdc is not a REFI-QDA codebook: its root element is <html>, "
        "expected <CodeBook>."
    )


def test_error_codebook_reader_given_a_project() -> None:
    error = _error(
        lambda: read_qdc(b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
    )
    assert error.code == "not_codebook"
    assert str(error) == (
        "This file is a REFI-QDA project, not a codebook: its root element is <Project>. "
        "Import it as a project (.qdpx)."
    )
    error = _error(lambda: read_qdc(write_qdpx(full_project())))
    assert error.code == "not_codebook"
    assert str(error) == (
        "This file is a ZIP archive, probably a REFI-QDA project (.qdpx), not a codebook "
        "(.qdc). Import it as a project."
    )


def test_error_selection_outside_its_source() -> None:
    text = "Kort."
    data = make_zip(
        [
            ("project.qde", simple_project(text, [(0, 3), (2, 40)])),
            ("sources/t.txt", text),
        ]
    )
    error = _error(lambda: read_qdpx(data))
    assert error.code == "selection_outside_source"
    assert str(error) == (
        "The source “T” has a coded passage at positions 2–40, outside its text of 5 "
        "characters. The file is damaged or its text does not belong to it; export the "
        "project again."
    )


def test_error_selection_without_positions() -> None:
    qde = simple_project("Kort.", [(0, 3)]).replace(
        'endPosition="3"', 'endPosition="drie"'
    )
    error = _error(
        lambda: read_qdpx(make_zip([("project.qde", qde), ("sources/t.txt", "Kort.")]))
    )
    assert error.code == "bad_selection"
    assert str(error) == (
        "The source “T” has a coded passage without valid start and end positions. The "
        "file is damaged; export the project again."
    )


def test_error_coding_with_unknown_code() -> None:
    qde = simple_project("Kort verhaal.", [(0, 4)]).replace(
        f'<CodeRef targetGUID="{CODE_A}"/>', f'<CodeRef targetGUID="{CODE_B.upper()}"/>'
    )
    error = _error(
        lambda: read_qdpx(
            make_zip([("project.qde", qde), ("sources/t.txt", "Kort verhaal.")])
        )
    )
    assert error.code == "unknown_code"
    assert str(error) == (
        f"The source “T” has a coding with a code that is not in the project's codebook "
        f"({CODE_B}). The file is incomplete; export the project again."
    )


def test_error_too_many_members() -> None:
    data = make_zip(
        [("project.qde", "<Project name='x'/>")]
        + [(f"sources/{i}.txt", "x") for i in range(5)]
    )
    error = _error(lambda: read_qdpx(data, max_members=5))
    assert error.code == "too_many_members"
    assert str(error) == (
        "The project file contains 6 files, more than the 5 Regie accepts. Export the "
        "project without media files, or split it."
    )
    assert read_qdpx(data, max_members=6).name == "x"


def test_error_too_large_uncompressed() -> None:
    """A zip bomb: tiny archive, huge declared content."""
    bomb = make_zip(
        [
            ("project.qde", "<Project name='x'/>"),
            ("sources/zeros.txt", b"\0" * (3 * 1024 * 1024)),
        ]
    )
    assert len(bomb) < 20_000
    error = _error(lambda: read_qdpx(bomb, max_uncompressed_bytes=1024 * 1024))
    assert error.code == "too_large"
    assert str(error) == (
        "The project file would unpack to 3.0 MB, more than the 1.0 MB Regie accepts. "
        "Export the project without media files."
    )


def test_errors_and_warnings_survive_pickling() -> None:
    """Errors and warnings can cross process boundaries (Celery) intact."""
    error = _error(lambda: read_qdpx(b"geen zip"))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, str(copy)) == (error.code, str(error))
    project = read_qdpx(fixture("atlasti.qdpx"))
    assert [str(w) for w in pickle.loads(pickle.dumps(project)).warnings] == [
        str(w) for w in project.warnings
    ]
    assert pickle.loads(pickle.dumps(project)) == project


def test_errors_render_in_the_active_language() -> None:
    """Messages are lazy: str() renders them when shown, not when raised."""
    error = _error(lambda: read_qdpx(b"geen zip"))
    with translation.override("nl"):
        dutch = str(error)
    assert dutch  # a translation may or may not exist yet; rendering must work
    assert isinstance(error, ValueError)


# --------------------------------------------------------------------------
# Fixture generator
# --------------------------------------------------------------------------


def test_fixtures_are_reproducible_from_the_generator() -> None:
    """make_fixtures.py recreates every committed fixture byte for byte."""
    built = load_fixture_generator().build_all()
    on_disk = {
        path.name: path.read_bytes()
        for path in FIXTURES.iterdir()
        if path.is_file() and path.suffix != ".py"
    }
    assert set(built) == set(on_disk)
    for name, data in built.items():
        assert data == on_disk[name], name
