"""Finding personal data in a transcript: a pure package (no ORM, no Django models).

``detect(text, ...)`` returns the spans a researcher is asked to review: names,
streets, places and organisations from ``deduce`` (Dutch only), and e-mail
addresses, phone numbers, postcodes and dates of birth from patterns (any
language). Words the project protects are never suggested; words it always
replaces are always suggested. Spans never overlap (the longest wins).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from privacy.detect.categories import Category
from privacy.detect.dutch import dutch_spans
from privacy.detect.overlap import keep_longest, overlapping
from privacy.detect.patterns import pattern_spans
from privacy.detect.words import WordMatcher

__all__ = ["Category", "Span", "WordMatcher", "detect", "merge_spans"]


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch ``text[start:end]`` that looks like personal data."""

    start: int
    end: int
    category: Category
    source: str  # "deduce", "pattern" or "list"


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans in text order: where two overlap, the longer one
    (then the earlier one) is kept."""
    return keep_longest(spans, lambda s: (s.start, s.end))


def detect(
    text: str,
    *,
    language: str = "nl",
    protected: Sequence[str] = (),
    always: Sequence[tuple[str, Category]] = (),
) -> list[Span]:
    """Spans of ``text`` to review, in text order.

    ``protected`` words (the project's actors) are never part of a suggestion: a
    detected span that overlaps one is dropped. ``always`` pairs a word with its
    category; every occurrence (case- and inflection-tolerant) is suggested.
    """
    found = [Span(s, e, c, "pattern") for s, e, c in pattern_spans(text)]
    if language.lower().startswith("nl"):
        found += [Span(s, e, c, "deduce") for s, e, c in dutch_spans(text)]
    shield = WordMatcher(protected).spans(text) if protected else []
    found = [piece for span in found for piece in _cut(text, span, shield)]
    listed = WordMatcher([word for word, _ in always]).matches(text)
    categories = {word.casefold(): category for word, category in always}
    found += [
        Span(s, e, categories.get(word.casefold(), Category.PERSON), "list")
        for s, e, word in listed
    ]
    return merge_spans(found)


_BREAK = re.compile(r"[.!?;:\n]\s|\n")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_LOWER_WORD = re.compile(r"^(?:[a-zà-ÿ][\w'’-]*\s+)+|(?:\s+[a-zà-ÿ][\w'’-]*)+$")


def _cut(text: str, span: Span, shield: list[tuple[int, int]]) -> list[Span]:
    """The parts of a deduce span that are not a protected word, split at the end
    of a sentence: "mevrouw De Smet van het Agentschap" with "het Agentschap"
    protected leaves "mevrouw De Smet"; "Stad Mechelen. Bel Jan Janssens" with
    "Stad Mechelen" protected leaves "Bel Jan Janssens"."""
    near = overlapping(shield, span.start, span.end)
    if span.source != "deduce":
        return [] if near else [span]
    pieces = [(span.start, span.end)]
    for s, e in near:
        pieces = [
            p
            for a, b in pieces
            for p in ((a, min(b, s)), (max(a, e), b))
            if p[0] < p[1]
        ]
    out = []
    for a, b in pieces:
        last = a
        for match in _BREAK.finditer(text, a, b):
            out.append((last, match.start() + 1))
            last = match.end()
        out.append((last, b))
    return [
        Span(a, b, span.category, span.source)
        for a, b in (_trim(text, a, b, span.category) for a, b in out)
        if a < b
    ]


def _trim(text: str, a: int, b: int, category: Category) -> tuple[int, int]:
    """Without punctuation at the edges, and for a person without lower-case
    words at the edges ("van", "het"), which protected words leave behind."""
    for pattern in (
        (_EDGE, _LOWER_WORD, _EDGE) if category == Category.PERSON else (_EDGE,)
    ):
        piece = text[a:b]
        match = pattern.search(piece)
        while match and a < b:
            if match.start() == 0:
                a += match.end()
            else:
                b = a + match.start()
            piece = text[a:b]
            match = pattern.search(piece)
    if category == Category.PERSON and not any(c.isupper() for c in text[a:b]):
        return a, a
    return a, b
