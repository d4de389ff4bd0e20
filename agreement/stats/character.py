"""Character-level agreement as NVivo's Coding Comparison query computes it.

For one code, one document and two coders every character is a unit that each coder
either coded or not. Percentage agreement is (both + neither) / N and NVivo's kappa is
κ = (agree − E) / (N − E) with E = (A·B + (N − A)(N − B)) / N, A and B being the
characters each coder coded. The same counts at sentence or speaker-turn granularity
treat a unit as coded when any of its characters is.

Two routes give the same integers: ``coded_mask`` builds a boolean mask with a
cumulative sum of +1/−1 at span boundaries (no per-character loop), and
``character_table`` does interval arithmetic over all documents × codes × coders at
once (sort, cumulative max, cumulative sum), which stays fast for a whole project.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from agreement.stats._common import Level, bootstrap, merge_intervals
from agreement.stats.segments import AlphaResult

Span = tuple[int, int]

# Above this N, N² no longer fits a float64 exactly, so counts go through Python ints.
_EXACT_FLOAT_SQRT = 94_906_265

CHARACTER = "character"
UNIT = "unit"


@dataclass(frozen=True)
class CharacterAgreement:
    """NVivo-style agreement for one coder pair; ``percent`` is 0–100.

    ``n_units`` is the number of characters (or sentences/turns) compared.
    ``kappa`` follows NVivo: 1 when N − E = 0, which happens only if both coders
    coded nothing or both coded everything (then agree = N). Both are ``None`` for
    an empty text.
    """

    percent: float | None
    kappa: float | None
    n_units: int
    both: int
    neither: int
    only_a: int
    only_b: int
    granularity: str = CHARACTER
    reason: str | None = None

    @property
    def coded_a(self) -> int:
        return self.both + self.only_a

    @property
    def coded_b(self) -> int:
        return self.both + self.only_b


@dataclass(frozen=True)
class PooledAgreement:
    """Agreement over several (document, code) cells, reported two ways.

    ``weighted`` sums the counts first (longer documents weigh more: NVivo's advice
    for an average over sources); ``mean_percent``/``mean_kappa`` are the plain means
    of the per-cell values. The interval, if asked for, bootstraps the weighted κ by
    resampling documents.
    """

    weighted: CharacterAgreement
    mean_percent: float | None
    mean_kappa: float | None
    n_cells: int
    ci_low: float | None = None
    ci_high: float | None = None
    n_resamples: int = 0


@dataclass(frozen=True)
class AllCodersAgreement:
    """Every coder at once: the mean over coder pairs plus a binary α.

    ``mean_percent``/``mean_kappa`` average the pairs' length-weighted figures;
    ``alpha`` is Krippendorff's nominal α on coded/not coded with each character
    (or unit) as a unit and all coders as observers.
    """

    mean_percent: float | None
    mean_kappa: float | None
    alpha: AlphaResult
    n_pairs: int


# --- Single pair, mask route ----------------------------------------------------------


def _span_array(spans: Iterable[Span], length: int) -> np.ndarray:
    array = np.asarray(list(spans), dtype=np.int64).reshape(-1, 2)
    if ((array[:, 0] < 0) | (array[:, 0] > array[:, 1]) | (array[:, 1] > length)).any():
        raise ValueError(f"spans must satisfy 0 <= start <= end <= {length}")
    return array


def coded_mask(spans: Iterable[Span], *, length: int) -> np.ndarray:
    """Boolean mask of the characters covered by any span (end exclusive)."""
    array = _span_array(spans, length)
    steps = np.zeros(length + 1, dtype=np.int64)
    np.add.at(steps, array[:, 0], 1)
    np.add.at(steps, array[:, 1], -1)
    return np.cumsum(steps[:-1]) > 0


def _check_unit_starts(
    unit_starts: Sequence[int] | np.ndarray, length: int
) -> np.ndarray:
    starts = np.asarray(unit_starts, dtype=np.int64).ravel()
    if length == 0:
        if starts.size:
            raise ValueError("an empty text has no units")
        return starts
    if starts.size == 0 or starts[0] != 0:
        raise ValueError("unit starts must begin at 0 so that the units cover the text")
    if (np.diff(starts) <= 0).any() or starts[-1] >= length:
        raise ValueError("unit starts must be strictly increasing and inside the text")
    return starts


def unit_coded(
    mask: np.ndarray, *, unit_starts: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Collapse a character mask to units: a unit is coded if any character is."""
    starts = _check_unit_starts(unit_starts, len(mask))
    if starts.size == 0:
        return np.zeros(0, dtype=bool)
    return np.logical_or.reduceat(mask, starts)


def nvivo_kappa(
    *, both: int, neither: int, coded_a: int, coded_b: int, n: int
) -> float | None:
    """NVivo's kappa from the four counts, in exact integer arithmetic.

    κ = (N·agree − S) / (N² − S) with S = A·B + (N − A)(N − B) is the formula above
    multiplied through by N, so Python's correctly rounded int/int division gives the
    exact value. N − E = 0 (both coded nothing, or both everything) gives 1, as NVivo
    does; an empty text gives ``None``.
    """
    if n == 0:
        return None
    chance = coded_a * coded_b + (n - coded_a) * (n - coded_b)
    denominator = n * n - chance
    if denominator == 0:
        return 1.0
    return (n * (both + neither) - chance) / denominator


def _agreement(
    both: int, neither: int, only_a: int, only_b: int, granularity: str
) -> CharacterAgreement:
    both, neither, only_a, only_b = int(both), int(neither), int(only_a), int(only_b)
    n = both + neither + only_a + only_b
    if n == 0:
        return CharacterAgreement(None, None, 0, 0, 0, 0, 0, granularity, "empty text")
    kappa = nvivo_kappa(
        both=both, neither=neither, coded_a=both + only_a, coded_b=both + only_b, n=n
    )
    return CharacterAgreement(
        100 * (both + neither) / n, kappa, n, both, neither, only_a, only_b, granularity
    )


def character_agreement(
    spans_a: Iterable[Span],
    spans_b: Iterable[Span],
    *,
    length: int,
    unit_starts: Sequence[int] | np.ndarray | None = None,
    granularity: str | None = None,
) -> CharacterAgreement:
    """NVivo percentage agreement and kappa for one code, one document, two coders.

    Spans are ``(start, end)`` code-point offsets, end exclusive, and may overlap.
    With ``unit_starts`` (sorted offsets of sentences or speaker turns, the first 0)
    the units are those instead of characters; ``granularity`` names them in the
    result (e.g. "sentence", "turn"; default "unit").
    """
    mask_a = coded_mask(spans_a, length=length)
    mask_b = coded_mask(spans_b, length=length)
    label = CHARACTER
    if unit_starts is not None:
        mask_a = unit_coded(mask_a, unit_starts=unit_starts)
        mask_b = unit_coded(mask_b, unit_starts=unit_starts)
        label = granularity or UNIT
    both = int((mask_a & mask_b).sum())
    coded_a, coded_b = int(mask_a.sum()), int(mask_b.sum())
    neither = len(mask_a) - coded_a - coded_b + both
    return _agreement(both, neither, coded_a - both, coded_b - both, label)


# --- Whole project, interval route ----------------------------------------------------


@dataclass(frozen=True, eq=False)
class CharacterTable:
    """Counts for every document × code × coder pair, ready for any view of them.

    Arrays: ``n_units`` (D,), ``coded`` (D, C, K) units each coder coded, ``both``
    (D, C, P) units both coders of pair P coded, ``covered_by`` (D, C, K + 1) units
    coded by exactly k of the document's assigned coders, ``assigned`` (D, K).
    A pair is compared on a document only if both coders are assigned to it.
    """

    documents: tuple[Hashable, ...]
    codes: tuple[Hashable, ...]
    coders: tuple[Hashable, ...]
    pairs: tuple[tuple[int, int], ...]
    granularity: str
    n_units: np.ndarray
    coded: np.ndarray
    both: np.ndarray
    covered_by: np.ndarray
    assigned: np.ndarray

    def _pair(self, pair: tuple[Hashable, Hashable]) -> tuple[int, bool]:
        first, second = (self.coders.index(coder) for coder in pair)
        if first == second:
            raise ValueError("a pair needs two different coders")
        swapped = first > second
        return self.pairs.index((min(first, second), max(first, second))), swapped

    def counts(self, *, pair: tuple[Hashable, Hashable]) -> dict[str, np.ndarray]:
        """Both/neither/only_a/only_b per (document, code), plus the compared mask."""
        index, swapped = self._pair(pair)
        first, second = self.pairs[index]
        if swapped:
            first, second = second, first
        both = self.both[:, :, index]
        only_a = self.coded[:, :, first] - both
        only_b = self.coded[:, :, second] - both
        neither = self.n_units[:, None] - both - only_a - only_b
        compared = np.broadcast_to(
            (self.assigned[:, first] & self.assigned[:, second])[:, None], both.shape
        )
        return {
            "both": both,
            "neither": neither,
            "only_a": only_a,
            "only_b": only_b,
            "compared": compared,
        }

    def percent(self, *, pair: tuple[Hashable, Hashable]) -> np.ndarray:
        """Percentage agreement per (document, code); NaN where not compared or empty."""
        counts = self.counts(pair=pair)
        n = self.n_units[:, None].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = 100 * (counts["both"] + counts["neither"]) / n
        return np.where(counts["compared"] & (n > 0), value, np.nan)

    def kappa(self, *, pair: tuple[Hashable, Hashable]) -> np.ndarray:
        """NVivo kappa per (document, code); NaN where not compared or empty."""
        counts = self.counts(pair=pair)
        n = np.broadcast_to(self.n_units[:, None], counts["both"].shape)
        value = _kappa_array(
            counts["both"], counts["neither"], counts["only_a"], counts["only_b"], n
        )
        return np.where(counts["compared"], value, np.nan)

    def cell(
        self, *, document: Hashable, code: Hashable, pair: tuple[Hashable, Hashable]
    ) -> CharacterAgreement:
        """One document, one code, one pair (``None`` values if the pair is not compared)."""
        counts = self.counts(pair=pair)
        d, c = self.documents.index(document), self.codes.index(code)
        if not counts["compared"][d, c]:
            return CharacterAgreement(
                None, None, 0, 0, 0, 0, 0, self.granularity, "coder not assigned"
            )
        return _agreement(
            *(counts[key][d, c] for key in ("both", "neither", "only_a", "only_b")),
            self.granularity,
        )

    def pooled(
        self,
        *,
        pair: tuple[Hashable, Hashable],
        code: Hashable | None = None,
        document: Hashable | None = None,
        n_resamples: int = 0,
        seed: int | np.random.Generator | None = None,
        confidence: float = 0.95,
    ) -> PooledAgreement:
        """Pool over documents and/or codes (``None`` = all of them)."""
        counts = self.counts(pair=pair)
        rows = slice(None) if document is None else [self.documents.index(document)]
        columns = slice(None) if code is None else [self.codes.index(code)]
        compared = counts["compared"][rows][:, columns]
        keys = ("both", "neither", "only_a", "only_b")
        selected = {
            key: np.where(compared, counts[key][rows][:, columns], 0) for key in keys
        }
        weighted = _agreement(
            *(int(selected[key].sum()) for key in keys), self.granularity
        )
        percent = self.percent(pair=pair)[rows][:, columns]
        kappa = self.kappa(pair=pair)[rows][:, columns]
        n_cells = int(np.isfinite(percent).sum())
        # Resample the documents this pair was compared on (cluster bootstrap:
        # characters within a document are not independent units).
        per_document = np.column_stack(
            [selected[key].sum(axis=1) for key in keys]
        ).astype(float)[compared.any(axis=1)]
        low, high, used = bootstrap(
            per_document,
            _kappa_from_sums,
            n_resamples=n_resamples if weighted.kappa is not None else 0,
            seed=seed,
            confidence=confidence,
        )
        return PooledAgreement(
            weighted,
            float(np.nanmean(percent)) if n_cells else None,
            float(np.nanmean(kappa)) if np.isfinite(kappa).any() else None,
            n_cells,
            low,
            high,
            used,
        )

    def all_coders(
        self, *, code: Hashable | None = None, document: Hashable | None = None
    ) -> AllCodersAgreement:
        """All coders together: mean of the pooled pairs and a binary Krippendorff α."""
        pooled = [
            self.pooled(
                pair=(self.coders[i], self.coders[j]), code=code, document=document
            ).weighted
            for i, j in self.pairs
        ]
        percents = [p.percent for p in pooled if p.percent is not None]
        kappas = [p.kappa for p in pooled if p.kappa is not None]
        rows = slice(None) if document is None else [self.documents.index(document)]
        columns = slice(None) if code is None else [self.codes.index(code)]
        histogram = self.covered_by[rows][:, columns].astype(float)  # (d, c, k)
        observers = self.assigned[rows].sum(axis=1).astype(float)[:, None, None]  # m_d
        k = np.arange(histogram.shape[-1], dtype=float)
        pairable = observers >= 2
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(pairable, histogram / (observers - 1), 0.0)
        ones = (weight * k * (k - 1)).sum()
        zeros = (weight * (observers - k) * (observers - k - 1)).sum()
        mixed = (weight * k * (observers - k)).sum()
        n_coded, n_uncoded = ones + mixed, zeros + mixed
        n = n_coded + n_uncoded
        n_units = int((histogram.sum(axis=-1) * pairable[..., 0]).sum())
        if n_units == 0:
            result = AlphaResult(
                None, Level.NOMINAL, 0, 0, reason="no unit seen by two or more coders"
            )
        elif n_coded == 0 or n_uncoded == 0:
            result = AlphaResult(
                None,
                Level.NOMINAL,
                n_units,
                int(round(n)),
                reason="no variation: every unit coded alike",
            )
        else:
            # Binary nominal α from the 2 × 2 coincidence matrix (Krippendorff 2011).
            result = AlphaResult(
                1.0 - (n - 1.0) * mixed / (n_coded * n_uncoded),
                Level.NOMINAL,
                n_units,
                int(round(n)),
                observed=2.0 * mixed / n,
                expected=2.0 * n_coded * n_uncoded / (n * (n - 1.0)),
            )
        return AllCodersAgreement(
            float(np.mean(percents)) if percents else None,
            float(np.mean(kappas)) if kappas else None,
            result,
            len(self.pairs),
        )


def _kappa_array(
    both: np.ndarray,
    neither: np.ndarray,
    only_a: np.ndarray,
    only_b: np.ndarray,
    n: np.ndarray,
) -> np.ndarray:
    """Vectorised ``nvivo_kappa``, exact while N² < 2**53; Python ints beyond."""
    exact = int(np.max(n, initial=0)) <= _EXACT_FLOAT_SQRT
    kind = np.int64 if exact else object
    both, neither, only_a, only_b, n = (
        np.asarray(x).astype(kind) for x in (both, neither, only_a, only_b, n)
    )
    coded_a, coded_b = both + only_a, both + only_b
    chance = coded_a * coded_b + (n - coded_a) * (n - coded_b)
    numerator = n * (both + neither) - chance
    denominator = n * n - chance
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(
            denominator == 0,
            1.0,
            numerator / np.where(denominator == 0, 1, denominator),
        )
    return np.where(n == 0, np.nan, value.astype(float))


def _kappa_from_sums(sums: np.ndarray) -> np.ndarray:
    """NVivo kappa for bootstrap sums (both, neither, only_a, only_b) in floats."""
    both, neither, only_a, only_b = (sums[..., i] for i in range(4))
    n = both + neither + only_a + only_b
    coded_a, coded_b = both + only_a, both + only_b
    chance = coded_a * coded_b + (n - coded_a) * (n - coded_b)
    denominator = n * n - chance
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (n * (both + neither) - chance) / denominator
    value = np.where(denominator == 0, 1.0, value)
    return np.where(n == 0, np.nan, value)


def _assigned_matrix(
    documents: tuple,
    coders: tuple,
    assigned: Mapping[Hashable, Collection[Hashable]] | None,
) -> np.ndarray:
    """(documents, coders) bool: who counts where (everyone without ``assigned``)."""
    is_assigned = np.ones((len(documents), len(coders)), dtype=bool)
    if assigned is None:
        return is_assigned
    doc_index = {doc: i for i, doc in enumerate(documents)}
    coder_index = {coder: i for i, coder in enumerate(coders)}
    is_assigned[:] = False
    for doc, members in assigned.items():
        for coder in members:
            if coder in coder_index and doc in doc_index:
                is_assigned[doc_index[doc], coder_index[coder]] = True
    return is_assigned


def _span_columns(
    spans: Iterable[tuple[Hashable, Hashable, Hashable, int, int]],
    documents: tuple,
    codes: tuple,
    coders: tuple,
    doc_length: np.ndarray,
    is_assigned: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The spans that count as index columns (doc, code, coder, start, end)."""
    doc_index = {doc: i for i, doc in enumerate(documents)}
    code_index = {code: i for i, code in enumerate(codes)}
    coder_index = {coder: i for i, coder in enumerate(coders)}
    rows = []
    for doc, code, coder, start, end in spans:
        if doc not in doc_index:
            raise ValueError(f"span on document {doc!r}, which has no length")
        if code in code_index and coder in coder_index:
            rows.append(
                (doc_index[doc], code_index[code], coder_index[coder], start, end)
            )
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    doc, code, coder, start, end = table.T
    if ((start < 0) | (start > end) | (end > doc_length[doc])).any():
        raise ValueError("spans must satisfy 0 <= start <= end <= document length")
    keep = (start < end) & is_assigned[doc, coder]
    return doc[keep], code[keep], coder[keep], start[keep], end[keep]


def _to_units(
    unit_starts: Mapping[Hashable, Sequence[int] | np.ndarray],
    documents: tuple,
    doc_length: np.ndarray,
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units per document, and the spans as [first unit, last unit + 1)."""
    checked = [
        _check_unit_starts(unit_starts[d], int(doc_length[i]))
        for i, d in enumerate(documents)
    ]
    size = np.array([len(s) for s in checked], dtype=np.int64)
    char_offset = np.concatenate([[0], np.cumsum(doc_length + 1)[:-1]])
    unit_offset = np.concatenate([[0], np.cumsum(size)[:-1]])
    flat = np.concatenate(
        [s + off for s, off in zip(checked, char_offset, strict=True)]
        or [np.zeros(0, np.int64)]
    )
    first = (
        np.searchsorted(flat, char_offset[doc] + start, side="right")
        - 1
        - unit_offset[doc]
    )
    last = (
        np.searchsorted(flat, char_offset[doc] + end - 1, side="right")
        - 1
        - unit_offset[doc]
    )
    return size, first, last + 1


@dataclass(frozen=True, slots=True)
class _Merged:
    """Each (document, code, coder)'s spans merged, as positions in its document."""

    key: np.ndarray  # (doc * n_codes + code) * n_coders + coder
    coder: np.ndarray
    cell: np.ndarray  # doc * n_codes + code
    start: np.ndarray
    end: np.ndarray
    block: np.ndarray  # per document: units + 1


def _merge_per_coder(
    columns: tuple[np.ndarray, ...], size: np.ndarray, n_codes: int, n_coders: int
) -> _Merged:
    """Lay every (document, code, coder) on one line, each in its own block, so one
    sort merges all groups: block = size + 1 keeps neighbouring groups from
    touching."""
    doc, code, coder, start, end = columns
    block = size + 1
    doc_base = np.concatenate([[0], np.cumsum(block * n_codes * n_coders)[:-1]])
    group_base = doc_base[doc] + (code * n_coders + coder) * block[doc]
    key = (doc * n_codes + code) * n_coders + coder
    key, merged_start, merged_end = merge_intervals(
        key, group_base + start, group_base + end, join_touching=True
    )
    coder = key % n_coders
    cell = key // n_coders
    doc = cell // n_codes
    local_start = merged_start - (
        doc_base[doc] + ((cell % n_codes) * n_coders + coder) * block[doc]
    )
    return _Merged(
        key=key,
        coder=coder,
        cell=cell,
        start=local_start,
        end=local_start + (merged_end - merged_start),
        block=block,
    )


@dataclass(frozen=True, slots=True)
class _Events:
    """+1 where a coder's interval opens on a (document, code) line, −1 where it
    closes, in position order; ``width`` is the length up to the next event."""

    delta: np.ndarray
    coder: np.ndarray
    segment_cell: np.ndarray
    width: np.ndarray


def _events(merged: _Merged, n_codes: int) -> _Events:
    block = merged.block
    cell_doc = merged.cell // n_codes
    cell_base = (
        np.concatenate([[0], np.cumsum(block * n_codes)[:-1]])[cell_doc]
        + (merged.cell % n_codes) * block[cell_doc]
    )
    count = len(merged.key)
    position = np.concatenate([cell_base + merged.start, cell_base + merged.end])
    delta = np.concatenate([np.ones(count, np.int64), -np.ones(count, np.int64)])
    event_coder = np.concatenate([merged.coder, merged.coder])
    event_cell = np.concatenate([merged.cell, merged.cell])
    order = np.argsort(position, kind="stable")
    position = position[order]
    return _Events(
        delta=delta[order],
        coder=event_coder[order],
        segment_cell=event_cell[order][:-1],
        width=np.diff(position).astype(float),
    )


def _both_coded(events: _Events, n_cells: int, pairs: tuple) -> np.ndarray:
    """(cells, pairs): a running sum over one pair's events is 2 where both coded."""
    both = np.zeros((n_cells, len(pairs)))
    for p, (i, j) in enumerate(pairs):
        mine = (events.coder == i) | (events.coder == j)
        inside = np.cumsum(np.where(mine, events.delta, 0))[:-1]
        both[:, p] = np.bincount(
            events.segment_cell,
            weights=events.width * (inside == 2),
            minlength=n_cells,
        )
    return np.rint(both).astype(np.int64)


def _coverage(
    events: _Events, size: np.ndarray, n_codes: int, n_coders: int
) -> np.ndarray:
    """(documents, codes, coders + 1): units coded by exactly k coders."""
    n_docs = len(size)
    depth = np.cumsum(events.delta)[:-1]
    covered = np.bincount(
        events.segment_cell * (n_coders + 1) + depth,
        weights=events.width,
        minlength=n_docs * n_codes * (n_coders + 1),
    ).reshape(n_docs, n_codes, n_coders + 1)
    covered = np.rint(covered).astype(np.int64)
    covered[:, :, 0] = size[:, None] - covered[:, :, 1:].sum(axis=-1)
    return covered


def character_table(
    *,
    spans: Iterable[tuple[Hashable, Hashable, Hashable, int, int]],
    lengths: Mapping[Hashable, int],
    codes: Sequence[Hashable],
    coders: Sequence[Hashable],
    unit_starts: Mapping[Hashable, Sequence[int] | np.ndarray] | None = None,
    granularity: str | None = None,
    assigned: Mapping[Hashable, Collection[Hashable]] | None = None,
) -> CharacterTable:
    """Count agreement for all documents × codes × coder pairs in one pass.

    ``spans`` are ``(document, code, coder, start, end)``; spans of codes or coders
    not listed are ignored, a span on an unknown document is an error. ``lengths``
    fixes the documents and their order. With ``unit_starts`` per document, units
    are sentences or turns instead of characters (``granularity`` names them).
    ``assigned`` (document → coders) limits the comparison to coders who worked on
    that document; without it every coder counts for every document and an absent
    coding means "not coded", as in NVivo.
    """
    documents = tuple(lengths)
    codes, coders = tuple(codes), tuple(coders)
    n_docs, n_codes, n_coders = len(documents), len(codes), len(coders)
    doc_length = np.array([lengths[doc] for doc in documents], dtype=np.int64)
    if (doc_length < 0).any():
        raise ValueError("document lengths must not be negative")
    is_assigned = _assigned_matrix(documents, coders, assigned)
    doc, code, coder, start, end = _span_columns(
        spans, documents, codes, coders, doc_length, is_assigned
    )
    label, size = CHARACTER, doc_length
    if unit_starts is not None:
        label = granularity or UNIT
        size, start, end = _to_units(
            unit_starts, documents, doc_length, doc, start, end
        )
    merged = _merge_per_coder((doc, code, coder, start, end), size, n_codes, n_coders)
    coded = np.bincount(
        merged.key,
        weights=merged.end - merged.start,
        minlength=n_docs * n_codes * n_coders,
    )
    coded = np.rint(coded).astype(np.int64).reshape(n_docs, n_codes, n_coders)
    events = _events(merged, n_codes)
    pairs = tuple(combinations(range(n_coders), 2))
    both = _both_coded(events, n_docs * n_codes, pairs)
    return CharacterTable(
        documents,
        codes,
        coders,
        pairs,
        label,
        size.copy(),
        coded,
        both.reshape(n_docs, n_codes, len(pairs)),
        _coverage(events, size, n_codes, n_coders),
        is_assigned,
    )
