"""``parse_file`` on every supported format: plain text, Markdown, office documents,
PDF, RTF and subtitles, and the errors it gives.

Fixture files live in ``tests/fixtures/import/``; the expected texts are written
out in full so that a change in extraction shows up as a failing assertion.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import re

import pytest
from pypdf import PdfReader, PdfWriter

from coding.importing import (
    SUPPORTED_EXTENSIONS,
    UPLOAD_EXTENSIONS,
    ImportFileError,
    normalise_text,
    parse_file,
)
from tests.coding.importing.helpers import (
    MB,
    assert_turns_well_formed,
    fixture,
    make_zip,
    parse_fixture,
    spans,
    speakers,
)

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
