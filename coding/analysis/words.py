"""Words of a transcript and their frequencies (NVivo's word frequency query).

Pure module (no ORM). The field study weighed each partner by how often interviewees
named it, so counting must be reproducible: one tokeniser, lower-casing, shipped stop
lists and optional Snowball stemming, all documented here.

A *word* is a run of Unicode word characters (``\\w``: letters, digits, ``_``) that
may be joined inside by a hyphen, an apostrophe, ``@`` or ``&``: "Vlaams-Brusselse",
"zo'n", "auto's", "J@M" and "AT&T" are one word each. A Dutch clitic with a leading
apostrophe ("'s", "'t", "'k", "'n") is a word of its own: "'s avonds" is two words.
Words are lower-cased and the typographic apostrophe ``’`` becomes ``'``.

Stop words are compared with the lower-cased surface form, before stemming;
``min_length`` counts its code points. With ``stem=True`` forms are grouped by their
Snowball stem (the pure-Python ``snowballstemmer`` package) and ``WordCount.word``
shows the group's most frequent form, with every form kept in ``forms``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

STOP_WORD_FILES = {"nl": "stopwords_nl.txt", "en": "stopwords_en.txt"}
STEMMER_LANGUAGES = {"nl": "dutch", "en": "english"}

_WORD = re.compile(
    r"(?<![\w'’])['’](?i:ns|[stknmr])(?!\w)"  # 's avonds, 't, 'k
    r"|\w+(?:[-‐‑'’@&]\w+)*"
)


@dataclass(frozen=True)
class WordCount:
    """One row of a frequency table: ``count`` occurrences in ``documents`` texts."""

    word: str
    count: int
    documents: int
    forms: tuple[str, ...]  # surface forms behind ``stem``, most frequent first
    stem: str  # the grouping key; the word itself when not stemming


def token_spans(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` starts and ends (code points, end exclusive)."""
    return [m.span() for m in _WORD.finditer(text)]


def tokenize(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order."""
    return [_normalise(w) for w in _WORD.findall(text)]


def count_words(text: str) -> int:
    """How many words ``text`` holds (for "words coded" in matrix queries)."""
    return sum(1 for _ in _WORD.finditer(text))


@cache
def load_stop_words(*languages: str) -> frozenset[str]:
    """The shipped stop lists for ``"nl"`` and/or ``"en"``, merged."""
    words: set[str] = set()
    for language in languages:
        try:
            name = STOP_WORD_FILES[language]
        except KeyError:
            raise ValueError(f"No stop word list for language {language!r}") from None
        lines = (Path(__file__).parent / name).read_text(encoding="utf-8").splitlines()
        words.update(
            _normalise(line.strip())
            for line in lines
            if line.strip() and not line.startswith("#")
        )
    return frozenset(words)


def word_frequencies(
    texts: Iterable[str],
    *,
    stop_words: Iterable[str] = frozenset(),
    stem: bool = False,
    min_length: int = 1,
    top: int | None = None,
    language: str = "nl",
) -> list[WordCount]:
    """Word counts over ``texts``, most frequent first (ties alphabetically).

    ``documents`` counts the texts a word (or stem group) occurs in; ``top`` keeps
    only the first rows. ``language`` picks the stemmer: "nl", "en" or any Snowball
    algorithm name.
    """
    stem_of = _stemmer(language) if stem else None
    counter = _Counter(_stop_set(stop_words), stem_of=stem_of, min_length=min_length)
    for text in texts:
        counter.add(text)
    return counter.result(top)


def word_frequencies_by_group(
    items: Iterable[tuple[K, str]],
    *,
    stop_words: Iterable[str] = frozenset(),
    stem: bool = False,
    min_length: int = 1,
    top: int | None = None,
    language: str = "nl",
) -> dict[K, list[WordCount]]:
    """``word_frequencies`` per group key (document, speaker, case attribute, code).

    Each ``(key, text)`` item is one text of its group, so ``documents`` counts the
    group's items holding the word. Groups keep the order of their first item.
    """
    stops = _stop_set(stop_words)
    stem_of = _stemmer(language) if stem else None  # one memo for every group
    counters: dict[K, _Counter] = {}
    for key, text in items:
        counter = counters.get(key)
        if counter is None:
            counter = counters[key] = _Counter(
                stops, stem_of=stem_of, min_length=min_length
            )
        counter.add(text)
    return {key: counter.result(top) for key, counter in counters.items()}


class _Counter:
    """Running totals for one frequency table."""

    def __init__(
        self,
        stop_words: frozenset[str],
        *,
        stem_of: Callable[[str], str] | None,
        min_length: int,
    ) -> None:
        if min_length < 1:
            raise ValueError("min_length must be at least 1")
        self.stop_words = stop_words
        self.min_length = min_length
        self.stem_of = stem_of
        self.counts: Counter[str] = Counter()
        self.documents: Counter[str] = Counter()
        self.forms: dict[str, Counter[str]] = {}

    def add(self, text: str) -> None:
        seen: set[str] = set()
        for form, n in Counter(tokenize(text)).items():
            if len(form) < self.min_length or form in self.stop_words:
                continue
            key = self.stem_of(form) if self.stem_of else form
            self.counts[key] += n
            self.forms.setdefault(key, Counter())[form] += n
            seen.add(key)
        self.documents.update(seen)

    def result(self, top: int | None) -> list[WordCount]:
        rows = []
        for key, count in self.counts.items():
            forms = sorted(self.forms[key].items(), key=lambda kv: (-kv[1], kv[0]))
            rows.append(
                WordCount(
                    word=forms[0][0],
                    count=count,
                    documents=self.documents[key],
                    forms=tuple(form for form, _ in forms),
                    stem=key,
                )
            )
        rows.sort(key=lambda row: (-row.count, row.word))
        return rows if top is None else rows[:top]


def _stop_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_normalise(w) for w in words)


def _normalise(word: str) -> str:
    return word.lower().replace("’", "'")


def _stemmer(language: str) -> Callable[[str], str]:
    """A stem function memoised for one query.

    Snowball stemmers keep state while stemming, so each query gets its own rather
    than sharing one between threads. The package is imported only when asked for.
    """
    import snowballstemmer

    name = STEMMER_LANGUAGES.get(language, language)
    if name not in snowballstemmer.algorithms():
        raise ValueError(f"No Snowball stemmer for language {language!r}")
    stem_word = snowballstemmer.stemmer(name).stemWord
    stems: dict[str, str] = {}

    def stem(word: str) -> str:
        found = stems.get(word)
        if found is None:
            found = stems[word] = stem_word(word)
        return found

    return stem
