"""Code co-occurrence: which codes are applied to the same stretch of talk.

Pure module (no ORM, numpy only). Codings come in as plain tuples
``(coding_id, document_id, code_id, start, end)``, speaker turns as
``(document_id, turn_number, start, end)``; offsets are code points, end exclusive.
Empty codings (``start == end``) take part in nothing. Ids are integers.

Definitions (``C`` codes on both axes, row code X, column code Y, X ≠ Y):

``mode="overlap"`` (NVivo's coding co-occurrence)
    Two codings *overlap* when they are in the same document and share at least one
    character: ``a.start < b.end and b.start < a.end`` (touching spans do not).
    ``counts[X, Y]`` is the number of coded passages (codings) of X that overlap at
    least one coding of Y. It is directional: one long X passage overlapping three
    Y passages gives ``counts[X, Y] == 1`` and ``counts[Y, X] == 3``.
    ``counts[X, X]`` is the number of codings of X.
    ``jaccard[X, Y] = (counts[X, Y] + counts[Y, X]) / (n_X + n_Y)``: the Jaccard
    index |A ∩ B| / |A ∪ B| of A = the passages touching X (X's own codings and the
    Y codings overlapping one) and B = the passages touching Y, over the X and Y
    codings. 1 when every passage of either code overlaps the other code.

``mode="turn"``
    The unit is a speaker turn; a code is *in* a turn when one of its codings
    overlaps the turn (a coding spanning two turns is in both). ``counts[X, Y]`` is
    the number of turns holding both X and Y (symmetric); ``counts[X, X]`` the
    number of turns holding X. ``jaccard[X, Y] = counts[X, Y] / (t_X + t_Y -
    counts[X, Y])`` over turns. Codings outside every turn are ignored. Turns of one
    document may not overlap.

In both modes ``pair_counts[X, Y]`` is the number of distinct coding pairs behind
the cell: X and Y codings that overlap, or that share a turn. ``pairs_behind(X, Y)``
lists them, so a click on a cell can show the segments; on the diagonal it lists
``(id, id)`` for each coding counted there.

Everything is vectorised over all documents at once: documents get disjoint
position ranges, codings are sorted by start, and ``searchsorted`` finds, for each
coding, the run of later-starting codings that overlap it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Mode = Literal["overlap", "turn"]
CodingRow = tuple[int, int, int, int, int]
TurnRow = tuple[int, int, int, int]


@dataclass(frozen=True)
class _Codings:
    ids: np.ndarray
    codes: np.ndarray  # index into the axis, 0..C-1
    starts: np.ndarray  # positions made unique across documents
    ends: np.ndarray


@dataclass(frozen=True)
class _Turns:
    documents: np.ndarray
    numbers: np.ndarray
    starts: np.ndarray  # same position space as the codings, sorted
    ends: np.ndarray


@dataclass(frozen=True, eq=False)
class CooccurrenceMatrix:
    """Counts and Jaccard indices, both ``C × C`` with rows and columns ``codes``."""

    mode: Mode
    codes: tuple[int, ...]
    counts: np.ndarray
    pair_counts: np.ndarray
    jaccard: np.ndarray
    _codings: _Codings = field(repr=False)
    _turns: _Turns | None = field(repr=False, default=None)

    @property
    def totals(self) -> np.ndarray:
        """Codings (overlap) or turns (turn) per code: the diagonal."""
        return np.diagonal(self.counts).copy()

    def index(self, code_id: int) -> int:
        try:
            return self.codes.index(code_id)
        except ValueError:
            raise KeyError(code_id) from None

    def count(self, row: int, column: int) -> int:
        return int(self.counts[self.index(row), self.index(column)])

    def jaccard_of(self, row: int, column: int) -> float:
        return float(self.jaccard[self.index(row), self.index(column)])

    def pairs_behind(self, row: int, column: int) -> list[tuple[int, int]]:
        """``(row coding id, column coding id)`` pairs behind a cell, sorted."""
        return pairs_behind(self, row, column)

    def turns_behind(self, row: int, column: int) -> list[tuple[int, int]]:
        """``(document_id, turn_number)`` of the turns counted in a cell (turn mode)."""
        if self._turns is None:
            raise ValueError("turns_behind needs a matrix made with mode='turn'")
        x, y = self.index(row), self.index(column)
        sub = _subset(
            self._codings, (self._codings.codes == x) | (self._codings.codes == y)
        )
        coding, turn = _turn_memberships(sub, self._turns)
        codes = sub.codes[coding]
        with_x = _unique(turn[codes == x])
        with_y = _unique(turn[codes == y])
        turns = np.intersect1d(with_x, with_y, assume_unique=True)
        t = self._turns
        return [(int(d), int(n)) for d, n in zip(t.documents[turns], t.numbers[turns])]

    def as_lists(self) -> dict[str, object]:
        """Plain lists for templates and JSON."""
        return {
            "mode": self.mode,
            "codes": list(self.codes),
            "counts": self.counts.tolist(),
            "pair_counts": self.pair_counts.tolist(),
            "jaccard": self.jaccard.tolist(),
        }


def cooccurrence(
    codings: Iterable[CodingRow] | np.ndarray,
    *,
    mode: Mode = "overlap",
    turns: Iterable[TurnRow] | None = None,
    codes: Sequence[int] | None = None,
) -> CooccurrenceMatrix:
    """The co-occurrence matrix of ``codings`` (definitions in the module docstring).

    ``codes`` fixes the axes (order kept, codes without codings included, codings of
    other codes left out); by default every code seen, ascending. ``codings`` may
    also be an ``n × 5`` integer array.
    """
    if mode not in ("overlap", "turn"):
        raise ValueError(f"mode must be 'overlap' or 'turn', not {mode!r}")
    if mode == "turn" and turns is None:
        raise ValueError("mode='turn' needs the speaker turns")
    rows = _as_array(codings, 5, "codings")
    turn_rows = _as_array(turns, 4, "turns") if mode == "turn" else None
    axis, data, turn_data = _prepare(rows, turn_rows, codes)
    size = len(axis)

    if mode == "overlap":
        counts, pair_counts = _overlap_counts(data, size)
        n = np.diagonal(counts).astype(np.float64)
        both = counts + counts.T
        jaccard = _divide(both.astype(np.float64), n[:, None] + n[None, :])
    else:
        assert turn_data is not None
        counts, pair_counts = _turn_counts(data, turn_data, size)
        t = np.diagonal(counts).astype(np.float64)
        jaccard = _divide(counts.astype(np.float64), t[:, None] + t[None, :] - counts)
    np.fill_diagonal(jaccard, (np.diagonal(counts) > 0).astype(np.float64))
    return CooccurrenceMatrix(
        mode=mode,
        codes=tuple(int(c) for c in axis),
        counts=counts,
        pair_counts=pair_counts,
        jaccard=jaccard,
        _codings=data,
        _turns=turn_data,
    )


def pairs_behind(
    matrix: CooccurrenceMatrix, row: int, column: int
) -> list[tuple[int, int]]:
    """The coding id pairs behind ``matrix``'s cell (row code, column code), sorted."""
    x, y = matrix.index(row), matrix.index(column)
    data = matrix._codings
    sub = _subset(data, (data.codes == x) | (data.codes == y))
    if x == y:
        ids = sub.ids
        if matrix._turns is not None:  # only codings that fall in a turn count
            ids = ids[_unique(_turn_memberships(sub, matrix._turns)[0])]
        return [(int(i), int(i)) for i in np.sort(ids)]
    if matrix._turns is None:
        a, b = _overlapping_pairs(sub)
    else:
        a, b = _turn_pairs(sub, matrix._turns)
    ids_x = np.where(sub.codes[a] == x, sub.ids[a], sub.ids[b])
    ids_y = np.where(sub.codes[a] == x, sub.ids[b], sub.ids[a])
    order = np.lexsort((ids_y, ids_x))
    ids_x, ids_y = ids_x[order], ids_y[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (ids_x[1:] != ids_x[:-1]) | (ids_y[1:] != ids_y[:-1])
    return [(int(i), int(j)) for i, j in zip(ids_x[new], ids_y[new], strict=True)]


# --- preparation -------------------------------------------------------------------


def _subset(data: _Codings, keep: np.ndarray) -> _Codings:
    return _Codings(
        ids=data.ids[keep],
        codes=data.codes[keep],
        starts=data.starts[keep],
        ends=data.ends[keep],
    )


def _as_array(rows: Iterable[tuple] | None, width: int, name: str) -> np.ndarray:
    if rows is None:
        rows = ()
    source = rows if isinstance(rows, np.ndarray) else list(rows)
    array = np.asarray(source, dtype=np.int64)
    if array.size == 0:
        return np.empty((0, width), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{name} must be tuples of {width} integers")
    return array


def _prepare(
    rows: np.ndarray, turn_rows: np.ndarray | None, codes: Sequence[int] | None
) -> tuple[np.ndarray, _Codings, _Turns | None]:
    ids, documents, code_ids, starts, ends = rows.T
    if np.any(starts < 0) or np.any(ends < starts):
        raise ValueError("every coding needs 0 <= start <= end")
    if codes is None:
        axis = _unique(code_ids)
    else:
        axis = np.asarray(list(codes), dtype=np.int64)
        if len(_unique(axis)) != len(axis):
            raise ValueError("codes must not repeat")
    if len(axis):
        sorter = np.argsort(axis)
        at = np.minimum(np.searchsorted(axis, code_ids, sorter=sorter), len(axis) - 1)
        code_index = sorter[at]
        keep = (axis[code_index] == code_ids) & (ends > starts)
    else:
        code_index = np.zeros(len(rows), dtype=np.int64)
        keep = np.zeros(len(rows), dtype=bool)

    all_documents = documents
    if turn_rows is not None:
        t_docs, numbers, t_starts, t_ends = turn_rows.T
        if np.any(t_starts < 0) or np.any(t_ends < t_starts):
            raise ValueError("every turn needs 0 <= start <= end")
        all_documents = np.concatenate([documents, t_docs])
    universe, rank = _unique_inverse(all_documents)
    width = int(max(ends.max(initial=0), 0)) + 1
    if turn_rows is not None:
        width = max(width, int(turn_rows[:, 3].max(initial=0)) + 1)
    if len(universe) * width >= 2**62:
        raise ValueError("too many documents or too long texts for int64 positions")
    offset = rank.astype(np.int64) * width

    n = len(rows)
    data = _Codings(
        ids=ids[keep],
        codes=code_index[keep].astype(np.int64),
        starts=(offset[:n] + starts)[keep],
        ends=(offset[:n] + ends)[keep],
    )
    turn_data = None
    if turn_rows is not None:
        g_starts = offset[n:] + t_starts
        g_ends = offset[n:] + t_ends
        nonempty = t_ends > t_starts
        order = np.argsort(g_starts[nonempty], kind="stable")
        turn_data = _Turns(
            documents=t_docs[nonempty][order],
            numbers=numbers[nonempty][order],
            starts=g_starts[nonempty][order],
            ends=g_ends[nonempty][order],
        )
        if np.any(turn_data.ends[:-1] > turn_data.starts[1:]):
            raise ValueError("speaker turns of one document overlap")
    return axis, data, turn_data


# --- counting ----------------------------------------------------------------------


def _forward_pairs(upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ``(i, j)`` with ``i < j < upper[i]``, as two index arrays."""
    k = np.maximum(upper - np.arange(len(upper)) - 1, 0)
    left = np.repeat(np.arange(len(upper)), k)
    first_of_run = np.repeat(np.cumsum(k) - k, k)
    right = left + 1 + (np.arange(len(left)) - first_of_run)
    return left, right


def _overlapping_pairs(data: _Codings) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of overlapping codings of different codes, each pair once."""
    order = np.argsort(data.starts, kind="stable")
    starts = data.starts[order]
    # Codings sorted by start: those starting before my end (and not before me)
    # overlap me, since every coding is non-empty.
    upper = np.searchsorted(starts, data.ends[order], side="left")
    left, right = _forward_pairs(upper)
    a, b = order[left], order[right]
    different = data.codes[a] != data.codes[b]
    return a[different], b[different]


def _overlap_counts(data: _Codings, size: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = _overlapping_pairs(data)
    ca, cb = data.codes[a], data.codes[b]
    pair_counts = _symmetric(np.minimum(ca, cb), np.maximum(ca, cb), size)
    # A passage of X overlapping Y counts once, however many Y codings it meets.
    passage_and_code = _unique(np.concatenate([a * size + cb, b * size + ca]))
    passage, other = np.divmod(passage_and_code, size)
    counts = _bincount2(data.codes[passage], other, size)
    counts[np.diag_indices(size)] = np.bincount(data.codes, minlength=size)
    return counts, pair_counts


def _turn_memberships(data: _Codings, turns: _Turns) -> tuple[np.ndarray, np.ndarray]:
    """``(coding index, turn index)`` for every turn a coding overlaps."""
    first = np.searchsorted(turns.ends, data.starts, side="right")
    stop = np.searchsorted(turns.starts, data.ends, side="left")
    k = np.maximum(stop - first, 0)
    coding = np.repeat(np.arange(len(first)), k)
    turn = np.repeat(first, k) + (
        np.arange(len(coding)) - np.repeat(np.cumsum(k) - k, k)
    )
    return coding, turn


def _turn_pairs(
    data: _Codings,
    turns: _Turns,
    memberships: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of codings of different codes sharing a turn, each pair once."""
    coding, turn = memberships or _turn_memberships(data, turns)
    order = np.argsort(turn, kind="stable")  # memberships come sorted by coding
    coding, turn = coding[order], turn[order]
    left, right = _forward_pairs(np.searchsorted(turn, turn, side="right"))
    a, b = coding[left], coding[right]
    different = data.codes[a] != data.codes[b]
    a, b = a[different], b[different]
    n = max(len(data.ids), 1)
    # A pair of codings that both span two turns shares both: count it once.
    unique = _unique(np.minimum(a, b) * n + np.maximum(a, b))
    return np.divmod(unique, n)


def _turn_counts(
    data: _Codings, turns: _Turns, size: int
) -> tuple[np.ndarray, np.ndarray]:
    coding, turn = memberships = _turn_memberships(data, turns)
    present = _unique(turn * size + data.codes[coding])  # sorted by turn, then code
    turn_of, code_of = np.divmod(present, size)
    left, right = _forward_pairs(np.searchsorted(turn_of, turn_of, side="right"))
    counts = _symmetric(code_of[left], code_of[right], size)
    counts[np.diag_indices(size)] = np.bincount(code_of, minlength=size)

    a, b = _turn_pairs(data, turns, memberships)
    ca, cb = data.codes[a], data.codes[b]
    pair_counts = _symmetric(np.minimum(ca, cb), np.maximum(ca, cb), size)
    return counts, pair_counts


def _bincount2(rows: np.ndarray, columns: np.ndarray, size: int) -> np.ndarray:
    flat = np.bincount(rows * size + columns, minlength=size * size)
    return flat.reshape(size, size).astype(np.int64)


def _symmetric(low: np.ndarray, high: np.ndarray, size: int) -> np.ndarray:
    """Counts of unordered code pairs ``low < high``, mirrored onto both halves."""
    upper = _bincount2(low, high, size)
    return upper + upper.T


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


# np.unique hashes before sorting in numpy 2.3+, which is tens of times slower than a
# plain sort on millions of integers; these two are all we need.
def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    ordered = np.sort(values)
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return ordered[new]


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, for each value, the index of its distinct value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse
