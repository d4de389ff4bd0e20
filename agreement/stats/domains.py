"""Turn code applications into reliability data: one code, or a domain of codes.

A *domain* is a set of mutually exclusive codes read as one variable: its value for a
unit is the child code applied there (a category, or the child's numeric ``value`` for
ordinal/interval/ratio domains). A coder who applied none of the domain's codes to a
unit is missing there. A coder who applied two *different* values of one domain to
one unit contradicts the domain: that cell becomes missing too and is reported as a
conflict, so a supervisor can find it; it is never silently resolved in favour of
either value. Applying the same value twice is simply that value.

For unitizing the same rule applies to stretches of text: where one coder's spans of
two different values overlap, the overlap is cut out of both (it reads as uncoded
for that coder) and its length is reported; overlapping spans of one value merge.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from agreement.stats._common import merge_intervals

UnitSpan = tuple[int, int, Hashable]


@dataclass(frozen=True)
class DomainMatrix:
    """Units × coders values (NaN = missing) and the cells lost to conflicts."""

    values: np.ndarray
    conflicts: tuple[tuple[int, int], ...]  # (unit, coder) given two different values


def code_matrix(
    *,
    applied: Iterable[tuple[int, int]],
    n_units: int,
    n_coders: int,
    coded: ArrayLike | None = None,
) -> np.ndarray:
    """Binary variable for one code: 1 applied, 0 not applied, NaN missing.

    ``applied`` holds ``(unit, coder)`` indices. ``coded`` (units × coders, bool)
    says which units each coder worked on, e.g. the units of the documents assigned
    to them; outside it a coder is missing rather than "did not apply". An
    application implies the coder worked on that unit. Without ``coded`` every coder
    counts as having coded every unit.
    """
    if coded is None:
        worked = np.ones((n_units, n_coders), dtype=bool)
    else:
        worked = np.array(coded, dtype=bool)
        if worked.shape != (n_units, n_coders):
            raise ValueError("coded must have shape (n_units, n_coders)")
    matrix = np.where(worked, 0.0, np.nan)
    cells = np.asarray(list(applied), dtype=np.int64).reshape(-1, 2)
    matrix[cells[:, 0], cells[:, 1]] = 1.0
    return matrix


def domain_matrix(
    *,
    applications: Iterable[tuple[int, int, float]],
    n_units: int,
    n_coders: int,
) -> DomainMatrix:
    """Reliability data for a domain from ``(unit, coder, value)`` applications.

    ``value`` is the child code's number: its category id for a nominal domain, its
    ``value`` for ordinal, interval or ratio ones. Units a coder left without any of
    the domain's codes are missing; two different values in one cell are a conflict
    (missing, and listed in ``conflicts``).
    """
    rows = list(applications)
    units = np.array([row[0] for row in rows], dtype=np.int64)
    coders = np.array([row[1] for row in rows], dtype=np.int64)
    values = np.array([row[2] for row in rows], dtype=float)
    if np.isnan(values).any():
        raise ValueError("a domain value must be a number, not NaN")
    matrix = np.full((n_units, n_coders), np.nan)
    if not rows:
        return DomainMatrix(matrix, ())
    cell = units * n_coders + coders
    order = np.lexsort((values, cell))
    cell, values = cell[order], values[order]
    first = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    low = np.minimum.reduceat(values, first)
    high = np.maximum.reduceat(values, first)
    cells = cell[first]
    agreed = low == high
    matrix.flat[cells[agreed]] = low[agreed]
    clashes = cells[~agreed]
    return DomainMatrix(
        matrix,
        tuple(
            zip(
                (clashes // n_coders).tolist(),
                (clashes % n_coders).tolist(),
                strict=True,
            )
        ),
    )


@dataclass(frozen=True)
class ResolvedSpans:
    """Each coder's spans with no overlap between different values."""

    spans: tuple[tuple[UnitSpan, ...], ...]
    conflict_length: tuple[int, ...]  # per coder, characters cut out as conflicts


def resolve_overlaps(spans_by_coder: Sequence[Iterable[UnitSpan]]) -> ResolvedSpans:
    """Make each coder's ``(start, end, value)`` spans a valid unitization.

    Overlapping spans of one value merge (adjacent ones stay separate units);
    stretches covered by two different values are removed from that coder's
    coding and counted in ``conflict_length``.
    """
    resolved: list[tuple[UnitSpan, ...]] = []
    lost: list[int] = []
    for spans in spans_by_coder:
        rows = list(spans)
        if not rows:
            resolved.append(())
            lost.append(0)
            continue
        labels = sorted({row[2] for row in rows}, key=repr)
        index = {label: i for i, label in enumerate(labels)}
        starts = np.array([row[0] for row in rows], dtype=np.int64)
        ends = np.array([row[1] for row in rows], dtype=np.int64)
        if (starts >= ends).any():
            raise ValueError("every span needs start < end")
        keys = np.array([index[row[2]] for row in rows], dtype=np.int64)
        # One block per value so one sort merges every value's spans separately.
        base = int(starts.min())
        shift = int(ends.max()) - base + 1
        offset = keys * shift - base
        keys, starts, ends = merge_intervals(
            keys, starts + offset, ends + offset, join_touching=False
        )
        back = keys * shift - base
        starts, ends = starts - back, ends - back
        pieces, conflict = _single_cover(keys, starts, ends)
        resolved.append(tuple((int(s), int(e), labels[int(k)]) for s, e, k in pieces))
        lost.append(conflict)
    return ResolvedSpans(tuple(resolved), tuple(lost))


def _single_cover(
    keys: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[list[tuple[int, int, int]], int]:
    """Keep the stretches covered by exactly one interval; measure the rest."""
    count = len(starts)
    ident = np.arange(count, dtype=np.int64)
    position = np.concatenate([starts, ends])
    depth_step = np.concatenate([np.ones(count, np.int64), -np.ones(count, np.int64)])
    ident_step = np.concatenate([ident + 1, -(ident + 1)])
    order = np.argsort(position, kind="stable")
    position, depth_step, ident_step = (
        position[order],
        depth_step[order],
        ident_step[order],
    )
    depth = np.cumsum(depth_step)[:-1]
    owner = np.cumsum(ident_step)[:-1] - 1
    left, right = position[:-1], position[1:]
    width = right - left
    conflict = int(width[depth >= 2].sum())
    keep = (depth == 1) & (width > 0)
    left, right, owner = left[keep], right[keep], owner[keep]
    # Contiguous pieces of one interval (split only by zero-width events) join again.
    fresh = np.r_[True, (owner[1:] != owner[:-1]) | (left[1:] != right[:-1])]
    first = np.flatnonzero(fresh)
    last = np.r_[first[1:], len(left)] - 1
    pieces = [
        (int(left[a]), int(right[b]), int(keys[owner[a]]))
        for a, b in zip(first.tolist(), last.tolist(), strict=True)
    ]
    return pieces, conflict
