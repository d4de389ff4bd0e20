"""Agreement on predefined units (speaker turns, paragraphs): one value per coder.

Data come in as a units × coders array; a missing value is NaN (or ``None`` in an
object array, whose labels are then treated as nominal categories). Every measure
works on per-unit category counts, so the whole computation is a handful of array
operations whatever the number of units, and the bootstrap re-weights units instead
of copying data.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike

from coding.agreement._common import (
    Level,
    as_level,
    bootstrap,
    finite_or_none,
    make_rng,
    ordinal_delta,
    value_delta,
)

Seed = int | np.random.Generator | None


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


@dataclass(frozen=True)
class Prepared:
    """Reliability data reduced to category indices (−1 = missing)."""

    codes: np.ndarray  # (units, coders) int
    values: np.ndarray  # category values in rank order
    counts: np.ndarray  # (units, categories) how many coders chose each category


def prepare(data: ArrayLike) -> Prepared:
    """Map a units × coders array to category indices and per-unit counts."""
    array = np.asarray(data)
    if array.ndim != 2:
        raise ValueError("reliability data must be a 2-D units × coders array")
    if array.dtype == object:
        missing = np.array(
            [
                value is None or (isinstance(value, float) and value != value)
                for value in array.ravel()
            ],
            dtype=bool,
        ).reshape(array.shape)
        present = array[~missing]
        values = np.array(sorted(set(present.tolist())), dtype=object)
        lookup = {value: index for index, value in enumerate(values.tolist())}
        codes = np.full(array.shape, -1, dtype=np.int64)
        codes[~missing] = [lookup[value] for value in present.tolist()]
    else:
        numeric = array.astype(float)
        missing = np.isnan(numeric)
        present = numeric[~missing]
        values = np.unique(present)  # a plain sort; searchsorted beats return_inverse
        codes = np.full(array.shape, -1, dtype=np.int64)
        codes[~missing] = np.searchsorted(values, present)
    n_units, n_values = array.shape[0], len(values)
    unit_index = np.broadcast_to(np.arange(n_units)[:, None], array.shape)
    present_mask = codes >= 0
    counts = np.bincount(
        unit_index[present_mask] * max(n_values, 1) + codes[present_mask],
        minlength=n_units * max(n_values, 1),
    ).reshape(n_units, max(n_values, 1))[:, :n_values]
    return Prepared(codes=codes, values=values, counts=counts)


# --- Krippendorff's alpha -------------------------------------------------------------


def _alpha_per_unit(prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Each pairable unit's contribution to the coincidence matrix, flattened.

    o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1) over units with m_u ≥ 2.
    """
    counts = prepared.counts.astype(float)
    totals = counts.sum(axis=1)
    pairable = totals >= 2
    counts = counts[pairable]
    weight = 1.0 / (totals[pairable] - 1.0)
    size = counts.shape[1]
    outer = counts[:, :, None] * counts[:, None, :]
    outer[:, np.arange(size), np.arange(size)] -= counts
    return (outer * weight[:, None, None]).reshape(len(counts), size * size), pairable


def _alpha_from_coincidences(
    coincidences: np.ndarray, level: Level, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """α, D_o and D_e for a stack of coincidence matrices (…, V, V); NaN if undefined."""
    margins = coincidences.sum(axis=-1)
    total = margins.sum(axis=-1)
    if level is Level.ORDINAL:
        delta = ordinal_delta(margins)
    else:
        delta = value_delta(values, level)
    observed_sum = (coincidences * delta).sum(axis=(-2, -1))
    expected_sum = (margins[..., :, None] * margins[..., None, :] * delta).sum(
        axis=(-2, -1)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        d_o = observed_sum / total
        d_e = expected_sum / (total * (total - 1.0))
        alpha = 1.0 - (total - 1.0) * observed_sum / expected_sum
    undefined = (expected_sum <= 0) | (total < 2)
    alpha = np.where(undefined, np.nan, alpha)
    return alpha, d_o, d_e


def krippendorff_alpha(
    data: ArrayLike,
    *,
    level: Level | str = Level.NOMINAL,
    n_resamples: int = 0,
    seed: Seed = None,
    confidence: float = 0.95,
) -> AlphaResult:
    """Krippendorff's α by the coincidence-matrix method (Krippendorff 2011).

    Any number of coders, missing values allowed (NaN). Units with fewer than two
    values are not pairable and drop out, as the method prescribes. With
    ``n_resamples`` > 0 a percentile bootstrap over units gives ``ci_low``/``ci_high``.
    """
    level = as_level(level)
    prepared = prepare(data)
    n_coders = prepared.codes.shape[1]
    if level is not Level.NOMINAL and prepared.values.dtype == object:
        raise ValueError(f"{level} α needs numeric values")
    per_unit, pairable = _alpha_per_unit(prepared)
    n_units = int(pairable.sum())
    n_pairable = int(prepared.counts[pairable].sum())
    size = len(prepared.values)

    def empty(reason: str) -> AlphaResult:
        return AlphaResult(None, level, n_units, n_pairable, reason=reason)

    if n_coders < 2:
        return empty("fewer than two coders")
    if n_units == 0:
        return empty("no pairable values: no unit was coded by two or more coders")
    coincidences = per_unit.sum(axis=0).reshape(size, size)
    alpha, d_o, d_e = _alpha_from_coincidences(coincidences, level, prepared.values)
    if np.isnan(alpha):
        return AlphaResult(
            None,
            level,
            n_units,
            n_pairable,
            observed=finite_or_none(d_o),
            expected=finite_or_none(d_e),
            reason="no variation: every pairable value is the same, so α is undefined",
        )

    def statistic(sums: np.ndarray) -> np.ndarray:
        stack = sums.reshape(-1, size, size)
        return _alpha_from_coincidences(stack, level, prepared.values)[0]

    low, high, used = bootstrap(
        per_unit, statistic, n_resamples=n_resamples, seed=seed, confidence=confidence
    )
    return AlphaResult(
        float(alpha),
        level,
        n_units,
        n_pairable,
        observed=float(d_o),
        expected=float(d_e),
        ci_low=low,
        ci_high=high,
        n_resamples=used,
    )


# --- Cohen's kappa --------------------------------------------------------------------


def _kappa(p_o: np.ndarray, p_e: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (p_o - p_e) / (1.0 - p_e)
    return np.where(p_e >= 1.0, np.nan, value)


def _cohen_from_tables(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    total = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = np.trace(tables, axis1=-2, axis2=-1) / total
        p_e = (tables.sum(axis=-1) * tables.sum(axis=-2)).sum(axis=-1) / total**2
    return _kappa(p_o, p_e), p_o, p_e


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
    both = (prepared.codes >= 0).all(axis=1)
    n_units = int(both.sum())
    excluded = len(both) - n_units
    if n_units == 0:
        return KappaResult(
            "cohen",
            None,
            None,
            None,
            0,
            excluded,
            reason="no unit coded by both coders",
        )
    size = len(prepared.values)
    cell = prepared.codes[both, 0] * size + prepared.codes[both, 1]
    per_unit = np.zeros((n_units, size * size))
    per_unit[np.arange(n_units), cell] = 1.0
    kappa, p_o, p_e = _cohen_from_tables(per_unit.sum(axis=0).reshape(size, size))
    if np.isnan(kappa):
        return KappaResult(
            "cohen",
            None,
            float(p_o),
            float(p_e),
            n_units,
            excluded,
            reason="no variation: both coders used a single, identical category",
        )
    low, high, used = bootstrap(
        per_unit,
        lambda sums: _cohen_from_tables(sums.reshape(-1, size, size))[0],
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return KappaResult(
        "cohen",
        float(kappa),
        float(p_o),
        float(p_e),
        n_units,
        excluded,
        low,
        high,
        used,
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


# --- Fleiss' kappa --------------------------------------------------------------------


def _fleiss_from_sums(
    sums: np.ndarray, n_coders: int, size: int
) -> tuple[np.ndarray, ...]:
    """sums = (Σ_i P_i, Σ_i n_ic for each c, N) → κ, P̄, P̄_e."""
    units = sums[..., -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_bar = sums[..., 0] / units
        shares = sums[..., 1 : 1 + size] / (units[..., None] * n_coders)
    p_e = (shares**2).sum(axis=-1)
    return _kappa(p_bar, p_e), p_bar, p_e


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
    n_coders = prepared.codes.shape[1]
    complete = (prepared.codes >= 0).all(axis=1)
    n_units = int(complete.sum())
    excluded = len(complete) - n_units
    if n_coders < 2:
        return KappaResult(
            "fleiss",
            None,
            None,
            None,
            n_units,
            excluded,
            reason="fewer than two coders",
        )
    if n_units == 0:
        return KappaResult(
            "fleiss",
            None,
            None,
            None,
            0,
            excluded,
            reason="no unit coded by every coder",
        )
    counts = prepared.counts[complete].astype(float)
    size = counts.shape[1]
    agreement = ((counts**2).sum(axis=1) - n_coders) / (n_coders * (n_coders - 1))
    per_unit = np.column_stack([agreement, counts, np.ones(n_units)])
    kappa, p_bar, p_e = _fleiss_from_sums(per_unit.sum(axis=0), n_coders, size)
    if np.isnan(kappa):
        return KappaResult(
            "fleiss",
            None,
            float(p_bar),
            float(p_e),
            n_units,
            excluded,
            reason="no variation: every coder used the same single category",
        )
    low, high, used = bootstrap(
        per_unit,
        lambda sums: _fleiss_from_sums(sums, n_coders, size)[0],
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return KappaResult(
        "fleiss",
        float(kappa),
        float(p_bar),
        float(p_e),
        n_units,
        excluded,
        low,
        high,
        used,
    )


# --- Gwet's AC1 -----------------------------------------------------------------------


def _ac1_from_sums(
    sums: np.ndarray, size: int, categories: int
) -> tuple[np.ndarray, ...]:
    """sums = (Σ agreement over units with r_i ≥ 2, #such units, Σ r_ik/r_i, #units)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p_a = sums[..., 0] / sums[..., 1]
        shares = sums[..., 2 : 2 + size] / sums[..., -1:]
    p_e = (shares * (1.0 - shares)).sum(axis=-1) / (categories - 1)
    return _kappa(p_a, p_e), p_a, p_e


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
    counts = prepared.counts.astype(float)
    raters = counts.sum(axis=1)
    rated = raters >= 1
    counts, raters = counts[rated], raters[rated]
    size = counts.shape[1]
    q = size if categories is None else categories
    if q < size:
        raise ValueError("categories is smaller than the number of categories used")
    twice = raters >= 2
    n_units = int(twice.sum())
    excluded = int(len(prepared.counts) - n_units)
    if prepared.codes.shape[1] < 2:
        return KappaResult(
            "gwet_ac1",
            None,
            None,
            None,
            n_units,
            excluded,
            reason="fewer than two coders",
        )
    if n_units == 0:
        return KappaResult(
            "gwet_ac1",
            None,
            None,
            None,
            0,
            excluded,
            reason="no unit coded by two or more coders",
        )
    if q < 2:
        return KappaResult(
            "gwet_ac1",
            None,
            None,
            None,
            n_units,
            excluded,
            reason="only one category: AC1 needs at least two",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(
            twice, (counts * (counts - 1)).sum(axis=1) / (raters * (raters - 1)), 0.0
        )
    per_unit = np.column_stack(
        [agreement, twice.astype(float), counts / raters[:, None], np.ones(len(raters))]
    )
    ac1, p_a, p_e = _ac1_from_sums(per_unit.sum(axis=0), size, q)
    if np.isnan(ac1):
        return KappaResult(
            "gwet_ac1",
            None,
            float(p_a),
            float(p_e),
            n_units,
            excluded,
            reason="chance agreement is 1",
        )
    low, high, used = bootstrap(
        per_unit,
        lambda sums: _ac1_from_sums(sums, size, q)[0],
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return KappaResult(
        "gwet_ac1",
        float(ac1),
        float(p_a),
        float(p_e),
        n_units,
        excluded,
        low,
        high,
        used,
    )


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
        percent = 100.0 * same / compared if compared else None
        pairs.append(PairPercent((first, second), percent, compared))
    defined = [pair.percent for pair in pairs if pair.percent is not None]
    mean = float(np.mean(defined)) if defined else None
    return PercentAgreement(tuple(pairs), mean, int((present.sum(axis=1) >= 2).sum()))
