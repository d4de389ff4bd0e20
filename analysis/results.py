"""The stored results of the analysis queries, typed.

Each kind of ``AnalysisResult`` has one dataclass here. Selectors compute them,
``AnalysisResult.result`` stores ``to_json()`` (the JSON shape is a contract: the API
serves parts of it as they are), and pages and the API read ``load_result(kind,
json)``'s attributes, never the JSON by string keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.text.matrix import MatrixResult

# --- word frequencies -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WordEntry:
    word: str
    count: int
    documents: int  # documents holding the word
    forms: tuple[str, ...]  # the first few forms behind a stem


@dataclass(frozen=True, slots=True)
class WordGroupData:
    key: Any  # project: None; document/code: id; speaker/attribute: text
    total: int  # counted words in the group
    distinct: int
    words: tuple[WordEntry, ...]


@dataclass(frozen=True, slots=True)
class WordsData:
    groups: tuple[WordGroupData, ...]

    def to_json(self) -> dict:
        return {
            "groups": [
                {
                    "key": g.key,
                    "total": g.total,
                    "distinct": g.distinct,
                    "words": [
                        [w.word, w.count, w.documents, list(w.forms)] for w in g.words
                    ],
                }
                for g in self.groups
            ]
        }

    @classmethod
    def from_json(cls, data: dict) -> WordsData:
        return cls(
            groups=tuple(
                WordGroupData(
                    key=g["key"],
                    total=g["total"],
                    distinct=g["distinct"],
                    words=tuple(
                        WordEntry(word, count, documents, tuple(forms))
                        for word, count, documents, forms in g["words"]
                    ),
                )
                for g in data["groups"]
            )
        )


# --- actor mentions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionCount:
    key: Any  # a document id, or a respondent level
    actor: int
    count: int


@dataclass(frozen=True, slots=True)
class MentionTotal:
    actor: int
    mentions: int
    documents: int


@dataclass(frozen=True, slots=True)
class MentionsData:
    actors: tuple[int, ...]  # actor codes in codebook order
    by_document: tuple[MentionCount, ...]
    by_level: tuple[MentionCount, ...]
    totals: tuple[MentionTotal, ...]

    def to_json(self) -> dict:
        return {
            "actors": list(self.actors),
            "by_document": [[m.key, m.actor, m.count] for m in self.by_document],
            "by_level": [[m.key, m.actor, m.count] for m in self.by_level],
            "totals": [[t.actor, t.mentions, t.documents] for t in self.totals],
        }

    @classmethod
    def from_json(cls, data: dict) -> MentionsData:
        return cls(
            actors=tuple(data["actors"]),
            by_document=tuple(MentionCount(*row) for row in data["by_document"]),
            by_level=tuple(MentionCount(*row) for row in data["by_level"]),
            totals=tuple(MentionTotal(*row) for row in data["totals"]),
        )

    def total_of(self, actor: int) -> MentionTotal:
        for total in self.totals:
            if total.actor == actor:
                return total
        return MentionTotal(actor, 0, 0)


# --- co-occurrence --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CooccurrenceData:
    """Square matrices over ``codes``: ``counts[i][j]`` codings of code i that
    co-occur with code j, ``pair_counts`` coding pairs, ``jaccard`` the index."""

    mode: str
    codes: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]
    pair_counts: tuple[tuple[int, ...], ...]
    jaccard: tuple[tuple[float, ...], ...]

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "codes": list(self.codes),
            "counts": [list(r) for r in self.counts],
            "pair_counts": [list(r) for r in self.pair_counts],
            "jaccard": [list(r) for r in self.jaccard],
        }

    @classmethod
    def from_json(cls, data: dict) -> CooccurrenceData:
        return cls(
            mode=data["mode"],
            codes=tuple(data["codes"]),
            counts=tuple(tuple(r) for r in data["counts"]),
            pair_counts=tuple(tuple(r) for r in data["pair_counts"]),
            jaccard=tuple(tuple(r) for r in data["jaccard"]),
        )


# --- matrix coding query --------------------------------------------------------------

# The pure module's result is stored as it is (``to_json``/``from_json``).
MatrixData = MatrixResult


# --- auto-coding preview --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewMatch:
    document: int
    start: int
    end: int
    before: str
    text: str
    after: str


@dataclass(frozen=True, slots=True)
class DocumentHits:
    document: int
    passages: int


@dataclass(frozen=True, slots=True)
class AutocodePreviewData:
    total: int
    per_document: tuple[DocumentHits, ...]
    matches: tuple[PreviewMatch, ...]  # the first few, in context

    def to_json(self) -> dict:
        return {
            "total": self.total,
            "per_document": [[d.document, d.passages] for d in self.per_document],
            "matches": [
                {
                    "document": m.document,
                    "start": m.start,
                    "end": m.end,
                    "before": m.before,
                    "text": m.text,
                    "after": m.after,
                }
                for m in self.matches
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> AutocodePreviewData:
        return cls(
            total=data["total"],
            per_document=tuple(DocumentHits(*row) for row in data["per_document"]),
            matches=tuple(PreviewMatch(**m) for m in data["matches"]),
        )


ResultData = (
    WordsData | MentionsData | CooccurrenceData | MatrixData | AutocodePreviewData
)
_BY_KIND: dict[str, type] = {
    "words": WordsData,
    "mentions": MentionsData,
    "cooccurrence": CooccurrenceData,
    "matrix": MatrixData,
    "autocode_preview": AutocodePreviewData,
}


def load_result(kind: str, data: dict | None) -> ResultData | None:
    """The typed result of a stored ``AnalysisResult.result`` (``None``: none yet)."""
    if data is None:
        return None
    return _BY_KIND[kind].from_json(data)
