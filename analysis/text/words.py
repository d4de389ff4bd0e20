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
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
Span = tuple[int, int]  # code points, end exclusive

STOP_WORD_FILES = {"nl": "stopwords_nl.txt", "en": "stopwords_en.txt"}
STEMMER_LANGUAGES = {"nl": "dutch", "en": "english"}

_WORD = re.compile(
    r"(?<![\w'’])['’](?i:ns|[stknmr])(?!\w)"  # 's avonds, 't, 'k
    r"|\w+(?:[-‐‑'’@&]\w+)*"
)
# What ``\s`` matches (``str.isspace``): no word holds one.
_SPACE_CODES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


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
    groups = word_frequencies_by_group(
        ((None, text) for text in texts),
        stop_words=stop_words,
        stem=stem,
        min_length=min_length,
        top=top,
        language=language,
    )
    return groups.get(None, [])


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
    return word_frequencies_in_spans(
        ((text, [(key, [(0, len(text))])]) for key, text in items),
        stop_words=stop_words,
        stem=stem,
        min_length=min_length,
        top=top,
        language=language,
    )


def word_frequencies_in_spans(
    texts: Iterable[tuple[str, Iterable[tuple[K, Sequence[Span]]]]],
    *,
    stop_words: Iterable[str] = frozenset(),
    stem: bool = False,
    min_length: int = 1,
    top: int | None = None,
    language: str = "nl",
) -> dict[K, list[WordCount]]:
    """``word_frequencies_by_group`` over stretches of texts, each text read once.

    Each ``(text, [(key, spans), ...])`` gives, per group key, the non-overlapping
    spans of the text that group counts (the passages of one code, say); they
    count as one item of the group, as if cut out and joined by line breaks: a
    word cut by a span's edge counts as its part inside.
    """
    stem_of = _stemmer(language) if stem else None  # one memo for every group
    vocabulary = _Vocabulary(
        _stop_set(stop_words), stem_of=stem_of, min_length=min_length
    )
    tallies: dict[K, _Tally] = {}
    for text, parts in texts:
        for key, ids, counts in _TokenisedText(text, vocabulary).count(parts):
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = _Tally()
            tally.add(ids, counts)
    return {key: tally.result(vocabulary, top) for key, tally in tallies.items()}


class _Vocabulary:
    """Every word form of one query, numbered, with its grouping key: its stem or
    itself, or none for a stop word or a short word."""

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
        self.number: dict[str, int] = {}
        self.forms: list[str] = []
        self.key_numbers: dict[str, int] = {}
        self.keys: list[str] = []
        self._key_of: list[int] = []  # per form: its key's number, -1 for none
        self._chunks: dict[str, tuple[int, ...]] = {}

    def ids(self, forms: Iterable[str]) -> np.ndarray:
        number = self.number
        found = []
        for form in forms:
            n = number.get(form)
            if n is None:
                n = number[form] = len(self.forms)
                self.forms.append(form)
                self._key_of.append(self._key_number(form))
            found.append(n)
        return np.asarray(found, dtype=np.int64)

    def chunk_words(self, chunk: str) -> tuple[int, ...]:
        """The ids of the words of a whitespace-free ``chunk``, tokenised once."""
        words = self._chunks.get(chunk)
        if words is None:
            words = self._chunks[chunk] = tuple(self.ids(tokenize(chunk)).tolist())
        return words

    def key_of(self) -> np.ndarray:
        return np.asarray(self._key_of, dtype=np.int64)

    def _key_number(self, form: str) -> int:
        if len(form) < self.min_length or form in self.stop_words:
            return -1
        key = self.stem_of(form) if self.stem_of else form
        n = self.key_numbers.get(key)
        if n is None:
            n = self.key_numbers[key] = len(self.keys)
            self.keys.append(key)
        return n


class _TokenisedText:
    """A text whose stretches' words are counted, each text read once.

    Overlapping codings of many codes cover a transcript several times over, and
    tokenising each passage again cost seconds. Then the text's words are indexed
    once by position (``_index``): no word holds whitespace, so the words of a span
    from its first whitespace to its last are the text's own words there, and only
    the two ends are tokenised on their own. Stretches that cover the text at most
    once (speaker turns, whole texts) are simply tokenised.
    """

    def __init__(self, text: str, vocabulary: _Vocabulary) -> None:
        self.text = text
        self.vocabulary = vocabulary
        self._ids: np.ndarray | None = None  # word positions, read when needed

    def count(
        self, parts: Iterable[tuple[K, Sequence[Span]]]
    ) -> list[tuple[K, np.ndarray, np.ndarray]]:
        """Per part: the vocabulary ids of its spans' words and how often each
        occurs (``tokenize`` of each span)."""
        parts = [(key, list(spans)) for key, spans in parts]
        # Tokenising the whole text once pays only when the parts read (much of)
        # it more than once, like the overlapping passages of many codes.
        covered = sum(end - start for _key, spans in parts for start, end in spans)
        once = covered <= len(self.text)
        found: list[tuple[K, np.ndarray, np.ndarray]] = []
        stretches: list[tuple[int, np.ndarray]] = []  # (place in found, word ids)
        for key, spans in parts:
            if once:
                words: Counter[str] = Counter()
                for start, end in spans:
                    words.update(tokenize(self.text[start:end]))
                ids = self.vocabulary.ids(words)
                counts = np.fromiter(words.values(), dtype=np.int64, count=len(words))
            else:
                stretches.append((len(found), self._ids_in(spans)))
                ids = counts = np.empty(0, dtype=np.int64)
            found.append((key, ids, counts))
        if stretches:
            # One np.unique over (part, word) pairs instead of one per part.
            size = max(len(self.vocabulary.forms), 1)
            part = np.repeat(
                np.arange(len(stretches)), [len(ids) for _place, ids in stretches]
            )
            pairs, counts = np.unique(
                part * size + np.concatenate([ids for _place, ids in stretches]),
                return_counts=True,
            )
            bounds = np.searchsorted(pairs, np.arange(len(stretches) + 1) * size)
            for i, (place, _ids) in enumerate(stretches):
                lo, hi = bounds[i], bounds[i + 1]
                found[place] = (found[place][0], pairs[lo:hi] - i * size, counts[lo:hi])
        return found

    def _index(self) -> None:
        """The text's words by position, read chunk by chunk: no word holds
        whitespace, so the text's words are those of its whitespace-separated
        chunks, and a chunk ("de", "stad,") recurs often enough to tokenise each
        distinct one once per query rather than run the tokeniser over every text."""
        text = self.text
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        space = np.isin(codes, _SPACE_CODES)
        self._spaces = np.flatnonzero(space)
        first = ~space
        first[1:] &= space[:-1]
        self._chunk_starts = np.flatnonzero(first)
        words_of = self.vocabulary.chunk_words
        per_chunk = [words_of(chunk) for chunk in text.split()]
        ends = np.cumsum([len(words) for words in per_chunk], dtype=np.int64)
        self._offsets = np.concatenate([[0], ends])
        self._ids = np.fromiter(
            chain.from_iterable(per_chunk), dtype=np.int64, count=int(self._offsets[-1])
        )

    def _ids_in(self, spans: Sequence[Span]) -> np.ndarray:
        """The vocabulary ids of the words of these spans, in order."""
        if not spans:
            return np.empty(0, dtype=np.int64)
        if self._ids is None:
            self._index()
        text = self.text
        bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        starts, ends = bounds[:, 0], bounds[:, 1]
        spaces = self._spaces
        first = np.searchsorted(spaces, starts)  # first whitespace at/after start
        last = np.searchsorted(spaces, ends) - 1  # last whitespace before end
        padded = np.append(spaces, len(text))
        left = padded[first]
        right = padded[np.maximum(last, 0)]
        inner = (last >= 0) & (left < ends)
        edges: list[str] = []
        for start, end, cut_left, cut_right, has_inner in zip(
            starts.tolist(), ends.tolist(), left.tolist(), right.tolist(), inner
        ):
            if has_inner:
                edges += tokenize(text[start:cut_left])
                edges += tokenize(text[cut_right:end])
            else:
                edges += tokenize(text[start:end])
        # The words of the chunks starting between the two whitespaces.
        offsets, chunk_starts = self._offsets, self._chunk_starts
        lo = offsets[np.searchsorted(chunk_starts, left[inner])]
        sizes = offsets[np.searchsorted(chunk_starts, right[inner])] - lo
        # The token positions of every inner stretch, concatenated.
        positions = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(
            sizes.sum()
        )
        return np.concatenate([self._ids[positions], self.vocabulary.ids(edges)])


class _Tally:
    """The items of one group: each item's distinct word ids and their counts."""

    def __init__(self) -> None:
        self.ids: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []

    def add(self, ids: np.ndarray, counts: np.ndarray) -> None:
        self.ids.append(ids)
        self.counts.append(counts)

    def result(self, vocabulary: _Vocabulary, top: int | None) -> list[WordCount]:
        ids = np.concatenate(self.ids)
        counts = np.concatenate(self.counts)
        item = np.repeat(np.arange(len(self.ids)), [len(i) for i in self.ids])
        key_of = vocabulary.key_of()
        keys = key_of[ids]
        kept = keys >= 0
        ids, counts, item, keys = ids[kept], counts[kept], item[kept], keys[kept]
        if not len(ids):
            return []
        n_keys = len(vocabulary.keys)
        key_counts = np.bincount(keys, weights=counts, minlength=n_keys)
        if vocabulary.stem_of:
            # An item holding two forms of one stem is one document for it.
            pairs = np.sort(item * n_keys + keys)
            firsts = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
            key_documents = np.bincount(firsts % n_keys, minlength=n_keys)
        else:
            key_documents = np.bincount(keys, minlength=n_keys)
        form_counts = np.bincount(ids, weights=counts, minlength=len(vocabulary.forms))
        forms_of: dict[int, list[tuple[int, str]]] = {}
        for form_id in np.flatnonzero(form_counts).tolist():
            forms_of.setdefault(int(key_of[form_id]), []).append(
                (-int(form_counts[form_id]), vocabulary.forms[form_id])
            )
        rows = []
        for key_id, forms in forms_of.items():
            forms.sort()
            rows.append(
                WordCount(
                    word=forms[0][1],
                    count=int(key_counts[key_id]),
                    documents=int(key_documents[key_id]),
                    forms=tuple(form for _n, form in forms),
                    stem=vocabulary.keys[key_id],
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
