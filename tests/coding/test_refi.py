"""Tests for the pure REFI-QDA package ``interop.refi`` (no database needed).

Fixture files live in ``tests/fixtures/refi/`` and are (re)created by
``make_fixtures.py`` there; each imitates one tool's export or one quirk.  The
passages each tool showed are written out in full below, so a wrong offset
conversion shows up as a failing assertion.  The XSDs are loaded at test time
from ``$REFI_QDA_SCHEMAS`` (default: ``shared/refi-qda`` beside the checkout), never copied
into the repository.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import pickle
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from coding.importing.normalise import normalise_text
from interop.refi import (
    OffsetUnit,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    VariableType,
    canonical_guid,
    iter_codes,
    read_qdc,
    read_qde,
    read_qdpx,
    write_qdc,
    write_qde,
    write_qdpx,
)
from interop.refi.read import _TextMap, _Units

# The package only needs Django for lazy translations.  Without pytest-django
# (``-p no:django``), give Django minimal settings so messages can be rendered.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Assert against the English source messages even where Dutch is the default."""
    with translation.override("en"):
        yield


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "refi"
SCHEMAS = Path(
    os.environ.get("REFI_QDA_SCHEMAS")
    or Path(__file__).resolve().parents[3] / "shared" / "refi-qda"
)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def fixture(name: str) -> bytes:
    """Bytes of one fixture file."""
    return (FIXTURES / name).read_bytes()


@functools.cache
def _load_schema(name: str) -> etree.XMLSchema | None:
    path = SCHEMAS / name
    if not path.exists():
        return None
    return etree.XMLSchema(etree.parse(str(path)))


def schema(name: str) -> etree.XMLSchema:
    """The official XSD ``name`` from the shared folder (skip if it is absent)."""
    loaded = _load_schema(name)
    if loaded is None:
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMAS / name} is missing in CI")
        pytest.skip(f"{SCHEMAS / name} not available; set REFI_QDA_SCHEMAS")
    return loaded


def assert_valid(xml: bytes, name: str) -> None:
    """``xml`` validates against the XSD ``name``."""
    xsd = schema(name)
    document = etree.fromstring(xml)
    assert xsd.validate(document), str(xsd.error_log)


def make_zip(members: list[tuple[str, bytes | str]]) -> bytes:
    """A small in-memory ZIP archive (``str`` members are UTF-8 encoded)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(
                name, data.encode("utf-8") if isinstance(data, str) else data
            )
    return output.getvalue()


def qde_member(data: bytes) -> bytes:
    """The ``project.qde`` of a ``.qdpx``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("project.qde")


def passages(source: RefiTextSource) -> list[str]:
    """The text of every selection, in file order."""
    return [source.text[s.start : s.end] for s in source.selections]


def warning_codes(warnings: list) -> list[str]:
    return [warning.code for warning in warnings]


def code_tree(codes: list[RefiCode]) -> list:
    """Names, colours and codability as nested tuples, for readable assertions."""
    return [
        (code.name, code.color, code.is_codable, code_tree(code.children))
        for code in codes
    ]


def load_fixture_generator() -> ModuleType:
    """Import ``make_fixtures.py`` by path (the fixtures folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        "refi_make_fixtures", FIXTURES / "make_fixtures.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # keep __pycache__ out of the fixtures folder
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
    return module


def guid(n: int) -> str:
    """A readable, valid, lower-case GUID for test data."""
    return f"00000000-0000-4000-8000-{n:012d}"


CODE_A = guid(1)
CODE_B = guid(2)
USER = guid(3)


def simple_project(
    text: str,
    spans: list[tuple[int, int]],
    *,
    origin: str = "Test tool",
    name_quote: str | None = None,
) -> str:
    """A minimal ``.qde`` with one source whose text is ``sources/t.txt``."""
    selections = ""
    for number, (start, end) in enumerate(spans):
        selections += (
            f'<PlainTextSelection guid="{guid(100 + number)}" startPosition="{start}" '
            f'endPosition="{end}"'
            + (f' name="{name_quote}"' if name_quote is not None else "")
            + f'><Coding guid="{guid(200 + number)}"><CodeRef targetGUID="{CODE_A}"/>'
            "</Coding></PlainTextSelection>"
        )
    return (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="P" origin="{origin}">'
        f'<CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid(50)}" name="T" plainTextPath="internal://t.txt">'
        f"{selections}</TextSource></Sources></Project>"
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


_RAW_ALPHABET = st.sampled_from(
    [
        *"ab é\r\n\t\x01\x0b\ufeff\u0301\u0323\u2028\x85.",
        "e\u0301",
        "\r\n",
        "\U0001f600",
        "\u1100",
        "\u1161",
        "\u11a8",
        "\u0958",
        "\u212b",
        "A\u030a",
        "\u0cc6\u0cd5",
        "\u0b47\u0b3e",
    ]
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


def _breaks(text: str) -> str:
    """Every line break as one \\n, as the standard counts them."""
    return re.sub("\r\n|[\r\x85\u2028\u2029]", "\n", text)


def _breaks_and_controls(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", _breaks(text))


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
# Writing: round trips and schema validity
# --------------------------------------------------------------------------

ROUND_TRIP_TEXT = (
    "I: Hoe was het?\nR: Prima 😀, dank je. Het café was vol.\n"
    "I: En daarna?\nR: Naar huis 🏠, en toen de krant gelezen."
)


def full_project() -> RefiProject:
    """A project using every field Regie exchanges."""
    text = ROUND_TRIP_TEXT
    prima = text.index("Prima")
    huis = text.index("Naar huis")
    return RefiProject(
        name="Regie round trip",
        origin="Regie 0.1",
        description="Projectbeschrijving",
        users=[RefiUser(USER, "Ann"), RefiUser(guid(4), "Bob")],
        codes=[
            RefiCode(
                guid(10),
                "Emoties",
                color="#aabbcc",
                description="Alles over gevoel",
                is_codable=False,
                children=[
                    RefiCode(guid(11), "Blij", color="#00ff00"),
                    RefiCode(
                        guid(12), "Verdrietig", children=[RefiCode(guid(13), "Heel")]
                    ),
                ],
            ),
            RefiCode(guid(14), "Thuis"),
        ],
        variables=[
            RefiVariable(guid(20), "Leeftijd", VariableType.INTEGER, "in jaren"),
            RefiVariable(guid(21), "Woonplaats", VariableType.TEXT),
            RefiVariable(guid(22), "Toestemming", VariableType.BOOLEAN),
            RefiVariable(guid(23), "Uren", VariableType.FLOAT),
            RefiVariable(guid(24), "Datum", VariableType.DATE),
            RefiVariable(guid(25), "Moment", VariableType.DATETIME),
        ],
        cases=[
            RefiCase(
                guid(30),
                "Respondent 1",
                description="Eerste gesprek",
                variables={
                    "Leeftijd": 34,
                    "Woonplaats": "Utrecht",
                    "Toestemming": True,
                    "Uren": 1e-7,
                    "Datum": date(2024, 3, 12),
                    "Moment": datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
                },
                source_guids=[guid(40)],
            )
        ],
        sources=[
            RefiTextSource(
                guid(40),
                "Interview 1",
                text,
                creating_user=USER,
                creation_datetime=datetime(2024, 3, 12, 10, 0, tzinfo=UTC),
                description="Bij de respondent thuis",
                variables={"Uren": 2.5},
                selections=[
                    RefiSelection(
                        guid(41),
                        prima,
                        prima + len("Prima 😀, dank je."),
                        [RefiCoding(guid(11), USER), RefiCoding(guid(13), guid(4))],
                        description="Let op de toon",
                        notes=[guid(60)],
                    ),
                    RefiSelection(
                        guid(42),
                        huis,
                        len(text),
                        [RefiCoding(guid(14), None)],
                    ),
                ],
            ),
            RefiTextSource(guid(43), "Leeg interview", "Nog niet gecodeerd."),
        ],
        notes=[
            RefiNote(
                guid(60),
                "Memo",
                "Toon is ironisch?\nNavragen.",
                targets=[guid(41)],
                creating_user=USER,
                creation_datetime=datetime(2024, 3, 13, 8, 0, tzinfo=UTC),
            ),
            RefiNote(
                guid(61), "Codememo", "Over blijheid.", targets=[guid(11), guid(40)]
            ),
            RefiNote(guid(62), "Losse memo", "Zonder doel."),
        ],
        sets=[
            RefiSet(
                guid(70), "Gevoelens", [guid(11), guid(12)], [], "Codes over gevoel"
            ),
            RefiSet(guid(71), "Interviews", [], [guid(40), guid(43)]),
        ],
    )


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


# --------------------------------------------------------------------------
# Tool imitations
# --------------------------------------------------------------------------

NVIVO_1 = "56a79789-d535-4fb8-bedd-a915504c54ba"
NVIVO_2 = "67b8a89a-e646-4fc9-8cee-b026615d65cb"


def test_nvivo12_windows_utf16_offsets_with_crlf() -> None:
    """NVivo counts UTF-16 units with CRLF as two; every passage comes out as shown."""
    project = read_qdpx(fixture("nvivo12_windows.qdpx"))
    first, second = project.sources
    assert (first.offset_unit, second.offset_unit) == (OffsetUnit.UTF16_CRLF,) * 2
    assert passages(first) == [
        "Ik had het gevoel dat ik 😅 alles tegelijk moest leren.",
        "Zij namen de tijd om uit te leggen hoe het rooster werkt, en dat voelde als een warm bad 🛁.",
        "“Neem je tijd, meisje.”",
        "Die waren geduldig.",
    ]
    assert passages(second) == [
        "We hebben tien minuten en dan moet het klaar zijn.",
        "Meestal niet.",
        "Vooral in het weekend is het druk.",
    ]
    # BOM gone, CRLF became LF, text is Regie's normalised text.
    assert first.text.startswith("I: Hoe was je eerste week")
    assert "\r" not in first.text
    assert first.text == normalise_text(first.text)


def test_nvivo12_windows_structure() -> None:
    """Nested codes without colours, case coding, note file, users and codings."""
    project = read_qdpx(fixture("nvivo12_windows.qdpx"))
    assert project.origin == "NVivo for Windows 12.6"
    assert code_tree(project.codes) == [
        ("Werkdruk", None, True, [("Tijdsdruk", None, True, [])]),
        (
            "Steun",
            None,
            True,
            [("Collega's", None, True, []), ("Patiënten", None, True, [])],
        ),
    ]
    assert project.users == [RefiUser("8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645", "Coder")]
    first = project.sources[0]
    assert first.selections[0].codings == [
        RefiCoding(
            "4d62f0cc-182f-44b8-a043-339c90779e9e",
            "8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645",
        )
    ]
    # The coding that pointed at the case became case membership of the source.
    assert first.selections[3].codings == []
    assert project.cases == [
        RefiCase(
            "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
            "Respondent 1",
            variables={"Leeftijd": 24, "Functie": "Verpleegkundige"},
            source_guids=[NVIVO_1],
        )
    ]
    assert warning_codes(first.warnings) == ["case_codings"]
    assert project.notes == [
        RefiNote(
            "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "Memo interview 1",
            "Eerste indruk: veel steun van collega’s.\nNagaan bij interview 2.",
            targets=[NVIVO_1],
            creating_user="8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645",
            creation_datetime=datetime(2025, 2, 21, 15, 30, tzinfo=UTC),
        )
    ]
    assert project.warnings == []


def _without_origin(data: bytes) -> bytes:
    """The same archive, with the origin attribute of its .qde removed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    members = [
        (
            name,
            re.sub(rb' origin="[^"]*"', b"", body) if name.endswith(".qde") else body,
        )
        for name, body in members
    ]
    return make_zip(members)


def test_nvivo_offsets_are_detected_from_the_text_not_the_origin() -> None:
    """Without the origin attribute, the coded text alone reveals UTF-16 + CRLF."""
    project = read_qdpx(_without_origin(fixture("nvivo12_windows.qdpx")))
    assert [source.offset_unit for source in project.sources] == [
        OffsetUnit.UTF16_CRLF
    ] * 2
    assert passages(project.sources[0])[2] == "“Neem je tijd, meisje.”"
    assert all(
        not source.warnings or warning_codes(source.warnings) == ["case_codings"]
        for source in project.sources
    )


def test_atlasti_code_points_with_crlf_and_flat_hierarchy() -> None:
    """ATLAS.ti: CRLF counted once, quotations match, Parent::Child becomes nesting."""
    project = read_qdpx(fixture("atlasti.qdpx"))
    (source,) = project.sources
    assert source.offset_unit == OffsetUnit.CODEPOINTS
    assert source.guid == "ec0a7242-65e1-457c-b7d1-310dae603fab"
    assert passages(source) == [
        "Meestal cola, eerlijk gezegd 🥤.",
        "Dan maak ik pannenkoeken met mijn dochter. Zij strooit overal suiker op, het wordt "
        "één grote knoeiboel, maar dat is juist het leuke ervan.",
    ]
    assert (
        source.selections[0].description
        == "Mabel is niet de enige die cola drinkt bij het ontbijt!"
    )
    assert source.warnings == []
    assert code_tree(project.codes) == [
        ("Gevoelens", None, False, [("plezier", "#f00082", True, [])]),
        (
            "Ontbijt",
            "#966450",
            True,
            [("cola", "#966450", True, []), ("pannenkoeken", "#463cc8", True, [])],
        ),
        ("melk", None, True, []),
    ]
    assert project.codes[0].guid == canonical_guid("regie-code-folder:Gevoelens")
    assert [code.description for code in iter_codes(project.codes)][2:4] == [
        "het belangrijkste maal",
        "ook light",
    ]


def test_atlasti_skips_non_text_sources_and_keeps_sets_and_notes() -> None:
    """Picture, PDF and video sources are skipped with warnings; nothing fails."""
    project = read_qdpx(fixture("atlasti.qdpx"))
    assert warning_codes(project.warnings) == [
        "code_folders_added",
        "source_skipped",
        "source_skipped",
        "source_skipped",
        "not_imported",
        "not_imported",
    ]
    messages = [str(warning) for warning in project.warnings]
    assert messages[1] == (
        "The picture source “cornflakes-n-milk.jpg” was not imported: Regie only imports "
        "text sources."
    )
    assert messages[2].startswith(
        "The PDF source “Kellogg's Passion for Nutrition.pdf”"
    )
    assert (
        messages[4]
        == "The project's links were not imported: Regie has no place for them."
    )
    assert [
        (s.name, s.member_code_guids, s.member_source_guids) for s in project.sets
    ] == [
        ("Mabel", [], ["ec0a7242-65e1-457c-b7d1-310dae603fab"]),
        (
            "Ontbijtspul",
            [
                "d299efae-5779-46dc-9827-a3d1a5d544bc",
                "f9c6eac0-8a66-4757-9d8a-9a6c8fea3c44",
            ],
            [],
        ),
        ("<3", [], []),
    ]
    assert [(n.name, n.text) for n in project.notes] == [
        ("Onderzoeksplan", "Dit is een mooi project van een dynamisch team.")
    ]
    assert [user.guid for user in project.users] == [
        "c32a2bd5-537f-4838-8b17-df9efbafdf4b",
        "ad68fbe7-e1ee-4a82-a279-23cc698c89eb",
    ]


def test_atlasti_evidence_beats_a_misleading_origin() -> None:
    """Quotations decide even when the origin suggests NVivo's UTF-16 counting."""
    with zipfile.ZipFile(io.BytesIO(fixture("atlasti.qdpx"))) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    members = [
        (
            name,
            body.replace(b"ATLAS.ti 8.4.0 573 , Windows 10", b"NVivo for Windows 12.6"),
        )
        for name, body in members
    ]
    (source,) = read_qdpx(make_zip(members)).sources
    assert source.offset_unit == OffsetUnit.CODEPOINTS
    assert passages(source)[0] == "Meestal cola, eerlijk gezegd 🥤."


def test_maxqda_document_variables_memos_and_crlf() -> None:
    """MAXQDA: nameless case = document variables, memo selection, CRLF counted once."""
    project = read_qdpx(fixture("maxqda.qdpx"))
    (source,) = project.sources
    assert source.name == "Interview Anna"
    assert source.offset_unit == OffsetUnit.CODEPOINTS
    assert passages(source) == [
        "Mijn vader woont drie straten verderop en ik ga elke ochtend even langs.",
        "Begripvol, gelukkig. Ik mag later beginnen als het nodig is.",
        "Vooral mijn zoon merkt dat, hij is pas zes.",
        "Dat schiet er weleens bij in.",
    ]
    memo = source.selections[3]
    assert memo.codings == []
    assert memo.description == "Schuldgevoel? Doorvragen in het tweede interview."
    assert source.variables == {
        "Toestemming": True,
        "Datum interview": date(2020, 9, 14),
        "Uren zorg per week": 12.5,
        "Leeftijd": 47,
        "Geslacht": "vrouw",
    }
    assert project.cases == []
    assert [(v.name, v.type) for v in project.variables] == [
        ("Leeftijd", VariableType.INTEGER),
        ("Geslacht", VariableType.TEXT),
        ("Toestemming", VariableType.BOOLEAN),
        ("Datum interview", VariableType.DATE),
        ("Uren zorg per week", VariableType.FLOAT),
    ]
    assert code_tree(project.codes) == [
        (
            "Zorg",
            "#2364a2",
            True,
            [("Mantelzorg", "#2364a2", True, []), ("Gezin", "#e0a030", True, [])],
        ),
        ("Werk", "#39b54a", True, []),
    ]
    assert source.warnings == []
    assert project.warnings == []


def test_qualcoder_bom_quotations_and_notes() -> None:
    """QualCoder: BOM dropped, full quotations match, one selection per coding."""
    project = read_qdpx(fixture("qualcoder.qdpx"))
    (source,) = project.sources
    assert source.offset_unit == OffsetUnit.CODEPOINTS
    assert source.text.startswith("Interviewer: Wat betekent")
    rust = "Rust 🌱. Na een dag op kantoor wil ik mijn handen in de aarde."
    assert passages(source) == [
        rust,
        rust,
        "Marijke deelt altijd haar zaden, en ik help haar met de composthoop. Zo’n ruil voelt eerlijk.",
    ]
    assert source.guid == "d0e1f2a3-b4c5-4d6e-8f7a-9b0c1d2e3f71"
    assert source.path == "internal://e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a81.txt"
    assert source.description == "Eerste interview, tuin aan de Kanaalstraat"
    assert source.selections[0].description == "Kantoor versus buiten"
    assert code_tree(project.codes) == [
        (
            "Motieven",
            None,
            False,
            [
                ("Ontspanning", "#7bb86f", True, []),
                ("Contrast met werk", "#f0a3ff", True, []),
            ],
        ),
        ("Wederkerigheid", "#9e9e9e", True, []),
    ]
    assert project.cases == [
        RefiCase(
            "c0d1e2f3-a4b5-4c6d-8e7f-9a0b1c2d3e61",
            "Bram",
            variables={"Tuinjaren": 3.0, "Wijk": "Lombok"},
            source_guids=[source.guid],
        )
    ]
    assert [(n.name, n.text, n.targets) for n in project.notes] == [
        ("Reflectie week 1", "Veel herhaling in de eerste week.", []),
        ("", "Buren als netwerk", [source.guid]),
    ]
    assert project.description == "Pilot moestuinen"
    assert warning_codes(project.warnings) == ["note_positions"]


def test_taguette_codebook_with_empty_sets() -> None:
    """Taguette's .qdc does not validate (empty <Sets/>) but reads fine."""
    data = fixture("taguette.qdc")
    assert not schema("Codebook.xsd").validate(etree.fromstring(data))
    codebook = read_qdc(data)
    assert codebook.origin == "Taguette 1.4.1"
    assert [(c.guid, c.name, c.color) for c in codebook.codes] == [
        ("5f2b6c9e-3d3b-5c8e-9a51-4a1d3b7e2c01", "interesting", None),
        ("5f2b6c9e-3d3b-5c8e-9a51-4a1d3b7e2c02", "emotions.joy", None),
        ("5f2b6c9e-3d3b-5c8e-9a51-4a1d3b7e2c03", "emotions.sadness", None),
    ]
    assert codebook.sets == []
    assert codebook.warnings == []
    # Re-exported by Regie it validates.
    assert_valid(write_qdc(codebook), "Codebook.xsd")


@pytest.mark.parametrize(
    "name", ["nvivo12_windows.qdpx", "atlasti.qdpx", "maxqda.qdpx"]
)
def test_tool_imitations_validate_like_the_real_exports(name: str) -> None:
    """NVivo, ATLAS.ti and MAXQDA exports validate (SOURCES.md), so must ours."""
    assert_valid(qde_member(fixture(name)), "Project.xsd")


@pytest.mark.parametrize(
    "name", ["nvivo12_windows.qdpx", "atlasti.qdpx", "maxqda.qdpx", "qualcoder.qdpx"]
)
def test_imported_tool_projects_re_export_valid_and_stable(name: str) -> None:
    """Whatever Regie read from a tool, it writes back validly and reads back equal."""
    project = read_qdpx(fixture(name))
    data = write_qdpx(project)  # keeps the tool's origin: evidence must beat its prior
    assert_valid(qde_member(data), "Project.xsd")
    again = read_qdpx(data)
    # What only describes the first reading is gone the second time.
    project.warnings = []
    for source in project.sources:
        source.offset_unit = OffsetUnit.CODEPOINTS
        source.warnings = []
        source.path = f"internal://{source.guid}.txt"
    assert again == project


# --------------------------------------------------------------------------
# Quirks
# --------------------------------------------------------------------------


def test_qde_with_another_name_in_a_folder() -> None:
    """Any single .qde is the project, also inside a zipped folder with __MACOSX junk."""
    project = read_qdpx(fixture("quirk_qde_name.qdpx"))
    assert project.name == "Interviews 2024"
    assert passages(project.sources[0]) == ["Het team is hecht"]


def test_lenient_source_paths() -> None:
    """Sources/ vs sources/, upper-case names, backslashes and relative:// all resolve."""
    project = read_qdpx(fixture("quirk_paths.qdpx"))
    assert [(s.name, passages(s)) for s in project.sources] == [
        ("upper case", ["Ik werk hier"]),
        ("backslash", ["vijf jaar"]),
        ("relative", ["we lachen veel"]),
    ]
    assert warning_codes(project.warnings) == ["source_file_missing"]
    assert str(project.warnings[0]) == (
        "The text of the source “absent” (absolute:///C:/Data/"
        "31111111-2222-4333-8444-555555555504.txt) is not in the project file; the "
        "source was not imported."
    )


def test_bom_and_non_utf8_text_files() -> None:
    """A UTF-8 BOM is not counted; a UTF-16 file is decoded with a warning."""
    project = read_qdpx(fixture("quirk_bom.qdpx"))
    utf8, utf16 = project.sources
    assert utf8.text == "Café 😀 open.\nDaarna naar huis."
    assert passages(utf8) == ["naar huis"]
    assert passages(utf16) == ["open."]
    assert warning_codes(project.warnings) == ["text_not_utf8"]
    assert (utf8.warnings, utf16.warnings) == ([], [])


def test_inline_plain_text_content_and_empty_sets() -> None:
    """Inline <PlainTextContent> needs no files; an empty <Sets/> is accepted."""
    project = read_qde(fixture("quirk_inline_text.qde"))
    (source,) = project.sources
    assert source.text == "Inline tekst: geen apart bestand nodig.\nTweede regel."
    assert passages(source) == ["geen apart bestand"]
    assert project.sets == []


def test_guids_in_any_spelling_resolve() -> None:
    """Definitions and references may differ in case and braces."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="G">
      <Users><User guid="{{{USER.upper()}}}" name="Ann"/></Users>
      <CodeBook><Codes><Code guid="{{{CODE_A.upper()}}}" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="{guid(50).upper()}" name="T">
        <PlainTextContent>Hallo daar.</PlainTextContent>
        <PlainTextSelection guid="{{{guid(51)}}}" startPosition="0" endPosition="5" creatingUser="{USER}">
          <Coding guid="{guid(52)}"><CodeRef targetGUID="{CODE_A}"/></Coding>
        </PlainTextSelection>
      </TextSource></Sources>
      <Sets><Set guid="{guid(53).upper()}" name="S"><MemberCode targetGUID="{{{CODE_A}}}"/>
        <MemberSource targetGUID="{{{guid(50)}}}"/></Set></Sets>
    </Project>""".encode()
    project = read_qde(qde)
    assert project.users == [RefiUser(USER, "Ann")]
    assert project.codes[0].guid == CODE_A
    (source,) = project.sources
    assert source.guid == guid(50)
    assert source.selections == [
        RefiSelection(guid(51), 0, 5, [RefiCoding(CODE_A, USER)])
    ]
    assert project.sets == [RefiSet(guid(53), "S", [CODE_A], [guid(50)])]
    assert project.warnings == []


def test_identifiers_that_are_no_guids_get_stable_guids() -> None:
    """guid="A"-style identifiers still link up, with one warning."""
    qde = b"""<Project xmlns="urn:QDA-XML:project:1.0" name="G">
      <CodeBook><Codes><Code guid="plugin" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="doc" name="T"><PlainTextContent>Hallo daar.</PlainTextContent>
        <PlainTextSelection guid="sel" startPosition="0" endPosition="5">
          <Coding guid="c"><CodeRef targetGUID="plugin"/></Coding></PlainTextSelection>
      </TextSource></Sources></Project>"""
    project = read_qde(qde)
    assert project.sources[0].selections[0].codings == [
        RefiCoding(canonical_guid("plugin"))
    ]
    assert warning_codes(project.warnings) == ["invalid_guids"]
    assert str(project.warnings[0]) == (
        "Some identifiers in the file are not valid GUIDs (3); Regie replaced them "
        "with GUIDs of its own."
    )
    assert_valid(write_qde(project), "Project.xsd")


PROJECT_BODY = (
    '<{p}CodeBook{cb}><{p}Codes><{p}Code guid="{code}" name="A" isCodable="true"/></{p}Codes>'
    "</{p}CodeBook>"
    '<{p}Sources><{p}TextSource guid="{src}" name="T"><{p}PlainTextContent>Hallo daar.'
    '</{p}PlainTextContent><{p}PlainTextSelection guid="{sel}" startPosition="6" endPosition="10">'
    '<{p}Coding guid="{cod}"><{p}CodeRef targetGUID="{code}"/></{p}Coding></{p}PlainTextSelection>'
    "</{p}TextSource></{p}Sources>"
)


@pytest.mark.parametrize(
    ("root", "prefix", "codebook_attr"),
    [
        ('<Project name="N">', "", ""),
        ('<Project xmlns="urn:QDA-XML:project:1.0" name="N">', "", ""),
        ('<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="N">', "qda:", ""),
        ('<Project xmlns="urn:QDA-XML:project:0:10" name="N">', "", ""),
        ('<Project xmlns="urn:QDA-XML:project:1:0" name="N">', "", ""),
        ('<Project xmlns="URN:QDA-XML:PROJECT:1.0" name="N">', "", ""),
        (
            '<Project xmlns="urn:QDA-XML:project:1.0" name="N">',
            "",
            ' xmlns="urn:QDA-XML:codebook:1.0"',
        ),
    ],
    ids=["none", "default", "prefix", "0:10", "1:0", "upper", "codebook-ns-inside"],
)
def test_project_namespace_variants(root: str, prefix: str, codebook_attr: str) -> None:
    """No namespace, a prefix, old or oddly spelt namespaces all read the same."""
    closing = "</qda:Project>" if prefix else "</Project>"
    body = PROJECT_BODY.format(
        p=prefix,
        cb=codebook_attr,
        code=CODE_A,
        src=guid(50),
        sel=guid(51),
        cod=guid(52),
    )
    project = read_qde((root + body + closing).encode())
    assert project.name == "N"
    assert project.codes == [RefiCode(CODE_A, "A")]
    assert passages(project.sources[0]) == ["daar"]
    assert project.sources[0].selections[0].codings == [RefiCoding(CODE_A)]
    assert project.warnings == []


def test_unknown_namespace_is_read_with_a_warning() -> None:
    """A foreign namespace is tolerated but reported."""
    project = read_qde(b'<Project xmlns="http://example.org/qda" name="N"/>')
    assert warning_codes(project.warnings) == ["unexpected_namespace"]
    assert str(project.warnings[0]) == (
        "The file uses the XML namespace “http://example.org/qda”, which is not a "
        "REFI-QDA namespace; it was read anyway."
    )


@pytest.mark.parametrize(
    "root",
    [
        "<CodeBook>",
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0">',
        '<CodeBook xmlns="urn:QDA-XML:codebook:1:0">',
        '<c:CodeBook xmlns:c="urn:QDA-XML:codebook:1.0">',
    ],
    ids=["none", "default", "nvivo-mac-1:0", "prefix"],
)
def test_codebook_namespace_variants(root: str) -> None:
    """Codebooks in every namespace spelling read the same."""
    prefix = "c:" if root.startswith("<c:") else ""
    xml = (
        f'{root}<{prefix}Codes><{prefix}Code guid="{CODE_A}" name="A" isCodable="true">'
        f"<{prefix}Description>Uitleg</{prefix}Description></{prefix}Code></{prefix}Codes>"
        f"<{prefix}Sets/></{prefix}CodeBook>"
    )
    codebook = read_qdc(xml.encode())
    assert codebook.codes == [RefiCode(CODE_A, "A", description="Uitleg")]
    assert codebook.warnings == []


def test_codebook_with_bom_utf16_or_blank_lines_before_the_declaration() -> None:
    """QualCoder writes .qdc as utf-8-sig; other encodings and stray blank lines pass."""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f'<Codes><Code guid="{CODE_A}" name="Één" isCodable="true"/></Codes></CodeBook>'
    )
    expected = [RefiCode(CODE_A, "Één")]
    assert read_qdc(xml.encode("utf-8-sig")).codes == expected
    assert read_qdc(xml.replace("utf-8", "utf-16").encode("utf-16")).codes == expected
    assert read_qdc(b"\r\n  " + xml.encode()).codes == expected


def test_codebook_syntax_errors_name_the_uploaded_file() -> None:
    error = _error(lambda: read_qdc(b"<CodeBook><Codes>", filename="mijn codes.qdc"))
    assert error.code == "xml_syntax"
    assert str(error).startswith(
        "The file mijn codes.qdc is damaged: it is not well-formed XML (line 1, column 18: "
    )


def test_codes_without_colours_short_colours_and_bad_colours() -> None:
    """Missing or invalid colours are None; #RGB is expanded."""
    xml = f"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="{guid(1)}" name="geen" isCodable="true"/>
      <Code guid="{guid(2)}" name="kort" isCodable="true" color="#F0A"/>
      <Code guid="{guid(3)}" name="fout" isCodable="true" color="rood"/>
      <Code guid="{guid(4)}" name="codable-absent"/>
    </Codes></CodeBook>""".encode()
    codes = read_qdc(xml).codes
    assert [(c.name, c.color, c.is_codable) for c in codes] == [
        ("geen", None, True),
        ("kort", "#ff00aa", True),
        ("fout", None, True),
        ("codable-absent", None, True),
    ]


def test_flat_hierarchy_several_levels() -> None:
    """A::B::C nests under existing codes or added folders, in file order."""
    xml = f"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="{guid(1)}" name="Emoties :: Negatief :: Boos" isCodable="true"/>
      <Code guid="{guid(2)}" name="Emoties" isCodable="true" color="#112233"/>
      <Code guid="{guid(3)}" name="Emoties::Positief" isCodable="true"/>
      <Code guid="{guid(4)}" name="::raar" isCodable="true"/>
      <Code guid="{guid(5)}" name="Los" isCodable="true"/>
    </Codes></CodeBook>""".encode()
    codebook = read_qdc(xml)
    assert code_tree(codebook.codes) == [
        (
            "Emoties",
            "#112233",
            True,
            [
                ("Negatief", None, False, [("Boos", None, True, [])]),
                ("Positief", None, True, []),
            ],
        ),
        ("::raar", None, True, []),
        ("Los", None, True, []),
    ]
    assert warning_codes(codebook.warnings) == ["code_folders_added"]
    assert codebook.codes[0].children[0].guid == canonical_guid(
        "regie-code-folder:Emoties::Negatief"
    )


def test_nested_codes_keep_double_colons_in_child_names() -> None:
    """Only top-level names are split; nested codes keep their names."""
    xml = f"""<CodeBook><Codes><Code guid="{guid(1)}" name="P" isCodable="false">
      <Code guid="{guid(2)}" name="a::b" isCodable="true"/></Code></Codes></CodeBook>""".encode()
    assert code_tree(read_qdc(xml).codes) == [
        ("P", None, False, [("a::b", None, True, [])])
    ]


def test_whole_source_coding_becomes_one_passage() -> None:
    """A <Coding> directly on a TextSource covers the whole text, with a warning."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="W">
      <CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="{guid(50)}" name="T"><PlainTextContent>Alles telt.
</PlainTextContent>
        <Coding guid="{guid(51)}" creatingUser="{USER}"><CodeRef targetGUID="{CODE_A}"/></Coding>
      </TextSource></Sources></Project>""".encode()
    (source,) = read_qde(qde).sources
    assert source.selections == [
        RefiSelection(guid(51), 0, 11, [RefiCoding(CODE_A, USER)])
    ]
    assert warning_codes(source.warnings) == ["whole_source_coding"]


def test_variable_values_that_do_not_fit_their_type_are_kept_as_text() -> None:
    """A FloatValue of "n.v.t." is kept as text and reported."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="V">
      <Variables><Variable guid="{guid(20)}" name="Uren" typeOfVariable="Float"/>
        <Variable guid="{guid(21)}" name="Moment" typeOfVariable="DateTime"/></Variables>
      <Cases><Case guid="{guid(30)}" name="C">
        <VariableValue><VariableRef targetGUID="{guid(20)}"/><FloatValue>n.v.t.</FloatValue></VariableValue>
        <VariableValue><VariableRef targetGUID="{guid(21)}"/><DateTimeValue>2018-10-04T22:56:11</DateTimeValue></VariableValue>
      </Case></Cases></Project>""".encode()
    project = read_qde(qde)
    assert project.cases[0].variables == {
        "Uren": "n.v.t.",
        "Moment": datetime(2018, 10, 4, 22, 56, 11, tzinfo=UTC),
    }
    assert [str(w) for w in project.warnings] == [
        "The value “n.v.t.” of variable “Uren” for “C” does not fit its type and was kept as text."
    ]


def test_entity_declarations_are_refused() -> None:
    """A DOCTYPE with entities (billion laughs, XXE) is refused, not expanded."""
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE Project [ <!ENTITY boom "EXPANDED"> ]>
<Project name="&boom;" xmlns="urn:QDA-XML:project:1.0"/>"""
    with pytest.raises(RefiError) as caught:
        read_qde(xml)
    assert caught.value.code == "xml_doctype"
    assert str(caught.value) == (
        "The file project.qde declares XML entities in a document type declaration, "
        "which REFI-QDA files never do; it was refused for safety."
    )


# --------------------------------------------------------------------------
# Offset-unit detection
# --------------------------------------------------------------------------

# CRLF, astral emoji, a precomposed and a decomposed accent: every unit differs.
DETECTION_TEXT = (
    "Interviewer: Hoe gaat het vandaag met je?\r\n"
    "Respondent: Prima 😀, dank je. Het cafe\u0301 was vol.\r\n"
    "Interviewer: En daarna?\r\n"
    "Respondent: Toen liep ik naar huis 🏠 en las de krant. Het was één grote rust.\r\n"
    "Interviewer: Dank je wel.\r\n"
)
DETECTION_PASSAGES = [
    "Hoe gaat het vandaag met je?",
    "Prima 😀, dank je.",
    "Het cafe\u0301 was vol.",
    "En daarna?",
    "Toen liep ik naar huis 🏠 en las de krant.",
    "Het was één grote rust.",
    "Dank je wel.",
]


def encode_position(raw: str, index: int, unit: OffsetUnit) -> int:
    """Position of code point ``index`` of ``raw`` as a tool using ``unit`` counts it."""
    lf = _breaks(raw[:index])
    crlf = lf.replace("\n", "\r\n")
    return {
        OffsetUnit.CODEPOINTS: lambda: len(lf),
        OffsetUnit.CODEPOINTS_NFC: lambda: len(
            unicodedata.normalize("NFC", _breaks_and_controls(raw[:index]))
        ),
        OffsetUnit.CODEPOINTS_CRLF: lambda: len(crlf),
        OffsetUnit.UTF16: lambda: len(lf.encode("utf-16-le")) // 2,
        OffsetUnit.UTF16_CRLF: lambda: len(crlf.encode("utf-16-le")) // 2,
        OffsetUnit.UTF8: lambda: len(lf.encode("utf-8")),
        OffsetUnit.UTF8_CRLF: lambda: len(crlf.encode("utf-8")),
    }[unit]()


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    st.lists(_RAW_ALPHABET.filter(lambda c: c != "\ufeff"), max_size=16).map("".join)
)
def test_every_unit_converts_exactly_at_character_boundaries(raw: str) -> None:
    """A passage encoded in any unit converts back to exactly its normalised text."""
    raw = raw.rstrip() + "z"
    text_map = _TextMap(raw)
    units = _Units(text_map)
    boundaries = [i for i in range(len(raw) + 1) if text_map.clean[i]]
    for unit in OffsetUnit:
        spans = [
            (encode_position(raw, a, unit), encode_position(raw, b, unit))
            for a in boundaries
            for b in boundaries
            if a < b
        ]
        converted = units.convert(unit, spans)
        assert converted is not None
        pairs = [(a, b) for a in boundaries for b in boundaries if a < b]
        for (a, b), (start, end, inside) in zip(pairs, converted, strict=True):
            assert inside == 0
            expected = unicodedata.normalize("NFC", _breaks_and_controls(raw[a:b]))
            assert text_map.norm[start:end] == expected


def encoded_spans(
    raw: str, texts: list[str], unit: OffsetUnit
) -> list[tuple[int, int]]:
    spans = []
    for text in texts:
        start = raw.index(text)
        spans.append(
            (
                encode_position(raw, start, unit),
                encode_position(raw, start + len(text), unit),
            )
        )
    return spans


def detection_archive(raw: str, texts: list[str], unit: OffsetUnit, **kwargs) -> bytes:
    qde = simple_project(raw, encoded_spans(raw, texts, unit), **kwargs)
    return make_zip([("project.qde", qde), ("sources/t.txt", raw)])


@pytest.mark.parametrize("unit", list(OffsetUnit))
def test_offset_unit_is_detected_from_word_boundaries(unit: OffsetUnit) -> None:
    """Without any quotation, every unit is recognised and converted to code points."""
    project = read_qdpx(detection_archive(DETECTION_TEXT, DETECTION_PASSAGES, unit))
    (source,) = project.sources
    assert source.offset_unit == unit
    assert passages(source) == [
        unicodedata.normalize("NFC", p) for p in DETECTION_PASSAGES
    ]
    assert source.warnings == []


@pytest.mark.parametrize("unit", list(OffsetUnit))
def test_offset_unit_is_detected_from_a_single_quotation(unit: OffsetUnit) -> None:
    """One selection whose name holds the quotation is enough evidence."""
    passage = "Toen liep ik naar huis 🏠 en las de krant."
    project = read_qdpx(
        detection_archive(DETECTION_TEXT, [passage], unit, name_quote=passage)
    )
    (source,) = project.sources
    assert source.offset_unit == unit
    assert passages(source) == [passage]
    assert source.warnings == []


def test_detection_is_per_source() -> None:
    """Two sources in one project may use different units (edited on two platforms)."""
    spans_cp = encoded_spans(DETECTION_TEXT, DETECTION_PASSAGES, OffsetUnit.CODEPOINTS)
    spans_16 = encoded_spans(DETECTION_TEXT, DETECTION_PASSAGES, OffsetUnit.UTF16_CRLF)

    def source(number: int, spans: list[tuple[int, int]]) -> str:
        selections = "".join(
            f'<PlainTextSelection guid="{guid(100 * number + i)}" startPosition="{s}" '
            f'endPosition="{e}"><Coding guid="{guid(1000 * number + i)}">'
            f'<CodeRef targetGUID="{CODE_A}"/></Coding></PlainTextSelection>'
            for i, (s, e) in enumerate(spans)
        )
        return (
            f'<TextSource guid="{guid(number)}" name="S{number}" '
            f'plainTextPath="internal://s{number}.txt">{selections}</TextSource>'
        )

    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="P">'
        f'<CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>'
        f"<Sources>{source(7, spans_cp)}{source(8, spans_16)}</Sources></Project>"
    )
    project = read_qdpx(
        make_zip(
            [
                ("project.qde", qde),
                ("sources/s7.txt", DETECTION_TEXT),
                ("sources/s8.txt", DETECTION_TEXT),
            ]
        )
    )
    assert [s.offset_unit for s in project.sources] == [
        OffsetUnit.CODEPOINTS,
        OffsetUnit.UTF16_CRLF,
    ]
    assert passages(project.sources[0]) == passages(project.sources[1])


TIE_TEXT = "Kijk: 😀😀 ja"


def test_undecidable_offsets_keep_the_standard_and_warn() -> None:
    """When code points and UTF-16 both give a clean passage, the standard wins, with a warning."""
    data = make_zip(
        [
            ("project.qde", simple_project(TIE_TEXT, [(6, 8)])),
            ("sources/t.txt", TIE_TEXT),
        ]
    )
    (source,) = read_qdpx(data).sources
    assert source.offset_unit == OffsetUnit.CODEPOINTS
    assert passages(source) == ["😀😀"]
    assert warning_codes(source.warnings) == ["offsets_assumed"]
    assert str(source.warnings[0]) == (
        "The positions of the coded passages in “T” could be read in more than one way; "
        "Regie assumed characters (Unicode code points), the REFI-QDA standard. Check a "
        "few passages against Test tool."
    )


def test_undecided_sources_follow_the_decided_sources_of_the_project() -> None:
    """An ambiguous source takes the unit the project's clear sources use."""
    decided = encoded_spans(DETECTION_TEXT, DETECTION_PASSAGES, OffsetUnit.UTF16)
    selections = "".join(
        f'<PlainTextSelection guid="{guid(100 + i)}" startPosition="{s}" endPosition="{e}">'
        f'<Coding guid="{guid(300 + i)}"><CodeRef targetGUID="{CODE_A}"/></Coding>'
        "</PlainTextSelection>"
        for i, (s, e) in enumerate(decided)
    )
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="P">'
        f'<CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid(1)}" name="Helder" plainTextPath="internal://a.txt">'
        f"{selections}</TextSource>"
        f'<TextSource guid="{guid(2)}" name="Twijfel" plainTextPath="internal://b.txt">'
        f'<PlainTextSelection guid="{guid(99)}" startPosition="6" endPosition="8">'
        f'<Coding guid="{guid(98)}"><CodeRef targetGUID="{CODE_A}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    )
    project = read_qdpx(
        make_zip(
            [
                ("project.qde", qde),
                ("sources/a.txt", DETECTION_TEXT),
                ("sources/b.txt", TIE_TEXT),
            ]
        )
    )
    clear, doubtful = project.sources
    assert clear.offset_unit == OffsetUnit.UTF16
    assert clear.warnings == []
    assert doubtful.offset_unit == OffsetUnit.UTF16
    assert passages(doubtful) == ["😀"]
    assert warning_codes(doubtful.warnings) == ["offsets_assumed"]


def test_mismatching_quotations_are_reported() -> None:
    """If the tool's quotations match elsewhere but not here, the passage is flagged."""
    text = "Een twee drie.\nVier vijf zes.\n"
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="P">'
        f'<CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid(1)}" name="Q" plainTextPath="internal://q.txt">'
        f'<PlainTextSelection guid="{guid(2)}" name="Een twee drie." startPosition="0" endPosition="14"/>'
        f'<PlainTextSelection guid="{guid(3)}" name="Een twee drie." startPosition="15" endPosition="29"/>'
        # A name that is no quotation ("Quotation 1:3") is never reported.
        f'<PlainTextSelection guid="{guid(4)}" name="Quotation 1:3" startPosition="20" endPosition="24"/>'
        "</TextSource></Sources></Project>"
    )
    (source,) = read_qdpx(
        make_zip([("project.qde", qde), ("sources/q.txt", text)])
    ).sources
    assert passages(source) == ["Een twee drie.", "Vier vijf zes.", "vijf"]
    assert warning_codes(source.warnings) == ["passages_differ"]
    assert str(source.warnings[0]) == (
        "In “Q”, some coded passages (1) do not show the quotation the other program "
        "stored with them; check them."
    )


def test_boundaries_inside_a_crlf_or_composed_character_are_rounded_outwards() -> None:
    """A passage that can only be read with a boundary inside \\r\\n includes the break."""
    text = "ab\r\ncd"
    # Only the CRLF-aware readings are valid for end=6 (code points with LF: 5 long).
    data = make_zip(
        [("project.qde", simple_project(text, [(3, 6)])), ("sources/t.txt", text)]
    )
    (source,) = read_qdpx(data).sources
    assert source.offset_unit in (OffsetUnit.UTF16_CRLF, OffsetUnit.CODEPOINTS_CRLF)
    assert passages(source) == ["\ncd"]


# --------------------------------------------------------------------------
# Errors: nothing half-read is returned
# --------------------------------------------------------------------------


def _error(call) -> RefiError:
    with pytest.raises(RefiError) as caught:
        call()
    return caught.value


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
