"""Normalising and decoding transcript text, and finding its speaker turns.

The expected texts are written out in full so that a change in normalisation or
turn detection shows up as a failing assertion.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from coding.importing import (
    ImportFileError,
    ParsedTurn,
    decode_text,
    detect_turns,
    normalise_text,
)
from tests.coding.importing.helpers import (
    TRANSCRIPT,
    assert_turns_well_formed,
    speakers,
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
