"""Replacing spans of a text and carrying offsets into the new text (pure).

A start inside a replaced span moves to the replacement's start and an end inside
one to its end: a coding that touched a name now covers the whole pseudonym, and
never ends inside one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from privacy.detect.overlap import keep_longest


@dataclass(frozen=True, slots=True)
class Replacement:
    start: int
    end: int
    text: str


class OffsetMap:
    """Old offsets → new offsets after ``rewrite``."""

    def __init__(self, replacements: list[Replacement]) -> None:
        self._starts = [r.start for r in replacements]
        self._spans: list[tuple[int, int, int, int]] = []  # old s, old e, new s, new e
        shift = 0
        for r in replacements:
            new_start = r.start + shift
            self._spans.append((r.start, r.end, new_start, new_start + len(r.text)))
            shift += len(r.text) - (r.end - r.start)

    def _at(self, offset: int) -> tuple[int, int, int, int] | None:
        index = bisect_right(self._starts, offset) - 1
        return self._spans[index] if index >= 0 else None

    def start(self, offset: int) -> int:
        span = self._at(offset)
        if span is None:
            return offset
        old_s, old_e, new_s, new_e = span
        if offset < old_e:
            return new_s
        return new_e + (offset - old_e)

    def end(self, offset: int) -> int:
        span = self._at(offset - 1) if offset > 0 else None
        if span is None:
            return offset
        old_s, old_e, new_s, new_e = span
        if offset <= old_e:
            return new_e
        return new_e + (offset - old_e)


def non_overlapping(replacements: Iterable[Replacement]) -> list[Replacement]:
    """In text order; where two overlap the longer (then the earlier) is kept."""
    return keep_longest(replacements, lambda r: (r.start, r.end))


def rewrite(text: str, replacements: Iterable[Replacement]) -> tuple[str, OffsetMap]:
    """The text with the (non-overlapping) replacements made, and the offset map."""
    ordered = non_overlapping(replacements)
    parts: list[str] = []
    last = 0
    for r in ordered:
        parts.append(text[last : r.start])
        parts.append(r.text)
        last = r.end
    parts.append(text[last:])
    return "".join(parts), OffsetMap(ordered)
