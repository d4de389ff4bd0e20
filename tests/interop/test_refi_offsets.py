"""The pure REFI-QDA package: offset-unit detection."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from interop.refi import (
    OffsetUnit,
    read_qdpx,
)
from interop.refi.read import _TextMap, _Units
from tests.interop.refi_helpers import (
    _RAW_ALPHABET,
    CODE_A,
    _breaks,
    _breaks_and_controls,
    english_messages,  # noqa: F401 (autouse)
    guid,
    make_zip,
    passages,
    simple_project,
    warning_codes,
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
