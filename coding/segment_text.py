"""The "coded text contains" filter, without cutting every passage out in SQL.

Matching ``substr(document.text, start, length)`` per coding made PostgreSQL unpack
a whole transcript for every coding (50 s for 200,000 codings). Instead each
transcript is read once and the term's occurrences are found in Python
(case-insensitive, overlapping ones too); a coding matches when an occurrence lies
inside its ``[start, end)``. That test runs in the database against one sorted
array of occurrences (``width_bucket`` is a binary search), so the result stays an
ordinary filter that counts, pages and streams as before.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db.models import BooleanField, F, Func, QuerySet

from coding.models import Coding, Document

# Occurrences of all documents go into one sorted array, keyed document first:
# key = document id × KEY_SPAN + position (texts are far shorter than 2**31).
KEY_SPAN = 2**31
# Beyond this many occurrences the array costs more to send than the codings'
# spans cost to fetch and match in Python.
MAX_SQL_KEYS = 100_000


# After lower-casing, letters whose lower case depends on context or that upper-
# case to a plain letter: the final sigma, the dotless i and the long s (so "ΟΔΟΣ"
# finds "οδοσ" and "ΟΔΟΣΗ" alike, as an upper-case comparison would).
_SAME_LETTER = str.maketrans({"ς": "σ", "ı": "i", "ſ": "s"})


def fold(text: str) -> str:
    """Lower case, one character for one character, so positions stay put.

    ``str.lower`` keeps the length except for "İ" (two characters); texts holding
    one are folded character by character, keeping such a character as it is.
    Either way the result does not depend on a letter's neighbours.
    """
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c if len(low := c.lower()) != 1 else low for c in text)
    return folded.translate(_SAME_LETTER)


def occurrences(text: str, needle: str) -> list[int]:
    """Where the folded ``needle`` starts in the folded ``text``, overlaps included."""
    found = []
    folded = fold(text)
    position = folded.find(needle)
    while position >= 0:
        found.append(position)
        position = folded.find(needle, position + 1)
    return found


def occurrence_keys(document_ids: Iterable[int], term: str) -> np.ndarray:
    """Sorted keys of the term's occurrences in these documents (one read each)."""
    needle = fold(term)
    parts = []
    texts = (
        Document.objects.filter(pk__in=list(document_ids))
        .order_by("pk")
        .values_list("pk", "text")
        .iterator(chunk_size=20)
    )
    for document_id, text in texts:
        found = occurrences(text, needle)
        if found:
            parts.append(np.asarray(found, dtype=np.int64) + document_id * KEY_SPAN)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def contains_occurrence(
    keys: np.ndarray,
    length: int,
    documents: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:
    """Which spans hold an occurrence: one starting at or after ``start`` whose
    ``length`` characters end by ``end``. Occurrences up to ``end - length``
    outnumber those before ``start`` exactly when one lies in between."""
    base = documents.astype(np.int64) * KEY_SPAN
    before = np.searchsorted(keys, base + starts - 1, side="right")
    fitting = np.searchsorted(keys, base + ends - length, side="right")
    return fitting > before


def _array_text(values: np.ndarray) -> str:
    """A PostgreSQL array literal: as one text parameter it costs a fraction of
    what adapting a Python list of the same numbers does."""
    return "{" + ",".join(map(str, values.tolist())) + "}"


class _HoldsOccurrence(Func):
    """``contains_occurrence`` in SQL (PostgreSQL): ``width_bucket(x, sorted array)``
    counts the array's elements up to ``x`` by binary search."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, keys: np.ndarray, length: int) -> None:
        super().__init__(F("document_id"), F("start"), F("end"))
        self.keys = _array_text(keys)
        self.length = length

    def as_sql(self, compiler, connection, **extra):
        (document, document_params), (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        base = f"({document}) * {KEY_SPAN}"
        sql = (
            f"width_bucket({base} + ({end}) - {int(self.length)}, %s::bigint[]) > "
            f"width_bucket({base} + ({start}) - 1, %s::bigint[])"
        )
        params = (
            *document_params,
            *end_params,
            self.keys,
            *document_params,
            *start_params,
            self.keys,
        )
        return sql, params


class _IdIn(Func):
    """``id = ANY(array)`` (PostgreSQL): one parameter however many ids."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: np.ndarray) -> None:
        super().__init__(F("pk"))
        self.ids = _array_text(ids)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", (*params, self.ids)


def filter_coded_text(
    codings: QuerySet[Coding],
    document_ids: Iterable[int],
    term: str,
    *,
    max_sql_keys: int = MAX_SQL_KEYS,
) -> QuerySet[Coding]:
    """``codings`` whose coded passage contains ``term``, ignoring case.

    ``document_ids`` are the documents the codings may come from; each is read once.
    Beyond ``max_sql_keys`` occurrences the spans are matched in Python.
    """
    document_ids = list(document_ids)
    keys = occurrence_keys(document_ids, term)
    if not len(keys):
        return codings.none()
    present = np.unique(keys // KEY_SPAN).tolist()
    if len(present) < len(set(document_ids)):
        codings = codings.filter(document_id__in=present)
    length = len(fold(term))
    if len(keys) <= max_sql_keys:
        return codings.filter(_HoldsOccurrence(keys, length))
    # A very frequent term ("e"): match the spans here.
    rows = np.array(
        list(codings.order_by().values_list("pk", "document_id", "start", "end")),
        dtype=np.int64,
    ).reshape(-1, 4)
    hits = contains_occurrence(keys, length, rows[:, 1], rows[:, 2], rows[:, 3])
    # The ids that match, never "all but these": the queryset may be evaluated
    # again later (a streamed export's chunks, a job), when new codings exist
    # whose text was not looked at.
    matching = rows[hits, 0]
    return codings.filter(_IdIn(matching))
