"""Shared pieces of the agreement maths: levels, verdicts, bootstrap helpers.

Nothing here knows about documents or codes; the measure modules build on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum

import numpy as np

# Rows of a bootstrap weight matrix are built in blocks so that a block holds at most
# this many cells (memory stays ~40 MB whatever the number of units or resamples).
_BOOTSTRAP_BLOCK_CELLS = 5_000_000


class Level(StrEnum):
    """Level of measurement, which picks Krippendorff's difference function."""

    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"


class Verdict(StrEnum):
    """How a coefficient reads against the supervisor's thresholds."""

    GOOD = "good"
    TENTATIVE = "tentative"
    POOR = "poor"
    UNDEFINED = "undefined"


def classify(
    value: float | None, *, good: float = 0.800, tentative: float = 0.667
) -> Verdict:
    """Read a coefficient against thresholds (defaults: Krippendorff 2019, ch. 12).

    ``value >= good`` is good, ``value >= tentative`` tentative, anything else poor;
    ``None`` or NaN (an undefined coefficient) is undefined, never poor.
    """
    if tentative > good:
        raise ValueError("the tentative threshold must not exceed the good one")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Verdict.UNDEFINED
    if value >= good:
        return Verdict.GOOD
    if value >= tentative:
        return Verdict.TENTATIVE
    return Verdict.POOR


def as_level(level: Level | str) -> Level:
    try:
        return Level(level)
    except ValueError:
        raise ValueError(
            f"unknown level of measurement {level!r}; use one of "
            + ", ".join(member.value for member in Level)
        ) from None


def finite_or_none(value: float) -> float | None:
    """Turn NaN/inf from vectorised arithmetic into ``None`` for result fields."""
    value = float(value)
    return value if math.isfinite(value) else None


def ordinal_delta(margins: np.ndarray) -> np.ndarray:
    """Krippendorff's squared ordinal difference from the marginal frequencies.

    ``margins`` holds n_g for the values in rank order (last axis); the result has
    shape ``margins.shape + (V,)`` so a whole stack of bootstrap margins is handled at
    once: δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)².
    """
    cumulative = np.cumsum(margins, axis=-1)
    upper = cumulative[..., None, :]  # Σ_{g<=k}
    lower = (cumulative - margins)[..., :, None]  # Σ_{g<c}
    between = upper - lower - (margins[..., :, None] + margins[..., None, :]) / 2.0
    return between**2  # symmetric: for c > k the bracket only changes sign


def value_delta(values: np.ndarray, level: Level) -> np.ndarray:
    """Squared difference matrix for nominal, interval and ratio values."""
    size = len(values)
    if level is Level.NOMINAL:
        return 1.0 - np.eye(size)
    numeric = values.astype(float)
    difference = numeric[:, None] - numeric[None, :]
    if level is Level.INTERVAL:
        return difference**2
    if level is Level.RATIO:
        total = numeric[:, None] + numeric[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(
                total == 0, 0.0, difference / np.where(total == 0, 1, total)
            )
        return ratio**2
    raise ValueError("the ordinal difference depends on margins; use ordinal_delta")


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return (
        seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    )


def bootstrap_weights(
    n_units: int, n_resamples: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """How often each unit is drawn in each resample, in row blocks.

    Resampling N units with replacement is the same as giving each unit the number of
    times it was drawn as a weight, so every statistic built from per-unit sums is
    recomputed for all resamples with one matrix product per block.
    """
    block = max(1, _BOOTSTRAP_BLOCK_CELLS // max(n_units, 1))
    blocks = []
    done = 0
    while done < n_resamples:
        rows = min(block, n_resamples - done)
        draws = rng.integers(0, n_units, size=(rows, n_units))
        flat = (draws + (np.arange(rows) * n_units)[:, None]).ravel()
        counts = np.bincount(flat, minlength=rows * n_units).reshape(rows, n_units)
        blocks.append(counts.astype(float))
        done += rows
    return blocks


def percentile_interval(
    replicates: np.ndarray, confidence: float
) -> tuple[float | None, float | None, int]:
    """Percentile interval over the resamples where the statistic is defined."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1")
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return None, None, 0
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high), int(finite.size)


def bootstrap(
    per_unit: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    n_resamples: int,
    seed: int | np.random.Generator | None,
    confidence: float,
) -> tuple[float | None, float | None, int]:
    """Percentile interval of ``statistic`` over unit resamples (few, distinct units).

    Used where the units are documents; the segment measures resample compressed
    unit patterns instead (``segments``). ``per_unit`` has one row of sufficient statistics per unit; ``statistic`` maps a
    ``(resamples, columns)`` array of weighted column sums to one value per resample
    (NaN where undefined).
    """
    if n_resamples <= 0 or per_unit.shape[0] == 0:
        return None, None, 0
    rng = make_rng(seed)
    replicates = np.concatenate(
        [
            statistic(weights @ per_unit)
            for weights in bootstrap_weights(per_unit.shape[0], n_resamples, rng)
        ]
    )
    return percentile_interval(replicates, confidence)


def merge_intervals(
    keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, join_touching: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of intervals that share a key, in one sort.

    Positions must already keep different keys apart (callers offset each key into
    its own block). ``join_touching`` decides whether [0, 5) and [5, 9) become one
    interval (coverage masks) or stay two units (unitizing, where a coder may code
    adjacent units).
    """
    order = np.lexsort((ends, starts, keys))
    keys, starts, ends = keys[order], starts[order], ends[order]
    if starts.size == 0:
        return keys, starts, ends
    reach = np.maximum.accumulate(ends)
    fresh = np.ones(starts.size, dtype=bool)
    if join_touching:
        fresh[1:] = starts[1:] > reach[:-1]
    else:
        fresh[1:] = starts[1:] >= reach[:-1]
    fresh[1:] |= keys[1:] != keys[:-1]
    first = np.flatnonzero(fresh)
    return keys[first], starts[first], np.maximum.reduceat(ends, first)
