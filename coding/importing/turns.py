"""Speaker-turn detection on normalised transcript text.

This module only looks at text that has already been through
:func:`~coding.importing.normalise.normalise_text`; it knows nothing about file
formats.  It decides which lines start a speaker turn and where each turn ends,
and returns :class:`ParsedTurn` objects with code-point offsets into that text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["ParsedTurn", "detect_turns", "split_speaker_prefix"]


@dataclass(frozen=True)
class ParsedTurn:
    """One speaker turn: ``text[start:end]`` (end exclusive) in normalised text.

    The range starts at the label line (including a timestamp or Markdown
    markup in front of the name) and ends after the last non-blank character of
    the turn's last paragraph, so trailing blank lines belong to no turn.
    """

    speaker: str
    start: int
    end: int
    started_at_ms: int | None = None
    ended_at_ms: int | None = None


# A timestamp inside brackets may be m:ss or h:mm:ss; a bare one must have three
# parts so that "10:30 begon het" is never read as a timestamp.
_TS_BRACKETED = r"(?:\d{1,2}:)?\d{1,3}:\d{2}(?:[.,]\d{1,3})?"
_TS_BARE = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
_MARKUP = r"\*\*|__|\*|_"

_LABEL_LINE = re.compile(
    rf"""
    (?P<indent>[ \t]*)
    (?P<open_ts>{_MARKUP})?
    (?:
        (?P<ts>\[[ \t]*{_TS_BRACKETED}[ \t]*\]|\([ \t]*{_TS_BRACKETED}[ \t]*\)
            |{_TS_BARE})
        [ \t]*(?:[-–—|][ \t]*)?
    )?
    (?P<open>{_MARKUP})?
    (?P<label>[^\s:*_][^:\n]{{0,59}}?)
    (?:[ \t]*(?P<ts2>\[[ \t]*{_TS_BRACKETED}[ \t]*\]|\([ \t]*{_TS_BRACKETED}[ \t]*\)))?
    [ \t]*(?P<close>{_MARKUP})?
    [ \t]*:
    (?P<close2>{_MARKUP})?
    (?=[ \t]|\Z)
    """,
    re.VERBOSE,
)
_TIMESTAMP_PARTS = re.compile(
    r"(?:(?P<h>\d{1,2}):(?=\d{1,3}:))?(?P<m>\d{1,3}):(?P<s>\d{2})(?:[.,](?P<f>\d{1,3}))?"
)

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
# Singleton labels are only trusted in documents with at most this many turns
# from recurring or otherwise reliable labels (see detect_turns).
MAX_RELIABLE_TURNS_FOR_SINGLETONS = 3

_LABEL_PUNCTUATION = frozenset(" @&'’-./()#")
_ROLE_WORDS = frozenset(
    {
        "interviewer",
        "interviewster",
        "interviewee",
        "respondent",
        "respondente",
        "geïnterviewde",
        "geinterviewde",
        "deelnemer",
        "deelneemster",
        "participant",
        "spreker",
        "speaker",
        "moderator",
        "gespreksleider",
        "onderzoeker",
        "researcher",
        "facilitator",
        "observator",
        "observer",
        "tolk",
        "interpreter",
    }
)
# Words that introduce notes and metadata rather than speech ("Opmerking: …",
# "Datum: 3 mei"); they never start a turn.
_NOT_SPEAKERS = frozenset(
    {
        "opmerking",
        "opmerkingen",
        "noot",
        "notitie",
        "nb",
        "n.b",
        "ok",
        "oké",
        "tip",
        "vb",
        "let op",
        "ps",
        "p.s",
        "bijvoorbeeld",
        "bijv",
        "bv",
        "b.v",
        "zie",
        "datum",
        "tijd",
        "tijdstip",
        "locatie",
        "plaats",
        "duur",
        "onderwerp",
        "titel",
        "project",
        "bestand",
        "bron",
        "transcriptie",
        "transcript",
        "deelnemers",
        "aanwezig",
        "aanwezigen",
        "tel",
        "telefoon",
        "e-mail",
        "email",
        "website",
        "note",
        "notes",
        "date",
        "time",
        "location",
        "duration",
        "subject",
        "title",
        "file",
        "source",
        "e.g",
        "see",
        "http",
        "https",
        "mailto",
    }
)
_SHORT_CODE = re.compile(r"[A-Z]{1,3}\d{0,3}|[A-Z][a-z]?\d{1,3}")


@dataclass(frozen=True)
class _Label:
    """A syntactically valid label line, before the document-level rules."""

    line_start: int
    start: int
    speaker: str
    key: str
    started_at_ms: int | None
    strong: bool  # timestamp, Markdown emphasis or role-like name
    text_follows: bool
    label_end: int


def timestamp_to_ms(value: str) -> int | None:
    """Convert ``01:02``, ``00:01:02``, ``[00:01:02.500]`` … to milliseconds.

    Returns ``None`` when the value has out-of-range minutes or seconds.
    """
    match = _TIMESTAMP_PARTS.search(value)
    if match is None:
        return None
    hours = int(match["h"] or 0)
    minutes = int(match["m"])
    seconds = int(match["s"])
    if seconds >= 60 or (match["h"] is not None and minutes >= 60):
        return None
    millis = int((match["f"] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _clean_label(raw: str) -> str | None:
    """Return the speaker name if ``raw`` looks like a name, not like a sentence.

    A name has 1-4 words and at most 40 characters, starts with a letter, digit
    or ``@``, contains a letter, and consists of letters, digits, spaces and
    ``@ & ' ’ - . / ( ) #`` only.  A word containing a full stop may be at most
    five characters ("Dr.", "J.M.", "Prof."), which rules out sentence ends.
    """
    label = " ".join(raw.split())
    if not label or len(label) > MAX_LABEL_CHARS:
        return None
    words = label.split(" ")
    if len(words) > MAX_LABEL_WORDS:
        return None
    if not (label[0].isalnum() or label[0] == "@"):
        return None
    if not any(char.isalpha() for char in label):
        return None
    if any(not (char.isalnum() or char in _LABEL_PUNCTUATION) for char in label):
        return None
    if any("." in word and len(word) > 5 for word in words):
        return None
    if label.count("(") != label.count(")"):
        return None
    if label.casefold().rstrip(".") in _NOT_SPEAKERS:
        return None
    return label


def _is_role_like(speaker: str) -> bool:
    """Short codes ("I", "R", "IV", "R1", "P03") and role words are reliable."""
    if _SHORT_CODE.fullmatch(speaker):
        return True
    return speaker.split(" ")[0].casefold() in _ROLE_WORDS


def _match_label(line: str, line_start: int) -> _Label | None:
    """Recognise a label at the start of one line (no document-level rules)."""
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    speaker = _clean_label(match["label"])
    if speaker is None:
        return None
    started_at_ms: int | None = None
    timestamp = match["ts"] or match["ts2"]
    if timestamp is not None:
        started_at_ms = timestamp_to_ms(timestamp)
        if started_at_ms is None:
            return None
    opened = match["open"] is not None or match["open_ts"] is not None
    marked_up = opened and (match["close"] is not None or match["close2"] is not None)
    return _Label(
        line_start=line_start,
        start=line_start + len(match["indent"]),
        speaker=speaker,
        key=speaker.casefold(),
        started_at_ms=started_at_ms,
        strong=timestamp is not None or marked_up or _is_role_like(speaker),
        text_follows=bool(line[match.end() :].strip()),
        label_end=match.end(),
    )


def split_speaker_prefix(text: str) -> tuple[str, str] | None:
    """Split ``"Naam: tekst"`` into ``("Naam", "tekst")`` for subtitle cues.

    Uses the same per-line label rules as :func:`detect_turns` but none of the
    document-level ones, because every cue is judged on its own.
    """
    label = _match_label(text, 0)
    if label is None:
        return None
    return label.speaker, text[label.label_end :].strip()


def _iter_lines(text: str) -> list[tuple[int, str]]:
    """Return ``(offset, line)`` for every ``\\n``-separated line."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    return lines


def detect_turns(text: str) -> list[ParsedTurn]:
    """Find speaker turns in normalised text.

    The rule, in two steps:

    1. **Per line.**  A line is a label line when, after optional indentation,
       an optional timestamp (``[00:01:02]``, ``(00:01:02)``, ``[01:02]``,
       ``[00:01:02.500]`` or bare ``00:01:02``, optionally followed by a dash)
       and optional Markdown emphasis (``**Interviewer:**``,
       ``**Interviewer**:``), it has a name followed by ``:`` and then a space,
       a tab or the end of the line.  ``Naam [00:01:02]:`` is accepted too.
       The name must look like a name (see ``_clean_label``: at most 4 words and
       40 characters, no sentence punctuation) and must not be a note or
       metadata word such as ``Opmerking``, ``Datum`` or ``Zie``.  This already
       rejects ``om 10:30 uur``, ``https://…``, ``Opmerking: …`` in the middle of
       a line and long sentences that end in a colon.
    2. **Per document.**  A label is *reliable* when its name occurs on two or
       more label lines (compared case-insensitively), when it carries a
       timestamp or Markdown emphasis, or when it is role-like (``I``, ``R``,
       ``R1``, ``Interviewer``, ``Respondent 2``, ``Deelnemer Anna`` …).
       Reliable labels always start a turn.  A label that occurs only once and
       is not otherwise reliable ("Hij zei: …") only starts a turn in short
       documents — at most 3 reliable turns and at least 2 label lines in
       total — and then only if it starts with a capital, digit or ``@`` and is
       one word or has text after the colon.

    A turn runs from its label line until the next turn's label line, minus
    trailing whitespace; unlabeled paragraphs continue the previous turn and
    text before the first label belongs to no turn.  Timestamps give
    ``started_at_ms``; ``ended_at_ms`` stays ``None`` for plain text.
    """
    labels = [
        label
        for offset, line in _iter_lines(text)
        if (label := _match_label(line, offset)) is not None
    ]
    return _turns_between(text, _accepted_labels(labels))


def _accepted_labels(labels: list[_Label]) -> list[_Label]:
    """The labels that start a turn (step 2 of ``detect_turns``)."""
    counts = Counter(label.key for label in labels)

    def is_reliable(label: _Label) -> bool:
        return label.strong or counts[label.key] > 1

    def is_plausible_singleton(label: _Label) -> bool:
        return not label.speaker[0].islower() and (
            " " not in label.speaker or label.text_follows
        )

    accepted = [label for label in labels if is_reliable(label)]
    if len(accepted) <= MAX_RELIABLE_TURNS_FOR_SINGLETONS and len(labels) >= 2:
        accepted = [
            label
            for label in labels
            if is_reliable(label) or is_plausible_singleton(label)
        ]
    return accepted


def _turns_between(text: str, accepted: list[_Label]) -> list[ParsedTurn]:
    """A turn runs from its label line to the next one, minus trailing whitespace."""
    turns: list[ParsedTurn] = []
    for index, label in enumerate(accepted):
        limit = accepted[index + 1].line_start if index + 1 < len(accepted) else None
        body = text[label.start : limit]
        turns.append(
            ParsedTurn(
                speaker=label.speaker,
                start=label.start,
                end=label.start + len(body.rstrip()),
                started_at_ms=label.started_at_ms,
            )
        )
    return turns
