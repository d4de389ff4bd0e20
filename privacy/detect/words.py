"""Whole-word lists matched case- and inflection-tolerantly.

"Janssens" also finds "janssens", "Janssens'" and "Janssens's"; "Jan" finds "Jans"
and "Jan's" (Dutch genitive) but not "Janine". Whitespace inside an entry matches
any run of whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BEFORE = r"(?<![\w@])"
INFLECTION = r"(?:['’]s|['’]|s)?"
AFTER = r"(?![\w@])"


def word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for all ``words`` (longest first), or ``None`` for no words."""
    cleaned = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in cleaned)
    return re.compile(BEFORE + "(" + body + ")" + INFLECTION + AFTER, re.IGNORECASE)


class WordMatcher:
    """Finds the words of a list in a text."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = {w.strip().casefold(): w.strip() for w in words if w.strip()}
        self.pattern = word_pattern(self.words.values())

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, listed word)``: the word without its inflection ("Jan" of
        "Jan's"), so a replacement keeps the ending."""
        if self.pattern is None:
            return []
        return [
            (m.start(1), m.end(1), self._listed(m.group(1)))
            for m in self.pattern.finditer(text)
        ]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(start, end) for start, end, _ in self.matches(text)]

    def _listed(self, found: str) -> str:
        key = " ".join(found.split()).casefold()
        return self.words.get(key, found)
