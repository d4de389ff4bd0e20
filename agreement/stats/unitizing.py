"""Unitizing agreement: coders draw their own span boundaries on a continuum.

Two generations of Krippendorff's coefficient, kept apart because they answer
differently and tools report both:

* ``unitizing_alpha`` — the current u-alpha family of Krippendorff, Mathet, Bouvry &
  Widlöcher (2016) and Krippendorff (2019, §12.6), as ATLAS.ti reports it: uα,
  |uα (binary), cuα and (k)uα. Observed coincidences are the lengths of the
  intersections of every coder pair's sections (units and the gaps between them)
  divided by m − 1; expected coincidences remove each section's pairing with itself
  (a unit of length l pairs with itself l² times; gaps are unstructured, so a gap
  counts its length, not its square).
* ``unitizing_alpha_1995`` — the older per-category α_U of Krippendorff (1995) and
  Content Analysis 2nd ed. (2004, §11.6), with squared boundary distances, as
  DKPro Statistics' ``KrippendorffAlphaUnitizingAgreement`` implements it; the
  all-category value is 1 − mean D_o / mean D_e over categories, as DKPro does.

Positions are integers (code points); units are ``(start, end, value)``, end
exclusive. All arithmetic runs over elementary intervals (between consecutive
boundaries of any coder), so the cost grows with the number of units, never with
the length of the text.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from agreement.stats._common import (
    Level,
    as_level,
    merge_intervals,
    ordinal_delta,
    value_delta,
)

UnitSpan = tuple[int, int, Hashable]

# Expected disagreements below this share of the pairable length are rounding noise
# from a continuum without variation (e.g. every coder coded nothing).
_NO_VARIATION = 1e-9


@dataclass(frozen=True)
class ValueAlpha:
    """(k)uα for one value, with the share of its coded length that met other coders' units."""

    value: Hashable
    alpha: float | None
    coverage: float | None
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class UnitizingAlpha:
    """The u-alpha family for one continuum (Krippendorff et al. 2016).

    ``u_alpha``: units, gaps and values together (nominal). ``binary_alpha`` (|uα):
    coded versus not coded, values ignored. ``cu_alpha``: the values of intersecting
    coded units, gaps ignored, with ``level``'s difference function. ``per_value``:
    (k)uα. ``cu_pairable`` is the intersecting coded length behind cuα (ℓ*..), and
    ``cu_coverage`` its share of the continuum's pairable length (m·L). ``reasons``
    explains every coefficient that is ``None``.
    """

    u_alpha: float | None
    binary_alpha: float | None
    cu_alpha: float | None
    per_value: tuple[ValueAlpha, ...]
    level: Level
    n_coders: int
    length: int
    n_units: int
    cu_pairable: float
    cu_coverage: float | None
    values: tuple[Hashable, ...] = ()
    observed: np.ndarray | None = field(default=None, repr=False)  # l_ck, gap first
    expected: np.ndarray | None = field(default=None, repr=False)  # e_ck
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryAlpha1995:
    category: Hashable
    alpha: float | None
    observed: float  # D_o
    expected: float  # D_e
    n_units: int
    reason: str | None = None


@dataclass(frozen=True)
class UnitizingAlpha1995:
    """Krippendorff's (1995/2004) unitizing α_U, per category and over all of them."""

    alpha: float | None
    observed: float | None
    expected: float | None
    per_category: tuple[CategoryAlpha1995, ...]
    n_coders: int
    length: int
    reason: str | None = None


@dataclass(frozen=True)
class _Coder:
    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray  # index into the value list, 1-based (0 = gap)


def _units(
    spans_by_coder: Sequence[Iterable[UnitSpan]],
    *,
    begin: int,
    length: int,
    values: Sequence[Hashable] | None,
    allow_value_overlap: bool,
) -> tuple[list[_Coder], tuple[Hashable, ...]]:
    """Validate, index and merge each coder's units (overlaps of one value merge)."""
    rows = [list(spans) for spans in spans_by_coder]
    if values is None:
        seen = {row[2] for coder in rows for row in coder}
        try:
            values = tuple(sorted(seen))  # type: ignore[type-var]
        except TypeError:
            values = tuple(sorted(seen, key=repr))
    values = tuple(values)
    index = {value: i + 1 for i, value in enumerate(values)}
    coders = []
    for coder in rows:
        starts = np.array([row[0] for row in coder], dtype=np.int64)
        ends = np.array([row[1] for row in coder], dtype=np.int64)
        if ((starts >= ends) | (starts < begin) | (ends > begin + length)).any():
            raise ValueError(f"units need {begin} <= start < end <= {begin + length}")
        try:
            keys = np.array([index[row[2]] for row in coder], dtype=np.int64)
        except KeyError as missing:
            raise ValueError(
                f"value {missing.args[0]!r} is not among the given values"
            ) from None
        # Each value gets its own block so one sort merges them separately.
        block = length + 1
        offset = keys * block - begin
        keys, starts, ends = merge_intervals(
            keys, starts + offset, ends + offset, join_touching=False
        )
        starts, ends = starts - (keys * block - begin), ends - (keys * block - begin)
        order = np.argsort(starts, kind="stable")
        starts, ends, keys = starts[order], ends[order], keys[order]
        if not allow_value_overlap and (starts[1:] < ends[:-1]).any():
            raise ValueError(
                "a coder's units of different values overlap; resolve them first "
                "(agreement.stats.resolve_overlaps) or use one code at a time"
            )
        coders.append(_Coder(starts, ends, keys))
    return coders, values


def _value_at(coder: _Coder, points: np.ndarray) -> np.ndarray:
    """The coder's value index at each point (0 where the point lies in a gap)."""
    if coder.starts.size == 0:
        return np.zeros(points.shape, dtype=np.int64)
    slot = np.maximum(np.searchsorted(coder.starts, points, side="right") - 1, 0)
    inside = (coder.starts[slot] <= points) & (points < coder.ends[slot])
    return np.where(inside, coder.values[slot], 0)


def _coverage_function(coder: _Coder) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of F(x) = coded length before x (piecewise linear, continuous)."""
    lengths = coder.ends - coder.starts
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    x = np.column_stack([coder.starts, coder.ends]).ravel()
    y = np.column_stack([before, before + lengths]).ravel()
    keep = np.r_[True, x[1:] != x[:-1]]  # touching units repeat a point with equal F
    return x[keep].astype(float), y[keep].astype(float)


def _overlap_with(coder: _Coder, other: _Coder) -> np.ndarray:
    """Length of each of ``coder``'s units covered by ``other``'s coded units."""
    if other.starts.size == 0 or coder.starts.size == 0:
        return np.zeros(coder.starts.size)
    x, y = _coverage_function(other)
    total = float(y[-1])
    right = np.interp(coder.ends.astype(float), x, y, left=0.0, right=total)
    left = np.interp(coder.starts.astype(float), x, y, left=0.0, right=total)
    return right - left


def _ratio_alpha(observed: float, expected: float, scale: float) -> float | None:
    if not np.isfinite(expected) or expected <= _NO_VARIATION * max(scale, 1.0):
        return None
    return 1.0 - observed / expected


def unitizing_alpha(
    spans_by_coder: Sequence[Iterable[UnitSpan]],
    *,
    length: int,
    begin: int = 0,
    level: Level | str = Level.NOMINAL,
    values: Sequence[Hashable] | None = None,
) -> UnitizingAlpha:
    """uα, |uα, cuα and (k)uα for one continuum [begin, begin + length).

    ``spans_by_coder`` has one iterable of ``(start, end, value)`` per coder (a coder
    with no units still counts: all gap). A coder's units of one value may overlap
    (they merge) but units of different values may not; see ``resolve_overlaps``.
    ``level`` applies to cuα and (k)uα (uα and |uα are nominal by construction);
    non-nominal levels need numeric values. Several documents can be laid end to
    end into one continuum: gaps count by length, so joining them changes nothing.

    The self-pairing correction of cuα takes, for each unit and each other coder j,
    the square of the unit's overlap with j's coded units, averaged over the m − 1
    others, mirroring how ℓ* averages coder pairs. For two coders every reading of
    the published correction we know coincides; for three or more this is our
    reading (another in circulation squares the overlap with the union of all other
    coders' units), so cuα and (k)uα for m > 2 may differ from ATLAS.ti in decimals.
    """
    level = as_level(level)
    coders, labels = _units(
        spans_by_coder,
        begin=begin,
        length=length,
        values=values,
        allow_value_overlap=False,
    )
    if level is not Level.NOMINAL and not all(
        isinstance(v, int | float) for v in labels
    ):
        raise ValueError(f"{level} cuα needs numeric values")
    m = len(coders)
    n_units = int(sum(c.starts.size for c in coders))
    if m < 2 or length <= 0:
        reason = "fewer than two coders" if m < 2 else "empty continuum"
        return _undefined_unitizing(reason, level, m, length, n_units, labels)
    size = len(labels) + 1  # index 0 is the gap
    total = float(m * length)
    observed = _observed_coincidences(coders, begin=begin, length=length, size=size)
    expected = _expected_coincidences(coders, observed, total=total, size=size)
    u_alpha, binary_alpha, reasons = _u_and_binary(observed, expected, total)
    star = observed[1:, 1:]
    cu_alpha, per_value, cu_reason = _cu_family(coders, star, observed, labels, level)
    if cu_reason:
        reasons["cu_alpha"] = cu_reason
    star_total = float(star.sum())
    return UnitizingAlpha(
        u_alpha,
        binary_alpha,
        cu_alpha,
        tuple(per_value),
        level,
        m,
        length,
        n_units,
        star_total,
        star_total / total,
        labels,
        observed,
        expected,
        reasons,
    )


def _undefined_unitizing(
    reason: str,
    level: Level,
    m: int,
    length: int,
    n_units: int,
    labels: tuple[Hashable, ...],
) -> UnitizingAlpha:
    return UnitizingAlpha(
        None,
        None,
        None,
        (),
        level,
        m,
        length,
        n_units,
        0.0,
        None,
        labels,
        reasons=dict.fromkeys(("u_alpha", "binary_alpha", "cu_alpha"), reason),
    )


def _u_and_binary(
    observed: np.ndarray, expected: np.ndarray, total: float
) -> tuple[float | None, float | None, dict[str, str]]:
    """uα (any disagreement) and |uα (coded against uncoded), with reasons."""
    reasons: dict[str, str] = {}
    u_alpha = _ratio_alpha(
        total - np.trace(observed), total - np.trace(expected), total
    )
    if u_alpha is None:
        reasons["u_alpha"] = (
            "no variation: every coder unitized the continuum alike and trivially"
        )
    binary_alpha = _ratio_alpha(observed[0, 1:].sum(), expected[0, 1:].sum(), total)
    if binary_alpha is None:
        reasons["binary_alpha"] = "no variation between coded and uncoded stretches"
    return u_alpha, binary_alpha, reasons


def _observed_coincidences(
    coders: list[_Coder], *, begin: int, length: int, size: int
) -> np.ndarray:
    """(values + 1)² length-weighted coincidences over the elementary intervals
    (between consecutive boundaries of any coder); index 0 is the gap."""
    m = len(coders)
    points = np.unique(
        np.concatenate(
            [[begin, begin + length]] + [np.r_[c.starts, c.ends] for c in coders]
        )
    )
    left, width = points[:-1], np.diff(points).astype(float)
    codes = np.column_stack([_value_at(c, left) for c in coders])
    counts = np.zeros((len(left), size))
    np.add.at(counts, (np.repeat(np.arange(len(left)), m), codes.ravel()), 1.0)
    weighted = counts * width[:, None]
    return (weighted.T @ counts - np.diag(weighted.sum(axis=0))) / (m - 1)


def _expected_coincidences(
    coders: list[_Coder], observed: np.ndarray, *, total: float, size: int
) -> np.ndarray:
    """Coincidences expected by chance, without a unit pairing with itself."""
    margins = observed.sum(axis=1)
    unit_lengths = np.concatenate([(c.ends - c.starts) for c in coders]).astype(float)
    unit_values = np.concatenate([c.values for c in coders])
    self_pairs = np.bincount(unit_values, weights=unit_lengths**2, minlength=size)
    self_pairs[0] = total - unit_lengths.sum()  # gaps pair by length, not squared
    scale = total - self_pairs.sum() / total
    return (np.outer(margins, margins) - np.diag(self_pairs)) / scale


def _cu_family(
    coders: list[_Coder],
    star: np.ndarray,
    observed: np.ndarray,
    labels: tuple[Hashable, ...],
    level: Level,
) -> tuple[float | None, list[ValueAlpha], str | None]:
    """cuα and (k)uα from the coincidences of intersecting coded units (ℓ*)."""
    star_total = float(star.sum())
    met = star.sum(axis=0)
    coded_length = observed[:, 1:].sum(axis=0)
    coverage = [
        float(a / b) if b else None for a, b in zip(met, coded_length, strict=True)
    ]

    def undefined(reason: str) -> tuple[None, list[ValueAlpha], str]:
        values = zip(labels, coverage, strict=True)
        return None, [ValueAlpha(v, None, c, reason) for v, c in values], reason

    if star_total <= 0:
        return undefined("no coded units of different coders overlap")
    self_pairs = _self_pairs(coders, len(labels))
    scale = star_total - self_pairs.sum() / star_total
    if scale <= 0:
        return undefined("no variation: intersecting units only pair with themselves")
    margins = star.sum(axis=1)
    expected = (np.outer(margins, margins) - np.diag(self_pairs)) / scale
    if level is Level.ORDINAL:
        delta = ordinal_delta(margins)
    else:
        kind = object if level is Level.NOMINAL else float
        delta = value_delta(np.array(labels, dtype=kind), level)
    cu_alpha = _ratio_alpha(
        float((delta * star).sum()), float((delta * expected).sum()), star_total
    )
    reason = (
        None
        if cu_alpha is not None
        else "no variation among the values of intersecting units"
    )
    margins_met, margins_expected = met, expected.sum(axis=0)
    per_value = [
        _value_alpha(
            value,
            observed_k=(star[:, k], margins_met[k]),
            expected_k=(expected[:, k], margins_expected[k]),
            delta_k=delta[:, k],
            coverage=coverage[k],
        )
        for k, value in enumerate(labels)
    ]
    return cu_alpha, per_value, reason


def _self_pairs(coders: list[_Coder], n_labels: int) -> np.ndarray:
    """Each unit pairs with itself: per other coder j, its overlap with j's units,
    squared, averaged over the m − 1 others (see unitizing_alpha's docstring)."""
    m = len(coders)
    self_pairs = np.zeros(n_labels + 1)
    for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
        overlap = _overlap_with(coders[i], coders[j])
        self_pairs += np.bincount(
            coders[i].values, weights=overlap**2, minlength=n_labels + 1
        )
    return self_pairs[1:] / (m - 1)


def _value_alpha(
    value: Hashable,
    *,
    observed_k: tuple[np.ndarray, float],
    expected_k: tuple[np.ndarray, float],
    delta_k: np.ndarray,
    coverage: float | None,
) -> ValueAlpha:
    """(k)uα of one value: its disagreement against the chance one (each column
    comes with its margin)."""
    star_k, met = observed_k
    expected_column, expected_margin = expected_k
    if met <= 0:
        return ValueAlpha(value, None, coverage, "no overlapping units with this value")
    d_o = float((delta_k * star_k).sum() / met)
    d_e = (
        float((delta_k * expected_column).sum() / expected_margin)
        if expected_margin > 0
        else 0.0
    )
    alpha_k = _ratio_alpha(d_o, d_e, 1.0)
    return ValueAlpha(
        value, alpha_k, coverage, None if alpha_k is not None else "no variation"
    )


# --- Krippendorff (1995/2004), DKPro's α_U ---------------------------------------------


def _sections(
    starts: np.ndarray, ends: np.ndarray, begin: int, length: int
) -> tuple[np.ndarray, ...]:
    """A coder's partition of the continuum: its units and the gaps between them."""
    gap_starts = np.r_[begin, ends]
    gap_ends = np.r_[starts, begin + length]
    real = gap_ends > gap_starts
    all_starts = np.r_[starts, gap_starts[real]]
    all_ends = np.r_[ends, gap_ends[real]]
    is_unit = np.r_[np.ones(starts.size, bool), np.zeros(int(real.sum()), bool)]
    order = np.argsort(all_starts, kind="stable")
    return all_starts[order], all_ends[order], is_unit[order]


def _observed_1995(
    sections: list[tuple[np.ndarray, ...]], begin: int, length: int
) -> float:
    """D_o: squared boundary distances of every overlapping section pair, all coder pairs.

    Two sections overlap exactly once, on one elementary interval of the pair's
    joint boundaries, so each pair is visited once without a loop over positions.
    """
    r = len(sections)
    total = 0.0
    for (s1, e1, u1), (s2, e2, u2) in combinations(sections, 2):
        points = np.unique(np.r_[s1, s2, begin + length])
        left = points[:-1]
        a = np.searchsorted(s1, left, side="right") - 1
        b = np.searchsorted(s2, left, side="right") - 1
        b1, f1, unit1 = s1[a].astype(float), e1[a].astype(float), u1[a]
        b2, f2, unit2 = s2[b].astype(float), e2[b].astype(float), u2[b]
        both = unit1 & unit2
        first_in_gap = unit1 & ~unit2 & (b2 <= b1) & (f1 <= f2)
        second_in_gap = ~unit1 & unit2 & (b1 <= b2) & (f2 <= f1)
        total += float(
            (np.where(both, (b1 - b2) ** 2 + (f1 - f2) ** 2, 0.0)).sum()
            + ((f1 - b1) ** 2)[first_in_gap].sum()
            + ((f2 - b2) ** 2)[second_in_gap].sum()
        )
    return 2.0 * total / (r * (r - 1) * float(length) ** 2)


def _expected_1995(units: np.ndarray, gaps: np.ndarray, r: int, length: int) -> float:
    """D_e of Krippendorff (2004: 254), as DKPro Statistics evaluates it."""
    units = units.astype(float)
    gaps = np.sort(gaps.astype(float))
    n_c = units.size
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    first = np.searchsorted(
        gaps, units, side="left"
    )  # gaps at least as long as the unit
    fitting = suffix[first] - (units - 1.0) * (gaps.size - first)  # Σ (g − l + 1)
    within = (n_c - 1) * (2 * units**3 - 3 * units**2 + units) / 3.0
    numerator = (within + units**2 * fitting).sum() * 2.0 / length
    denominator = r * length * (r * length - 1.0) - (units * (units - 1.0)).sum()
    return float(numerator / denominator)


def unitizing_alpha_1995(
    spans_by_coder: Sequence[Iterable[UnitSpan]],
    *,
    length: int,
    begin: int = 0,
    categories: Sequence[Hashable] | None = None,
) -> UnitizingAlpha1995:
    """Krippendorff's (1995) unitizing α_U per category, DKPro Statistics' variant.

    Each category is judged on its own: a coder's units of that category against the
    gaps between them, so units of different categories may overlap. Overlapping
    units of one category merge; adjacent ones stay separate units. The overall
    value is 1 − mean D_o / mean D_e across ``categories`` (default: those used).
    """
    coders, labels = _units(
        spans_by_coder,
        begin=begin,
        length=length,
        values=categories,
        allow_value_overlap=True,
    )
    r = len(coders)
    if r < 2 or length <= 0:
        reason = "fewer than two coders" if r < 2 else "empty continuum"
        return UnitizingAlpha1995(None, None, None, (), r, length, reason)
    results = []
    for k, category in enumerate(labels, start=1):
        own = [(c.starts[c.values == k], c.ends[c.values == k]) for c in coders]
        sections = [_sections(s, e, begin, length) for s, e in own]
        units = np.concatenate([e - s for s, e in own])
        gaps = np.concatenate([(e - s)[~u] for s, e, u in sections])
        d_o = _observed_1995(sections, begin, length)
        d_e = _expected_1995(units, gaps, r, length)
        alpha = 1.0 - d_o / d_e if d_e > 0 else None
        reason = None if alpha is not None else "no units of this category"
        results.append(
            CategoryAlpha1995(category, alpha, d_o, d_e, int(units.size), reason)
        )
    if not results:
        return UnitizingAlpha1995(None, None, None, (), r, length, "no categories")
    mean_o = float(np.mean([c.observed for c in results]))
    mean_e = float(np.mean([c.expected for c in results]))
    alpha = 1.0 - mean_o / mean_e if mean_e > 0 else None
    return UnitizingAlpha1995(
        alpha,
        mean_o,
        mean_e,
        tuple(results),
        r,
        length,
        None if alpha is not None else "no units at all",
    )
