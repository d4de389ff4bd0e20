"""The pure REFI-QDA package: reading what each tool writes (tool imitations)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from coding.importing.normalise import normalise_text
from interop.refi import (
    OffsetUnit,
    RefiCase,
    RefiCoding,
    RefiNote,
    RefiUser,
    VariableType,
    canonical_guid,
    iter_codes,
    read_qdc,
    read_qdpx,
    write_qdc,
    write_qdpx,
)
from tests.interop.refi_helpers import (
    assert_valid,
    code_tree,
    english_messages,  # noqa: F401 (autouse)
    fixture,
    make_zip,
    passages,
    qde_member,
    schema,
    warning_codes,
)

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
