"""Tests for the pure import layer ``coding.importing`` (no database needed).

Fixture files live in ``tests/fixtures/import/`` and are (re)created by
``make_fixtures.py`` there; the expected texts below are written out in full so
that a change in extraction or normalisation shows up as a failing assertion.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
import re
import struct
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from coding.importing import (
    SUPPORTED_EXTENSIONS,
    UPLOAD_EXTENSIONS,
    ImportBatchError,
    ImportFileError,
    ParsedDocument,
    ParsedTurn,
    decode_text,
    detect_turns,
    expand_upload,
    normalise_text,
    parse_file,
    parse_upload_batch,
)

# The layer only needs Django for lazy translations.  When the tests run
# without pytest-django (``-p no:django``), give Django minimal settings so the
# messages can be rendered; with real project settings, leave them alone.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Assert against the English source messages even where Dutch is the default."""
    with translation.override("en"):
        yield


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
MB = 1024 * 1024


def fixture(name: str) -> bytes:
    """Bytes of one fixture file."""
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str) -> ParsedDocument:
    """Parse one fixture file under its own name."""
    return parse_file(name, fixture(name))


def spans(document: ParsedDocument) -> list[str]:
    """The text of every turn, for readable assertions."""
    return [document.text[turn.start : turn.end] for turn in document.turns]


def speakers(turns: list[ParsedTurn]) -> list[str]:
    """Speaker names in order."""
    return [turn.speaker for turn in turns]


def assert_turns_well_formed(text: str, turns: list[ParsedTurn]) -> None:
    """Turns are ordered, disjoint, inside the text and trimmed."""
    previous_end = 0
    for turn in turns:
        assert previous_end <= turn.start < turn.end <= len(text)
        body = text[turn.start : turn.end]
        assert body == body.strip()
        previous_end = turn.end


def load_fixture_generator() -> ModuleType:
    """Import ``make_fixtures.py`` by path (the fixtures folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", FIXTURES / "make_fixtures.py"
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


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A small in-memory ZIP archive."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return output.getvalue()


def patch_zip_headers(data: bytes, *, flag: int = 0, size: int | None = None) -> bytes:
    """Set header bits / declared sizes in every local and central header.

    Used to fake a password-protected archive (flag bit 0) and an archive that
    lies about its uncompressed size (a zip bomb trick).
    """
    patched = bytearray(data)
    position = 0
    while (position := patched.find(b"PK\x03\x04", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 6)
        struct.pack_into("<H", patched, position + 6, flags | flag)
        if size is not None:
            struct.pack_into("<I", patched, position + 22, size)
        position += 4
    position = 0
    while (position := patched.find(b"PK\x01\x02", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 8)
        struct.pack_into("<H", patched, position + 8, flags | flag)
        if size is not None:
            struct.pack_into("<I", patched, position + 24, size)
        position += 4
    return bytes(patched)


# A transcript with four reliable turns, used to test false positives: every
# extra line is inserted inside the respondent's first answer.
TRANSCRIPT = (
    "Interviewer: Hoe begon uw dag?\n"
    "Respondent: Vroeg.\n"
    "{line}\n"
    "Daarna ging ik naar kantoor.\n"
    "Interviewer: En toen?\n"
    "Respondent: Toen kwam de vergadering.\n"
)


# --------------------------------------------------------------------------
# normalise_text
# --------------------------------------------------------------------------


def test_normalise_composes_decomposed_accents_to_nfc() -> None:
    """A decomposed "e\\u0301" becomes the single code point "é" (NFC)."""
    assert normalise_text("Cafe\u0301 en ideee\u0308n") == "Café en ideeën"
    assert len(normalise_text("e\u0301")) == 1


def test_normalise_turns_crlf_and_lone_cr_into_lf() -> None:
    """Windows and old-Mac line endings both become ``\\n``."""
    assert normalise_text("a\r\nb\rc\n\r\nd") == "a\nb\nc\n\nd"


def test_normalise_maps_unicode_line_separators_to_lf() -> None:
    """NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR also become ``\\n``."""
    assert normalise_text("a\x85b\u2028c\u2029d") == "a\nb\nc\nd"


def test_normalise_strips_bom_and_control_characters_but_keeps_tabs() -> None:
    """A leading BOM, NUL and other C0 controls go; tabs and newlines stay."""
    raw = "\ufeffI:\tHallo\x00 daar\x07\x1b\x7f\nR:\tDag\x0c"
    assert normalise_text(raw) == "I:\tHallo daar\nR:\tDag"


def test_normalise_strips_trailing_whitespace_only_at_document_end() -> None:
    """Leading indentation and spaces at line ends inside the text survive."""
    raw = "  Interviewer: ja   \n\tRespondent: nee \n\n \t\n"
    assert normalise_text(raw) == "  Interviewer: ja   \n\tRespondent: nee"


def test_normalise_keeps_astral_characters_as_single_code_points() -> None:
    """Emoji and mathematical letters are one code point each in Python."""
    text = normalise_text("👍𝔘é")
    assert text == "👍𝔘é"
    assert len(text) == 3


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("aeE \t\n\r\x00\x01\x1f\x7f\ufeff\u0301\u0308\u00e9\x85\u2028👍:")
        ),
        max_size=40,
    )
)
def test_normalise_is_idempotent_and_clean(raw: str) -> None:
    """Normalising twice changes nothing, and the result has no CR/controls."""
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\r" not in once
    assert not once.startswith("\ufeff")
    assert once == once.rstrip()
    assert unicodedata.is_normalized("NFC", once)
    assert all(char in "\t\n" or ord(char) >= 0x20 for char in once)


# --------------------------------------------------------------------------
# decode_text
# --------------------------------------------------------------------------


def test_decode_utf8_with_and_without_bom() -> None:
    """UTF-8 decodes the same with or without a byte-order mark."""
    text = "Eén coördinator, ’t is “prima” €"
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_decode_utf16_with_bom(bom: bytes, encoding: str) -> None:
    """UTF-16 with a BOM, little or big endian, including astral characters."""
    text = "Respondent: één ideeën 👍"
    assert decode_text(bom + text.encode(encoding)) == text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_decode_utf16_without_bom(encoding: str) -> None:
    """BOM-less UTF-16 is recognised from the position of its NUL bytes."""
    text = "Interviewer: Hoe gaat het met de coöperatie?\nRespondent: Goed."
    assert decode_text(text.encode(encoding)) == text


def test_decode_windows_1252_dutch_text() -> None:
    """Windows-1252 bytes (invalid UTF-8) decode with accents and smart quotes."""
    text = "Eén ding: de ‘koffie’ was “prima”, ideeën genoeg — naïef … €2"
    assert decode_text(text.encode("cp1252")) == text


def test_decode_prefers_cp1252_for_short_ambiguous_text() -> None:
    """Short texts are ambiguous between code pages; cp1252 wins those."""
    for text in ["café", "Zo’n", "–", "naïef"]:
        assert decode_text(text.encode("cp1252")) == text


def test_decode_recognises_mac_roman_when_it_clearly_reads_better() -> None:
    """A Mac Roman file is not forced into cp1252 when that gives gibberish."""
    text = (
        "Respondent: De reünie was leuk, ideeën genoeg. Eén collega vond het "
        "naïef, maar de coördinator was enthousiast over het café."
    )
    assert decode_text(text.encode("mac_roman")) == text


def test_decode_repairs_stray_cp1252_bytes_in_utf8_text() -> None:
    """Mostly-UTF-8 text with a pasted cp1252 fragment keeps every accent."""
    data = (
        "Eén coördinator zei: ".encode()
        + "‘prima’ café".encode("cp1252")
        + " en ideeën.".encode()
    )
    assert decode_text(data) == "Eén coördinator zei: ‘prima’ café en ideeën."


def test_decode_broken_utf16_with_bom_is_undecodable() -> None:
    """A BOM promising UTF-16 with an odd byte count cannot be decoded."""
    with pytest.raises(ImportFileError) as caught:
        decode_text(b"\xff\xfeI\x00:\x00 ")
    assert str(caught.value) == (
        "the text encoding could not be recognised; save the file as UTF-8 text "
        "and try again."
    )


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n" + bytes(32),
        b"PK\x03\x04" + bytes(40),
        b"\x01\x02\x03\x04\x05\x06\x07\x08abc" * 10,
    ],
    ids=["all-bytes", "pdf", "png", "zip", "controls"],
)
def test_decode_rejects_binary_data(data: bytes) -> None:
    """Clearly binary bytes raise ImportFileError instead of becoming garbage."""
    with pytest.raises(ImportFileError, match="does not contain plain text"):
        decode_text(data, "verkeerd.txt")


# --------------------------------------------------------------------------
# detect_turns
# --------------------------------------------------------------------------


def test_detect_turns_offsets_start_at_label_and_exclude_trailing_newlines() -> None:
    """A turn runs from its label to the end of its last paragraph."""
    text = "Interviewer: Hoe gaat het?\n\nRespondent: Goed.\nEcht goed.\n\n\nI: Mooi."
    turns = detect_turns(text)
    assert speakers(turns) == ["Interviewer", "Respondent", "I"]
    assert [text[t.start : t.end] for t in turns] == [
        "Interviewer: Hoe gaat het?",
        "Respondent: Goed.\nEcht goed.",
        "I: Mooi.",
    ]
    assert turns[1] == ParsedTurn("Respondent", 28, 56)


def test_detect_turns_text_before_first_label_belongs_to_no_turn() -> None:
    """A title or header above the first label is not part of any turn."""
    text = "Interview 7\nLocatie: Utrecht\n\nI: Welkom.\nR: Dank u."
    turns = detect_turns(text)
    assert speakers(turns) == ["I", "R"]
    assert turns[0].start == text.index("I: Welkom.")


def test_detect_turns_without_labels_returns_no_turns() -> None:
    """Plain prose has no turns at all."""
    assert detect_turns("Dit is gewoon een verslag.\nZonder sprekers.") == []
    assert detect_turns("") == []


def test_detect_turns_label_alone_on_its_line() -> None:
    """A label may stand alone, with the speech on the following lines."""
    text = "Interviewer:\nHoe gaat het?\nRespondent:\nGoed."
    turns = detect_turns(text)
    assert [text[t.start : t.end] for t in turns] == [
        "Interviewer:\nHoe gaat het?",
        "Respondent:\nGoed.",
    ]


@pytest.mark.parametrize(
    ("line", "milliseconds"),
    [
        ("[00:01:02] Naam: hallo", 62_000),
        ("(00:01:02) Naam: hallo", 62_000),
        ("00:01:02 Naam: hallo", 62_000),
        ("[01:02] Naam: hallo", 62_000),
        ("[00:01:02.500] Naam: hallo", 62_500),
        ("[1:02:03,25] Naam: hallo", 3_723_250),
        ("00:01:02 - Naam: hallo", 62_000),
        ("Naam [00:01:02]: hallo", 62_000),
        ("**[00:01:02] Naam:** hallo", 62_000),
    ],
)
def test_detect_turns_reads_timestamps(line: str, milliseconds: int) -> None:
    """Timestamps before (or bracketed after) the label give started_at_ms."""
    text = f"Kop\n{line}\nnog een regel"
    (turn,) = detect_turns(text)
    assert turn.speaker == "Naam"
    assert turn.started_at_ms == milliseconds
    assert turn.ended_at_ms is None
    assert text[turn.start : turn.end] == f"{line}\nnog een regel"


def test_detect_turns_rejects_impossible_timestamps() -> None:
    """``[00:75]`` is not a time, so the line is no label line either."""
    assert detect_turns("Intro\n[00:75] Naam: hallo\nmeer") == []


@pytest.mark.parametrize(
    ("label", "speaker"),
    [
        ("Stafmedewerker diversiteit:", "Stafmedewerker diversiteit"),
        ("J@M:", "J@M"),
        ("Respondent 2:", "Respondent 2"),
        ("Dr. Jansen:", "Dr. Jansen"),
        ("Mw. de Vries-Bakker:", "Mw. de Vries-Bakker"),
        ("**Interviewer:**", "Interviewer"),
        ("**Interviewer**:", "Interviewer"),
        ("__R:__", "R"),
        ("  Interviewer  :", "Interviewer"),
        ("Zo’n Collega:", "Zo’n Collega"),
    ],
)
def test_detect_turns_accepts_name_like_labels(label: str, speaker: str) -> None:
    """Multi-word, @, digits, initials and Markdown-bold labels all work."""
    text = f"{label} Eerste antwoord.\nI: Vraag.\n{label} Tweede antwoord."
    turns = detect_turns(text)
    assert speakers(turns) == [speaker, "I", speaker]
    assert text[turns[0].start :].startswith(label.strip())


@pytest.mark.parametrize(
    "line",
    [
        "We spraken af om 10:30 uur.",
        "10:30: koffie",
        "https://example.nl/rapport",
        "Zie http://example.nl: daar staat het",
        "Het rapport zegt het volgende: Opmerking: niets.",
        "Opmerking: de respondent lacht.",
        "Datum: 12 maart 2024",
        "Hij zei: dat gaat niet.",
        "Ik had één doel: overleven.",
        "Toen zei mijn leidinggevende het volgende:",
        "Het punt is, zei ze: nee.",
        "Dat klopt. Maar: waarom?",
        "1: eerste punt",
        "Interviewer:zonder spatie",
        "- Anna: in een lijstje",
        "Wat denk je? Ik: nee.",
    ],
)
def test_detect_turns_false_positives_stay_inside_the_turn(line: str) -> None:
    """Times, URLs, notes and sentences with a colon never start a turn."""
    text = TRANSCRIPT.format(line=line)
    turns = detect_turns(text)
    assert speakers(turns) == ["Interviewer", "Respondent", "Interviewer", "Respondent"]
    first_answer = text[turns[1].start : turns[1].end]
    assert first_answer == f"Respondent: Vroeg.\n{line}\nDaarna ging ik naar kantoor."


def test_detect_turns_single_use_label_in_short_dialogue_is_accepted() -> None:
    """In a short exchange, a label used once still starts a turn."""
    text = "Anna: Hoi!\nBert: Hallo.\nAnna: Hoe is het?\nCor: Prima hier."
    assert speakers(detect_turns(text)) == ["Anna", "Bert", "Anna", "Cor"]


def test_detect_turns_single_candidate_in_prose_is_not_a_turn() -> None:
    """One colon sentence in prose does not turn the document into a dialogue."""
    text = "We liepen naar buiten.\nZe zei: kom maar mee.\nDat deden we."
    assert detect_turns(text) == []


def test_detect_turns_rare_speaker_with_role_name_is_kept_in_long_transcript() -> None:
    """Role-like labels (Respondent 2, R1, …) count even if they occur once."""
    text = TRANSCRIPT.format(line="Respondent 2: Mag ik iets zeggen?")
    assert speakers(detect_turns(text)) == [
        "Interviewer",
        "Respondent",
        "Respondent 2",
        "Interviewer",
        "Respondent",
    ]


def test_detect_turns_recurring_lowercase_label_is_a_speaker() -> None:
    """A label used consistently is a speaker even when written in lower case."""
    text = "interviewer: vraag\nrespondent: antwoord\ninterviewer: nog een"
    assert speakers(detect_turns(text)) == ["interviewer", "respondent", "interviewer"]


_LINE = st.sampled_from(
    [
        "Interviewer: Hoe gaat het?",
        "R: Goed.",
        "[00:01:02] Anna: Ja.",
        "**Interviewer:** Nou",
        "gewone tekst",
        "om 10:30 uur",
        "Hij zei: ja",
        "",
        "   ",
        "\tingesprongen",
        "https://x.nl",
    ]
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=12))
def test_detect_turns_invariants(lines: list[str]) -> None:
    """Turns are ordered, disjoint, trimmed, and start on a line start."""
    text = normalise_text("\n".join(lines))
    turns = detect_turns(text)
    assert_turns_well_formed(text, turns)
    for turn in turns:
        line_start = text.rfind("\n", 0, turn.start) + 1
        assert text[line_start : turn.start].strip() == ""
        assert turn.speaker
        assert turn.speaker == turn.speaker.strip()
        assert "*" not in turn.speaker


# --------------------------------------------------------------------------
# parse_file: plain text and encodings
# --------------------------------------------------------------------------


def test_parse_txt_utf8_with_header_timestamps_and_false_positives() -> None:
    """The header is outside turns; timestamps, times and URLs behave."""
    document = parse_fixture("interview_utf8.txt")
    assert document.text == (
        "Interview 3 — locatie Utrecht\n"
        "Datum: 12 maart 2024\n\n"
        "[00:01:02] Interviewer: Goedemorgen. Hoe gaat het met u?\n\n"
        "[00:01:10] Respondent: Goed, dank u. We begonnen om 10:30 uur.\n"
        "Zie https://example.nl/rapport voor het verslag.\n\n"
        "Dat was het eigenlijk.\n\n"
        "[00:02:03.500] Interviewer: Kunt u dat toelichten?"
    )
    assert speakers(document.turns) == ["Interviewer", "Respondent", "Interviewer"]
    assert [t.started_at_ms for t in document.turns] == [62_000, 70_000, 123_500]
    assert spans(document)[1] == (
        "[00:01:10] Respondent: Goed, dank u. We begonnen om 10:30 uur.\n"
        "Zie https://example.nl/rapport voor het verslag.\n\n"
        "Dat was het eigenlijk."
    )
    assert document.turns[0].start == document.text.index("[00:01:02]")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "interview_utf8_bom.txt",
            "I: Hallo, welkom.\nR: Dank je, fijn om hier te zijn.",
        ),
        (
            "interview_utf16le.txt",
            "Interviewer: Wat is uw functie?\n"
            "Respondent: Ik ben coördinator, één van twee.",
        ),
        (
            "interview_cp1252.txt",
            "Interviewer: Wat vond u van het café?\n"
            "Respondent: Eén ding: de ‘koffie’ was “prima” en kostte €2 … "
            "ideeën genoeg, naïef misschien.",
        ),
    ],
)
def test_parse_txt_encodings(name: str, text: str) -> None:
    """UTF-8 with BOM, UTF-16 LE with BOM and Windows-1252 give the same text."""
    document = parse_fixture(name)
    assert document.text == text
    assert len(document.turns) == 2
    assert spans(document) == text.split("\n")


def test_parse_txt_crlf_and_tabs_offsets_count_normalised_text() -> None:
    """CRLF becomes LF before offsets are counted; tabs are kept."""
    document = parse_fixture("interview_crlf_tabs.txt")
    assert (
        document.text
        == "I:\tEerste vraag.\nR:\tAntwoord\tmet tab.\n\nI:\tTweede vraag."
    )
    assert [(t.speaker, t.start, t.end) for t in document.turns] == [
        ("I", 0, 16),
        ("R", 17, 37),
        ("I", 39, 55),
    ]
    assert spans(document)[2] == "I:\tTweede vraag."


def test_parse_txt_astral_characters_count_as_one_code_point() -> None:
    """👍 and 𝔘 are one offset each; decomposed accents are composed first."""
    document = parse_fixture("interview_astral.txt")
    assert document.text == (
        "Interviewer: Top 👍 en 𝔘 erbij.\nRespondent: Café en ideeën, prima."
    )
    first, second = document.turns
    assert (first.start, first.end) == (0, 30)
    assert second.start == 31
    assert document.text[17] == "👍"
    assert document.text[22] == "𝔘"
    assert spans(document)[1] == "Respondent: Café en ideeën, prima."


def test_parse_markdown_keeps_text_and_reads_bold_labels() -> None:
    """Markdown is not rendered, but **Interviewer:** is a speaker label."""
    document = parse_fixture("interview.md")
    assert document.format == "md"
    assert document.text == (
        "# Interview 4\n\n"
        "**Interviewer:** Hoe was de eerste dag?\n\n"
        "**Respondent:** *Spannend*, maar leuk.\nIk kende nog niemand.\n\n"
        "**Interviewer**: En daarna?"
    )
    assert speakers(document.turns) == ["Interviewer", "Respondent", "Interviewer"]
    assert spans(document) == [
        "**Interviewer:** Hoe was de eerste dag?",
        "**Respondent:** *Spannend*, maar leuk.\nIk kende nog niemand.",
        "**Interviewer**: En daarna?",
    ]


# --------------------------------------------------------------------------
# parse_file: office documents, PDF, RTF
# --------------------------------------------------------------------------


def test_parse_docx_paragraphs_breaks_tabs_and_table_cells() -> None:
    """Body order, blank paragraph kept, soft break → newline, cells row by row."""
    document = parse_fixture("interview.docx")
    assert document.format == "docx"
    assert document.text == (
        "Interview 5\n\n"
        "Interviewer: Hoe gaat het?\n"
        "Respondent: Goed.\nZachte regelafbreking,\tcafé.\n"
        "Respondent: In een tabel.\nTweede cel.\n"
        "Interviewer: Tot slot."
    )
    assert spans(document) == [
        "Interviewer: Hoe gaat het?",
        "Respondent: Goed.\nZachte regelafbreking,\tcafé.",
        "Respondent: In een tabel.\nTweede cel.",
        "Interviewer: Tot slot.",
    ]


def test_parse_odt_headings_spaces_tabs_and_line_breaks() -> None:
    """text:h and text:p in order; text:s, text:tab, text:line-break honoured."""
    document = parse_fixture("interview.odt")
    assert document.format == "odt"
    assert document.text == (
        "Interview 6\n"
        "Interviewer:\tHoe  gaat het?\n"
        "Respondent: Goed,\ndank u. Eén ding."
    )
    assert speakers(document.turns) == ["Interviewer", "Respondent"]
    assert spans(document)[1] == "Respondent: Goed,\ndank u. Eén ding."


def test_parse_pdf_text_layer_with_page_break_as_blank_line() -> None:
    """Every page's text, WinAnsi accents intact, pages separated by a blank line."""
    document = parse_fixture("interview.pdf")
    assert document.text == (
        "Interviewer: Hoe gaat het met u?\n"
        "Respondent: Goed, dank u. Het café was leuk.\n\n"
        "Interviewer: En de reünie?"
    )
    assert speakers(document.turns) == ["Interviewer", "Respondent", "Interviewer"]


def test_parse_scanned_pdf_explains_ocr() -> None:
    """A PDF without a text layer gets the 'run OCR first' message."""
    with pytest.raises(ImportFileError) as caught:
        parse_fixture("scan.pdf")
    assert str(caught.value) == (
        "scan.pdf: this PDF has no text layer (a scan?) — run OCR first or import "
        "a text version."
    )


def _encrypted_pdf(user_password: str, algorithm: str = "RC4-128") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fixture("interview.pdf"))))
    writer.encrypt(
        user_password=user_password, owner_password="eigenaar", algorithm=algorithm
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_parse_password_protected_pdf_gives_clear_error(algorithm: str) -> None:
    """A PDF that needs a password to open is refused with that reason."""
    with pytest.raises(ImportFileError, match="protected with a password"):
        parse_file("geheim.pdf", _encrypted_pdf("geheim", algorithm))


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_parse_pdf_with_only_an_owner_password_opens(algorithm: str) -> None:
    """Copy/print restrictions alone (empty user password) do not block import,
    whatever the cipher (AES needs the 'cryptography' package, which we pin)."""
    document = parse_file("beperkt.pdf", _encrypted_pdf("", algorithm))
    assert document.text.startswith("Interviewer: Hoe gaat het met u?")


def test_parse_invalid_pdf() -> None:
    """Something named .pdf that is not a PDF is reported as such."""
    with pytest.raises(ImportFileError, match="not a valid PDF"):
        parse_file("kapot.pdf", b"dit is geen pdf")


def test_parse_rtf_hex_and_unicode_escapes() -> None:
    """\\'e9 (cp1252), \\u8220? quotes and a \\u surrogate pair (👍) survive."""
    document = parse_fixture("interview.rtf")
    assert document.text == (
        "Interviewer: Wat vond u van het café?\n"
        "Respondent: De reünie was “spannend”, ideeën genoeg 👍 en één vraag."
    )
    assert speakers(document.turns) == ["Interviewer", "Respondent"]


def test_parse_invalid_rtf() -> None:
    """An .rtf without the RTF header is refused."""
    with pytest.raises(ImportFileError, match="not a valid RTF"):
        parse_file("kapot.rtf", b"gewoon tekst")


def test_parse_corrupt_docx() -> None:
    """Random bytes named .docx give the 'not a valid Word document' reason."""
    with pytest.raises(ImportFileError) as caught:
        parse_fixture("corrupt.docx")
    assert str(caught.value) == "corrupt.docx: the file is not a valid Word document."
    assert caught.value.filename == "corrupt.docx"


def test_parse_docx_that_is_really_an_old_doc_file() -> None:
    """An OLE container (old .doc or encrypted docx) gets a specific hint."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(ImportFileError, match=r"old-style \(\.doc\)"):
        parse_file("oud.docx", data)


def test_parse_corrupt_odt() -> None:
    """A ZIP without ODF content is not a valid OpenDocument text document."""
    data = make_zip([("iets.txt", b"hallo")])
    with pytest.raises(ImportFileError, match="not a valid OpenDocument"):
        parse_file("kapot.odt", data)


# --------------------------------------------------------------------------
# parse_file: subtitles
# --------------------------------------------------------------------------


def test_parse_vtt_voice_tags_merge_and_timestamps() -> None:
    """<v> tags name speakers, same-speaker cues merge, times stay on turns."""
    document = parse_fixture("interview.vtt")
    assert document.text == (
        "Interviewer: Goedemorgen, hoe gaat het? Fijn dat u er bent.\n\n"
        "Respondent 1: Goed hoor, dank u & tot straks.\n\n"
        "Zonder spreker."
    )
    assert [(t.speaker, t.started_at_ms, t.ended_at_ms) for t in document.turns] == [
        ("Interviewer", 1_000, 6_000),
        ("Respondent 1", 6_500, 9_250),
        ("", 10_000, 12_000),
    ]
    assert spans(document) == document.text.split("\n\n")


def test_parse_srt_name_prefixes_and_timestamps() -> None:
    """A leading ``Naam:`` names the speaker; tags like <i> are removed."""
    document = parse_fixture("interview.srt")
    assert document.text == (
        "Anna: Hallo, ik ben Anna. Ik woon in Utrecht.\n\nInterviewer: Dank u wel."
    )
    assert [
        (t.speaker, t.start, t.end, t.started_at_ms, t.ended_at_ms)
        for t in document.turns
    ] == [("Anna", 0, 45, 1_000, 5_000), ("Interviewer", 47, 71, 62_000, 64_500)]


def test_parse_vtt_several_voices_in_one_cue_and_prefix_speakers() -> None:
    """Two voices in one cue split into two turns; ``Naam:`` works in VTT too."""
    data = (
        b"WEBVTT\n\n"
        b"00:00:01.000 --> 00:00:02.000\n<v Anna>Ja.</v>\n<v Bert>Nee.</v>\n\n"
        b"00:00:03.000 --> 00:00:04.000\nBert: Toch wel.\n"
    )
    document = parse_file("twee.vtt", data)
    assert document.text == "Anna: Ja.\n\nBert: Nee. Toch wel."
    assert [(t.speaker, t.started_at_ms, t.ended_at_ms) for t in document.turns] == [
        ("Anna", 1_000, 2_000),
        ("Bert", 1_000, 4_000),
    ]


def test_parse_srt_crlf_without_indices_and_speakerless_cues() -> None:
    """CRLF, missing cue numbers and cues without speaker are handled."""
    data = (
        "\ufeff00:00:01,000 --> 00:00:02,000\r\nEerste regel\r\ntweede regel\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\nNog een zin.\r\n"
    ).encode()
    document = parse_file("los.srt", data)
    assert document.text == "Eerste regel tweede regel\n\nNog een zin."
    assert [(t.speaker, t.started_at_ms) for t in document.turns] == [
        ("", 1_000),
        ("", 3_000),
    ]


def test_parse_invalid_subtitles() -> None:
    """Files without WEBVTT header or SRT timings are refused."""
    with pytest.raises(ImportFileError, match="not a valid WebVTT"):
        parse_file("kapot.vtt", b"geen ondertitels")
    with pytest.raises(ImportFileError, match="not a valid SRT"):
        parse_file("kapot.srt", b"geen ondertitels")


# --------------------------------------------------------------------------
# parse_file: shared behaviour and errors
# --------------------------------------------------------------------------

GOOD_FIXTURES = [
    "interview_utf8.txt",
    "interview_utf8_bom.txt",
    "interview_utf16le.txt",
    "interview_cp1252.txt",
    "interview_crlf_tabs.txt",
    "interview_astral.txt",
    "interview.md",
    "interview.docx",
    "interview.odt",
    "interview.pdf",
    "interview.rtf",
    "interview.vtt",
    "interview.srt",
]


@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_every_format_yields_normalised_text_and_well_formed_turns(name: str) -> None:
    """Stored text is already normalised and every turn starts with its label."""
    document = parse_fixture(name)
    assert normalise_text(document.text) == document.text
    assert document.turns
    assert_turns_well_formed(document.text, document.turns)
    for turn, body in zip(document.turns, spans(document), strict=True):
        if not turn.speaker:
            continue  # subtitle cue without speaker: no label to find
        label = re.sub(r"^\[[\d:.,]+\]\s*", "", body).split(":", 1)[0]
        assert label.strip("*_ ") == turn.speaker


def test_parse_file_metadata() -> None:
    """Title, format, source name, checksum and word count are filled in."""
    data = "Interviewer: Eén, twee… drie!\nR: Zo’n 4 woorden".encode()
    document = parse_file("Gesprek Anna.TXT", data)
    assert document.title == "Gesprek Anna"
    assert document.format == "txt"
    assert document.source_name == "Gesprek Anna.TXT"
    assert len(document.checksum) == 64
    assert document.checksum == hashlib.sha256(data).hexdigest()
    # \w+ tokens: Interviewer Eén twee drie R Zo n 4 woorden
    assert document.word_count == 9


def test_unsupported_extension_names_the_supported_ones() -> None:
    """An .exe is refused with the list of supported extensions."""
    with pytest.raises(ImportFileError) as caught:
        parse_fixture("programma.exe")
    message = str(caught.value)
    assert message.startswith("programma.exe: files of type .exe cannot be imported")
    for extension in UPLOAD_EXTENSIONS:
        assert extension in message


def test_old_doc_and_extensionless_names_get_specific_reasons() -> None:
    """.doc gets a 'save as .docx' hint; no extension says so."""
    with pytest.raises(ImportFileError, match="save the file as .docx"):
        parse_file("oud.doc", b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match="no extension"):
        parse_file("README", b"tekst")


def test_zip_is_not_parsed_as_one_document() -> None:
    """parse_file refuses archives; expand_upload handles those."""
    with pytest.raises(ImportFileError, match="ZIP archive"):
        parse_file("map.zip", fixture("interviews.zip"))


def test_empty_and_blank_files() -> None:
    """Zero bytes is 'empty'; only whitespace is 'contains no text'."""
    with pytest.raises(ImportFileError, match="the file is empty"):
        parse_file("leeg.txt", b"")
    with pytest.raises(ImportFileError, match="contains no text"):
        parse_file("spaties.txt", b" \r\n\t\n")


def test_file_too_large() -> None:
    """The size limit passed in is enforced and named in the message."""
    with pytest.raises(ImportFileError) as caught:
        parse_file("groot.txt", b"a" * (2 * MB + 1), max_bytes=2 * MB)
    assert (
        str(caught.value) == "groot.txt: the file is larger than the maximum of 2.0 MB."
    )


def test_binary_file_with_text_extension() -> None:
    """A PDF renamed to .txt is not imported as garbage."""
    with pytest.raises(ImportFileError, match="does not contain plain text"):
        parse_file("stiekem.txt", fixture("interview.pdf"))


def test_import_file_error_is_a_value_error_and_pickles() -> None:
    """Errors carry filename and reason and survive pickling (task queues)."""
    error = ImportFileError("a.txt", "the file is empty.")
    assert isinstance(error, ValueError)
    assert str(error) == "a.txt: the file is empty."
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.filename, copy.reason, str(copy)) == (
        "a.txt",
        "the file is empty.",
        "a.txt: the file is empty.",
    )


def test_supported_extensions_constant() -> None:
    """The documented list of document types, zip handled separately."""
    assert SUPPORTED_EXTENSIONS == (
        ".txt",
        ".md",
        ".docx",
        ".odt",
        ".pdf",
        ".rtf",
        ".vtt",
        ".srt",
    )
    assert (*SUPPORTED_EXTENSIONS, ".zip") == UPLOAD_EXTENSIONS


# --------------------------------------------------------------------------
# expand_upload
# --------------------------------------------------------------------------


def test_expand_zip_fixture_skips_junk_and_flattens_names() -> None:
    """Directories, __MACOSX/ and dotfiles are skipped; names lose their folder."""
    members = expand_upload("interviews.zip", fixture("interviews.zip"))
    assert [name for name, _data in members] == [
        "interview_utf8.txt",
        "interview.docx",
        "interview.srt",
    ]
    assert dict(members)["interview.docx"] == fixture("interview.docx")


def test_expand_non_zip_returns_the_file_itself() -> None:
    """Any other upload is passed through unchanged."""
    assert expand_upload("a.txt", b"hallo") == [("a.txt", b"hallo")]


def test_expand_zip_duplicate_base_names_keep_relative_paths() -> None:
    """Clashing base names keep their path; unsupported and junk files are skipped."""
    data = make_zip(
        [
            ("groep A/interview.txt", b"A"),
            ("groep B/Interview.TXT", b"B"),
            ("uniek.md", b"C"),
            ("foto.jpg", b"D"),
            ("Thumbs.db", b"E"),
            ("~$concept.docx", b"F"),
            ("genest.zip", b"G"),
        ]
    )
    assert expand_upload("map.zip", data) == [
        ("groep A/interview.txt", b"A"),
        ("groep B/Interview.TXT", b"B"),
        ("uniek.md", b"C"),
    ]


def test_expand_zip_exact_duplicate_paths_get_numbered() -> None:
    """A ZIP may contain the same path twice; both are kept, the second numbered."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("a.txt", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("a.txt", b"2")
    names = [name for name, _data in expand_upload("d.zip", output.getvalue())]
    assert names == ["a.txt", "a (2).txt"]


def test_expand_zip_normalises_macos_decomposed_names() -> None:
    """macOS stores names in NFD; they become NFC like the texts."""
    data = make_zip([(unicodedata.normalize("NFD", "reünie.txt"), b"x")])
    ((name, _data),) = expand_upload("mac.zip", data)
    assert name == "reünie.txt"
    assert unicodedata.is_normalized("NFC", name)


def test_expand_zip_member_count_limit() -> None:
    """More supported members than max_files is refused."""
    data = make_zip([(f"{index}.txt", b"x") for index in range(4)])
    with pytest.raises(ImportFileError, match="more than 3 files"):
        expand_upload("veel.zip", data, max_files=3)
    assert len(expand_upload("veel.zip", data, max_files=4)) == 4


def test_expand_zip_declared_size_limit() -> None:
    """The unpacked size declared by the archive is checked before unpacking."""
    data = make_zip([("groot.txt", b"a" * (2 * MB))])
    assert len(data) < 50_000  # highly compressible: a miniature zip bomb
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        expand_upload("bom.zip", data, max_total_bytes=1 * MB)


def test_expand_zip_that_lies_about_its_size_is_refused() -> None:
    """Declaring a tiny size for a big member does not get it past the limit."""
    data = patch_zip_headers(make_zip([("groot.txt", b"a" * (2 * MB))]), size=10)
    with pytest.raises(ImportFileError) as caught:
        expand_upload("leugen.zip", data, max_total_bytes=1 * MB)
    assert caught.value.filename == "leugen.zip"


def test_expand_zip_actual_size_limit_over_several_members() -> None:
    """The running total of unpacked bytes is enforced too."""
    data = make_zip([("a.txt", b"a" * 600_000), ("b.txt", b"b" * 600_000)])
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        expand_upload("twee.zip", data, max_total_bytes=1_000_000)


def test_expand_corrupt_empty_and_useless_zips() -> None:
    """Broken, empty, encrypted or useless archives get clear reasons."""
    with pytest.raises(ImportFileError, match="not a valid ZIP archive"):
        expand_upload("kapot.zip", b"PK\x03\x04 kapot")
    with pytest.raises(ImportFileError, match="the file is empty"):
        expand_upload("leeg.zip", b"")
    with pytest.raises(ImportFileError, match="no files that can be imported"):
        expand_upload(
            "fotos.zip", make_zip([("foto.jpg", b"x"), ("__MACOSX/a.txt", b"")])
        )
    encrypted = patch_zip_headers(make_zip([("a.txt", b"geheim")]), flag=0x1)
    with pytest.raises(ImportFileError, match="protected with a password"):
        expand_upload("geheim.zip", encrypted)


# --------------------------------------------------------------------------
# parse_upload_batch
# --------------------------------------------------------------------------


def test_batch_parses_zips_and_single_files_in_order() -> None:
    """A ZIP expands in place; every document is parsed."""
    documents = parse_upload_batch(
        [
            ("interviews.zip", fixture("interviews.zip")),
            ("interview.odt", fixture("interview.odt")),
        ],
        max_file_bytes=10 * MB,
    )
    assert [d.source_name for d in documents] == [
        "interview_utf8.txt",
        "interview.docx",
        "interview.srt",
        "interview.odt",
    ]
    assert [d.format for d in documents] == ["txt", "docx", "srt", "odt"]


def test_batch_failure_lists_every_bad_file() -> None:
    """One ImportBatchError names every failing file, so nothing gets written."""
    bad_zip = make_zip([("goed.txt", b"I: ja"), ("kapot.docx", b"rommel")])
    with pytest.raises(ImportBatchError) as caught:
        parse_upload_batch(
            [
                ("interview.md", fixture("interview.md")),
                ("corrupt.docx", fixture("corrupt.docx")),
                ("programma.exe", fixture("programma.exe")),
                ("scan.pdf", fixture("scan.pdf")),
                ("map.zip", bad_zip),
                ("groot.txt", b"x" * 2000),
            ],
            max_file_bytes=1000,
        )
    error = caught.value
    assert isinstance(error, ValueError)
    assert [e.filename for e in error.errors] == [
        "corrupt.docx",
        "programma.exe",
        "scan.pdf",
        "map.zip/kapot.docx",
        "groot.txt",
    ]
    message = str(error)
    assert message.splitlines()[0].startswith("these files could not be imported")
    for item in error.errors:
        assert f"- {item}" in message
    assert "interview.md" not in message


def test_batch_member_size_limit_applies_inside_archives() -> None:
    """max_file_bytes is checked for each archive member as well."""
    data = make_zip([("groot.txt", b"a" * 5000)])
    with pytest.raises(ImportBatchError) as caught:
        parse_upload_batch([("map.zip", data)], max_file_bytes=1000)
    (error,) = caught.value.errors
    assert error.filename == "map.zip/groot.txt"
    assert "larger than the maximum" in str(error.reason)


def test_batch_empty_is_an_error() -> None:
    """Uploading nothing is reported, not silently accepted."""
    with pytest.raises(ImportBatchError, match="no files were uploaded") as caught:
        parse_upload_batch([], max_file_bytes=MB)
    assert caught.value.errors == []


def test_batch_error_pickles() -> None:
    """ImportBatchError survives pickling with its per-file errors."""
    error = ImportBatchError([ImportFileError("a.txt", "the file is empty.")])
    copy = pickle.loads(pickle.dumps(error))
    assert [str(e) for e in copy.errors] == ["a.txt: the file is empty."]
    assert str(copy) == str(error)


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
