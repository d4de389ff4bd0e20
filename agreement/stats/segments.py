"""Agreement on predefined units (speaker turns, paragraphs): one value per coder.

Data come in as a units × coders array; a missing value is NaN (or ``None`` in an
object array, whose labels are then treated as nominal categories).

Coding data repeat themselves: with 4 coders and a binary code there are at most
3⁴ distinct unit rows. Every measure is therefore computed on the distinct rows
("patterns") weighted by how often each occurs. The point estimate uses the
observed counts as weights; a bootstrap resample is just another weight vector
(drawing N units with replacement = a multinomial draw of pattern counts), so all
resamples are evaluated together as one weight matrix. Krippendorff's α is built from
sums over coder pairs within a unit and from the value margins, never from a dense
V × V matrix per unit, so many distinct interval values cost no more than a few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike

from agreement.stats._common import (
    Level,
    as_level,
    make_rng,
    percentile_interval,
)

Seed = int | np.random.Generator | None

# Cells per block of resamples (weights and gathered entries); bounds memory.
_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's α with the data behind it.

    ``n_units`` counts pairable units (two or more values), ``n_pairable`` the values
    in them (n.. in Krippendorff's notation). ``alpha`` is ``None`` when undefined,
    with ``reason`` saying why.
    """

    alpha: float | None
    level: Level
    n_units: int
    n_pairable: int
    observed: float | None = None  # D_o
    expected: float | None = None  # D_e
    ci_low: float | None = None
    ci_high: float | None = None
    n_resamples: int = 0  # resamples in which α was defined
    reason: str | None = None


@dataclass(frozen=True)
class KappaResult:
    """A coefficient of the form (p_o − p_e) / (1 − p_e): Cohen, Fleiss or Gwet AC1."""

    measure: str
    value: float | None
    p_observed: float | None
    p_expected: float | None
    n_units: int
    n_excluded: int = 0  # units left out (missing values, or fewer than 2 coders)
    ci_low: float | None = None
    ci_high: float | None = None
    n_resamples: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class PairPercent:
    coders: tuple[int, int]
    percent: float | None  # 0–100
    n_units: int  # units both coders coded


@dataclass(frozen=True)
class PercentAgreement:
    """Pairwise percentage agreement and its unweighted mean over coder pairs."""

    pairs: tuple[PairPercent, ...]
    mean_percent: float | None
    n_units: int  # units with at least two values


@dataclass(frozen=True, eq=False)
class Prepared:
    """Reliability data as distinct unit rows of category indices (−1 = missing)."""

    codes: np.ndarray  # (units, coders)
    values: np.ndarray  # categories in rank order
    patterns: np.ndarray  # (K, coders) distinct rows of ``codes``
    multiplicity: np.ndarray  # (K,) how many units show each pattern
    unit_pattern: np.ndarray  # (units,) pattern of each unit

    @property
    def present(self) -> np.ndarray:
        return self.patterns >= 0


def prepare(data: ArrayLike) -> Prepared:
    """Map a units × coders array to category indices and distinct unit patterns."""
    array = np.asarray(data)
    if array.ndim != 2:
        raise ValueError("reliability data must be a 2-D units × coders array")
    codes = np.full(array.shape, -1, dtype=np.int64)
    if array.dtype == object:
        flat = array.ravel().tolist()
        missing = np.array(
            [v is None or (isinstance(v, float) and v != v) for v in flat], dtype=bool
        ).reshape(array.shape)
        present = [
            v
            for v, gone in zip(flat, missing.ravel().tolist(), strict=True)
            if not gone
        ]
        try:
            ordered = sorted(set(present))
        except TypeError:
            ordered = sorted(set(present), key=repr)
        values = np.empty(len(ordered), dtype=object)
        values[:] = ordered
        lookup = {value: index for index, value in enumerate(ordered)}
        codes[~missing] = [lookup[value] for value in present]
    else:
        numeric = array.astype(float)
        missing = np.isnan(numeric)
        observed = numeric[~missing]
        values = np.unique(observed)  # a plain sort; searchsorted beats return_inverse
        codes[~missing] = np.searchsorted(values, observed)
    patterns, multiplicity, unit_pattern = _distinct_rows(codes, len(values))
    return Prepared(codes, values, patterns, multiplicity, unit_pattern)


def _distinct_rows(codes: np.ndarray, n_values: int) -> tuple[np.ndarray, ...]:
    """Distinct rows, their counts and each row's index (np.unique(axis=0), faster)."""
    n_rows, n_columns = codes.shape
    if n_rows == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros((0, n_columns), dtype=np.int64), empty, empty
    if (n_values + 1) ** n_columns < 2**62:
        # One integer per row (digits base V + 1) sorts far faster than row views.
        key = np.zeros(n_rows, dtype=np.int64)
        for column in range(n_columns):
            key = key * (n_values + 1) + (codes[:, column] + 1)
    else:
        order = np.lexsort(codes.T[::-1])
        changed = np.r_[True, (np.diff(codes[order], axis=0) != 0).any(axis=1)]
        key = np.empty(n_rows, dtype=np.int64)
        key[order] = np.cumsum(changed) - 1
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return codes[first], counts, inverse.ravel()


# --- Weights: the observed data and its bootstrap resamples ---------------------------


def _observed(prepared: Prepared) -> np.ndarray:
    return prepared.multiplicity[None, :].astype(float)


def _resamples(
    prepared: Prepared, n_resamples: int, seed: Seed, entries: int
) -> Iterator[np.ndarray]:
    """Pattern counts of ``n_resamples`` bootstrap samples of the units, in blocks.

    Resampling N units with replacement draws each pattern's count from a
    multinomial with the observed pattern shares; when nearly every unit is its own
    pattern, plain index draws are cheaper.
    """
    rng = make_rng(seed)
    n_units, n_patterns = len(prepared.unit_pattern), len(prepared.multiplicity)
    width = max(n_patterns, entries, n_units if n_patterns * 8 > n_units else 0, 1)
    block = max(1, _BLOCK_CELLS // width)
    done = 0
    while done < n_resamples:
        rows = min(block, n_resamples - done)
        if n_patterns * 8 <= n_units:
            counts = rng.multinomial(
                n_units, prepared.multiplicity / n_units, size=rows
            )
        else:
            drawn = prepared.unit_pattern[
                rng.integers(0, n_units, size=(rows, n_units))
            ]
            flat = (drawn + (np.arange(rows) * n_patterns)[:, None]).ravel()
            counts = np.bincount(flat, minlength=rows * n_patterns).reshape(
                rows, n_patterns
            )
        yield counts.astype(float)
        done += rows


def _interval(
    prepared: Prepared,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    n_resamples: int,
    seed: Seed,
    confidence: float,
    entries: int = 0,
) -> tuple[float | None, float | None, int]:
    if n_resamples <= 0:
        return None, None, 0
    replicates = np.concatenate(
        [
            statistic(weights)
            for weights in _resamples(prepared, n_resamples, seed, entries)
        ]
    )
    return percentile_interval(replicates, confidence)


class _ValueSums:
    """Σ over included patterns and coders of weight × scale, per value: (b, V)."""

    def __init__(
        self,
        prepared: Prepared,
        include: np.ndarray,
        *,
        coders: list[int] | None = None,
        scale: np.ndarray | None = None,
    ) -> None:
        columns = range(prepared.patterns.shape[1]) if coders is None else coders
        pattern_ids, value_ids = [], []
        for column in columns:
            keep = include & (prepared.patterns[:, column] >= 0)
            pattern_ids.append(np.flatnonzero(keep))
            value_ids.append(prepared.patterns[keep, column])
        patterns = np.concatenate(pattern_ids) if pattern_ids else np.zeros(0, np.int64)
        values = np.concatenate(value_ids) if value_ids else np.zeros(0, np.int64)
        order = np.argsort(values, kind="stable")
        self.patterns, values = patterns[order], values[order]
        self.scale = None if scale is None else scale[self.patterns]
        self.starts = (
            np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
            if values.size
            else values
        )
        self.columns = values[self.starts] if values.size else values
        self.size = len(prepared.values)

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        out = np.zeros((weights.shape[0], self.size))
        if self.patterns.size:
            gathered = weights[:, self.patterns]
            if self.scale is not None:
                gathered = gathered * self.scale
            out[:, self.columns] = np.add.reduceat(gathered, self.starts, axis=1)
        return out


def _agreeing_pairs(prepared: Prepared) -> np.ndarray:
    """Per pattern: coder pairs (i < j) that both coded the unit and agree."""
    present, patterns = prepared.present, prepared.patterns
    total = np.zeros(len(patterns))
    for i, j in combinations(range(patterns.shape[1]), 2):
        total += present[:, i] & present[:, j] & (patterns[:, i] == patterns[:, j])
    return total


# --- Krippendorff's alpha -------------------------------------------------------------


def _ratio_expected(margins: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Σ_ck n_c n_k δ²_ck for the ratio metric, in row blocks of the V × V matrix."""
    size = len(values)
    numeric = values.astype(float)
    total = np.zeros(margins.shape[0])
    step = max(1, _BLOCK_CELLS // max(size, 1))
    for low in range(0, size, step):
        rows = slice(low, low + step)
        total += ((margins[:, rows] @ _ratio_rows(numeric, rows)) * margins).sum(axis=1)
    return total


def _ratio_rows(numeric: np.ndarray, rows: slice) -> np.ndarray:
    difference = numeric[rows, None] - numeric[None, :]
    total = numeric[rows, None] + numeric[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            total == 0, 0.0, (difference / np.where(total == 0, 1, total)) ** 2
        )


@dataclass(frozen=True, slots=True)
class _PairTerms:
    """Per ordered coder pair and pattern with two different values: the pattern
    (``owner``), the two values' indices and the weight 2 / (m_u − 1)."""

    owner: np.ndarray
    first: np.ndarray
    second: np.ndarray
    weight: np.ndarray


def _pair_terms(
    prepared: Prepared, raters: np.ndarray, pairable: np.ndarray
) -> _PairTerms:
    present = prepared.present
    first, second, weight, owner = [], [], [], []
    for i, j in combinations(range(prepared.patterns.shape[1]), 2):
        keep = pairable & present[:, i] & present[:, j]
        keep &= prepared.patterns[:, i] != prepared.patterns[:, j]  # δ(c, c) = 0
        owner.append(np.flatnonzero(keep))
        first.append(prepared.patterns[keep, i])
        second.append(prepared.patterns[keep, j])
        weight.append(2.0 / (raters[keep] - 1.0))  # both orders of the pair
    owner_a, first_a, second_a, weight_a = (
        np.concatenate(parts) if parts else np.zeros(0)
        for parts in (owner, first, second, weight)
    )
    return _PairTerms(
        owner=owner_a.astype(np.int64),
        first=first_a.astype(np.int64),
        second=second_a.astype(np.int64),
        weight=weight_a,
    )


def _observed_per_pattern(
    level: Level, terms: _PairTerms, numeric: np.ndarray | None, n_patterns: int
) -> np.ndarray | None:
    """D_o's numerator per pattern (ordinal: None, its δ moves with the margins)."""
    if level is Level.ORDINAL:
        return None
    if level is Level.NOMINAL:
        delta = np.ones(len(terms.first))
    elif level is Level.INTERVAL:
        delta = (numeric[terms.first] - numeric[terms.second]) ** 2
    else:
        delta = _pair_ratio(numeric, terms.first, terms.second)
    return np.bincount(terms.owner, weights=terms.weight * delta, minlength=n_patterns)


def _interval_center(
    prepared: Prepared, margins: _ValueSums, numeric: np.ndarray | None, level: Level
) -> float | None:
    """The observed mean value, subtracted for numerical stability (interval)."""
    if numeric is None or level is not Level.INTERVAL:
        return None
    observed_margins = margins(_observed(prepared))[0]
    if observed_margins.sum() <= 0:
        return None
    return float((observed_margins * numeric).sum() / observed_margins.sum())


def _alpha_statistic(
    prepared: Prepared, level: Level
) -> tuple[Callable[[np.ndarray], tuple[np.ndarray, ...]], int]:
    """α, D_o and D_e as functions of pattern weights (b, K); NaN where undefined.

    D_o's numerator Σ_{c≠k} o_ck δ²_ck is, per unit, Σ over ordered coder pairs of
    δ²(v_i, v_j) / (m_u − 1); D_e's numerator Σ n_c n_k δ²_ck comes from the margins
    alone for nominal, interval and ordinal data, and from V × V row blocks for
    ratio. Krippendorff's ordinal δ_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² is the
    squared difference of the mid-ranks r_c = Σ_{g<c} n_g + n_c/2, so ordinal is the
    interval computation on mid-ranks (which move with the margins per resample).
    """
    raters = prepared.present.sum(axis=1)
    pairable = raters >= 2
    margins = _ValueSums(prepared, pairable)
    numeric = None if prepared.values.dtype == object else prepared.values.astype(float)
    terms = _pair_terms(prepared, raters, pairable)
    per_pattern = _observed_per_pattern(level, terms, numeric, len(raters))
    center = _interval_center(prepared, margins, numeric, level)

    def statistic(weights: np.ndarray) -> tuple[np.ndarray, ...]:
        n_c = margins(weights)
        n = n_c.sum(axis=1)
        if level is Level.ORDINAL:
            # Mid-ranks, centred: r_c = Σ_{g<c} n_g + n_c / 2 − n / 2.
            ranks = np.cumsum(n_c, axis=1) - n_c / 2.0 - n[:, None] / 2.0
            gap = np.take(ranks, terms.first, axis=1) - np.take(
                ranks, terms.second, axis=1
            )
            observed = (weights[:, terms.owner] * terms.weight * gap**2).sum(axis=1)
            expected = 2.0 * (
                n * (n_c * ranks**2).sum(axis=1) - (n_c * ranks).sum(axis=1) ** 2
            )
        else:
            observed = weights @ per_pattern
            expected = _expected_numerator(level, n_c, n, numeric, center)
        varied = (n_c > 0).sum(axis=1) >= 2
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = 1.0 - (n - 1.0) * observed / expected
            d_o = observed / n
            d_e = expected / (n * (n - 1.0))
        alpha = np.where(varied & (expected > 0), alpha, np.nan)
        return alpha, d_o, d_e

    return statistic, len(terms.owner)


def _expected_numerator(
    level: Level,
    n_c: np.ndarray,
    n: np.ndarray,
    numeric: np.ndarray | None,
    center: float | None,
) -> np.ndarray:
    """D_e's numerator Σ n_c n_k δ²_ck from the margins (nominal, interval, ratio)."""
    if level is Level.NOMINAL:
        return n**2 - (n_c**2).sum(axis=1)
    if level is Level.INTERVAL:
        x = numeric - (center or 0.0)
        return 2.0 * (n * (n_c * x**2).sum(axis=1) - (n_c * x).sum(axis=1) ** 2)
    return _ratio_expected(n_c, numeric)


def _pair_ratio(
    numeric: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    a, b = numeric[first], numeric[second]
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            total == 0, 0.0, ((a - b) / np.where(total == 0, 1, total)) ** 2
        )


def krippendorff_alpha(
    data: ArrayLike,
    *,
    level: Level | str = Level.NOMINAL,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> AlphaResult:
    """Krippendorff's α (Krippendorff 2011), any number of coders, NaN = missing.

    Units with fewer than two values are not pairable and drop out, as the method
    prescribes. With ``n_resamples`` > 0 a percentile bootstrap over units gives
    ``ci_low``/``ci_high`` (``n_resamples`` then reports how many resamples had a
    defined α).
    """
    level = as_level(level)
    prepared = prepare(data)
    if level is not Level.NOMINAL and prepared.values.dtype == object:
        raise ValueError(f"{level} α needs numeric values")
    raters = prepared.present.sum(axis=1)
    pairable = raters >= 2
    n_units = int(prepared.multiplicity[pairable].sum())
    n_pairable = int((prepared.multiplicity * raters)[pairable].sum())

    def empty(
        reason: str, d_o: float | None = None, d_e: float | None = None
    ) -> AlphaResult:
        return AlphaResult(None, level, n_units, n_pairable, d_o, d_e, reason=reason)

    if prepared.codes.shape[1] < 2:
        return empty("fewer than two coders")
    if n_units == 0:
        return empty("no pairable values: no unit was coded by two or more coders")
    statistic, entries = _alpha_statistic(prepared, level)
    alpha, d_o, d_e = (float(x[0]) for x in statistic(_observed(prepared)))
    if np.isnan(alpha):
        return empty(
            "no variation: every pairable value is the same, so α is undefined",
            d_o,
            d_e,
        )
    low, high, used = _interval(
        prepared,
        lambda weights: statistic(weights)[0],
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        entries=entries,
    )
    return AlphaResult(alpha, level, n_units, n_pairable, d_o, d_e, low, high, used)


# --- Kappa-type coefficients ----------------------------------------------------------


def _chance_corrected(p_o: np.ndarray, p_e: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (p_o - p_e) / (1.0 - p_e)
    return np.where(p_e >= 1.0, np.nan, value)


def _kappa_result(
    measure: str,
    prepared: Prepared,
    statistic: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    n_units: int,
    excluded: int,
    no_variation: str,
    *,
    n_resamples: int,
    seed: Seed,
    confidence: float,
) -> KappaResult:
    value, p_o, p_e = (float(x[0]) for x in statistic(_observed(prepared)))
    if np.isnan(value):
        return KappaResult(
            measure, None, p_o, p_e, n_units, excluded, reason=no_variation
        )
    low, high, used = _interval(
        prepared,
        lambda weights: statistic(weights)[0],
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        entries=prepared.patterns.size,
    )
    return KappaResult(measure, value, p_o, p_e, n_units, excluded, low, high, used)


def cohen_kappa(
    data: ArrayLike,
    *,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Cohen's κ (1960) for exactly two coders; units missing either value drop out.

    κ is undefined (``None``) when both coders used one and the same category
    throughout (p_e = 1).
    """
    prepared = prepare(data)
    if prepared.codes.shape[1] != 2:
        raise ValueError(
            "Cohen's kappa compares exactly two coders; see cohen_kappa_pairs"
        )
    both = prepared.present.all(axis=1)
    n_units = int(prepared.multiplicity[both].sum())
    excluded = len(prepared.codes) - n_units
    if n_units == 0:
        return _undefined_kappa("cohen", 0, excluded, "no unit coded by both coders")
    same = (both & (prepared.patterns[:, 0] == prepared.patterns[:, 1])).astype(float)
    rows = _ValueSums(prepared, both, coders=[0])
    columns = _ValueSums(prepared, both, coders=[1])

    def statistic(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        total = weights @ both.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_o = (weights @ same) / total
            p_e = (rows(weights) * columns(weights)).sum(axis=1) / total**2
        return _chance_corrected(p_o, p_e), p_o, p_e

    return _kappa_result(
        "cohen",
        prepared,
        statistic,
        n_units,
        excluded,
        "no variation: both coders used a single, identical category",
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


def cohen_kappa_pairs(
    data: ArrayLike,
    *,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> dict[tuple[int, int], KappaResult]:
    """Cohen's κ for every pair of coder columns (keys are column indices)."""
    array = np.asarray(data)
    rng = make_rng(seed)
    return {
        (first, second): cohen_kappa(
            array[:, [first, second]],
            n_resamples=n_resamples,
            seed=rng,
            confidence=confidence,
        )
        for first, second in combinations(range(array.shape[1]), 2)
    }


def _undefined_kappa(name: str, n_units: int, excluded: int, reason: str):
    """A κ-like result without a value, saying why."""
    return KappaResult(name, None, None, None, n_units, excluded, reason=reason)


def fleiss_kappa(
    data: ArrayLike,
    *,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Fleiss' κ (1971) over all coders.

    Fleiss' formula assumes every unit is rated by all coders, so units with any
    missing value are excluded (``n_excluded`` says how many); use α or AC1 to keep
    them.
    """
    prepared = prepare(data)
    m = prepared.codes.shape[1]
    complete = prepared.present.all(axis=1)
    n_units = int(prepared.multiplicity[complete].sum())
    excluded = len(prepared.codes) - n_units
    if m < 2:
        return _undefined_kappa("fleiss", n_units, excluded, "fewer than two coders")
    if n_units == 0:
        return _undefined_kappa("fleiss", 0, excluded, "no unit coded by every coder")
    # P_i = (Σ_c n_ic² − m) / (m(m − 1)) = agreeing ordered pairs / all ordered pairs.
    agreement = np.where(complete, 2.0 * _agreeing_pairs(prepared) / (m * (m - 1)), 0.0)
    margins = _ValueSums(prepared, complete)

    def statistic(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        units = weights @ complete.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_bar = (weights @ agreement) / units
            shares = margins(weights) / (units[:, None] * m)
        p_e = (shares**2).sum(axis=1)
        return _chance_corrected(p_bar, p_e), p_bar, p_e

    return _kappa_result(
        "fleiss",
        prepared,
        statistic,
        n_units,
        excluded,
        "no variation: every coder used the same single category",
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


def gwet_ac1(
    data: ArrayLike,
    *,
    categories: int | None = None,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Gwet's AC1 (Gwet 2008; Handbook of Inter-Rater Reliability, 4th ed. 2014).

    Two or more coders, missing values allowed, as in Gwet's irrCAC: p_a averages the
    agreeing pairs over units rated at least twice; the category shares π_k average
    r_ik / r_i over every rated unit; p_e = Σ π_k(1 − π_k) / (q − 1). ``categories``
    is q, the number of categories in the scheme (default: the categories used).
    """
    prepared = prepare(data)
    size = len(prepared.values)
    q = size if categories is None else categories
    if q < size:
        raise ValueError("categories is smaller than the number of categories used")
    raters = prepared.present.sum(axis=1).astype(float)
    twice = raters >= 2
    n_units = int(prepared.multiplicity[twice].sum())
    excluded = len(prepared.codes) - n_units
    if prepared.codes.shape[1] < 2:
        return _undefined_kappa("gwet_ac1", n_units, excluded, "fewer than two coders")
    if n_units == 0:
        return _undefined_kappa(
            "gwet_ac1", 0, excluded, "no unit coded by two or more coders"
        )
    if q < 2:
        return _undefined_kappa(
            "gwet_ac1", n_units, excluded, "only one category: AC1 needs at least two"
        )
    return _kappa_result(
        "gwet_ac1",
        prepared,
        _ac1_statistic(prepared, raters, q),
        n_units,
        excluded,
        "chance agreement is 1",
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


def _ac1_statistic(prepared: Prepared, raters: np.ndarray, q: int):
    """AC1, p_a and p_e as functions of pattern weights (b, K)."""
    rated, twice = raters >= 1, raters >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(
            twice, 2.0 * _agreeing_pairs(prepared) / (raters * (raters - 1.0)), 0.0
        )
        shares = _ValueSums(prepared, rated, scale=np.where(rated, 1.0 / raters, 0.0))

    def statistic(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            p_a = (weights @ agreement) / (weights @ twice.astype(float))
            pi = shares(weights) / (weights @ rated.astype(float))[:, None]
        p_e = (pi * (1.0 - pi)).sum(axis=1) / (q - 1)
        return _chance_corrected(p_a, p_e), p_a, p_e

    return statistic


# --- Percentage agreement -------------------------------------------------------------


def percent_agreement(data: ArrayLike) -> PercentAgreement:
    """Share of units on which two coders gave the same value, for every pair.

    A pair is compared on the units both coded; the mean is the plain mean of the
    defined pairwise percentages.
    """
    codes = prepare(data).codes
    present = codes >= 0
    pairs = []
    for first, second in combinations(range(codes.shape[1]), 2):
        both = present[:, first] & present[:, second]
        compared = int(both.sum())
        same = int((codes[both, first] == codes[both, second]).sum())
        percent = 100 * same / compared if compared else None
        pairs.append(PairPercent((first, second), percent, compared))
    defined = [pair.percent for pair in pairs if pair.percent is not None]
    mean = float(np.mean(defined)) if defined else None
    return PercentAgreement(tuple(pairs), mean, int((present.sum(axis=1) >= 2).sum()))
