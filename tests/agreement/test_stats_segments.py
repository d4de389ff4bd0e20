"""Segment-level agreement (α, κ, AC1, percentage) against published reference values
(no database).

Every dataset below is copied from the publication named in its comment; where no
published figure exists the expected value is computed by hand in the comment.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreement.stats import (
    character_table,
    cohen_kappa,
    cohen_kappa_pairs,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from tests.agreement.stats_support import (
    PROPERTY,
    krippendorff,
    nan,
    needs_krippendorff,
)

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section on
# "C. Nominal data, any number of observers, missing data": observers A–D × 12
# units (rows here are units, columns observers). The same table is Gwet (2014),
# Handbook of Inter-Rater Reliability, 4th ed., p. 120 (irrCAC's cac.raw4raters).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin 76(5), p. 379: 30 patients, 6 psychiatrists, 5 diagnoses
# (as transcribed in DKPro Statistics' Fleiss1971Test).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories,
# given as the number of raters per category (κ = 0.210, P̄ = 0.378, P̄e = 0.213).
FLEISS_WIKIPEDIA_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def ratings_from_counts(rows: list[list[int]]) -> np.ndarray:
    """Raw ratings (subjects × raters) from per-category rater counts."""
    return np.array(
        [np.repeat(np.arange(1, len(row) + 1), row) for row in rows], dtype=float
    )


def ratings_from_table(table: list[list[int]]) -> np.ndarray:
    """Two raters' raw ratings from a contingency table (rows: rater 1)."""
    return np.array(
        [
            (i + 1, j + 1)
            for i, row in enumerate(table)
            for j, n in enumerate(row)
            for _ in range(n)
        ],
        dtype=float,
    )


# --- Segment level: published reference values ---------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_matches_krippendorff_2011(level, expected):
    """α on Krippendorff's (2011) 4 × 12 example is 0.743/0.815/0.849/0.797."""
    result = krippendorff_alpha(KRIPPENDORFF_2011, level=level)
    assert round(result.alpha, 3) == expected
    assert result.n_units == 11  # unit 12 has a single value: not pairable
    assert result.n_pairable == 40  # n.. in Krippendorff's coincidence matrix


def test_fleiss_matches_fleiss_1971():
    """Fleiss' own example: P̄ = 0.5556, P̄e = 0.2201 (to 0.001), κ = 0.430."""
    result = fleiss_kappa(FLEISS_1971)
    assert result.value == pytest.approx(0.430, abs=0.0005)
    assert result.p_observed == pytest.approx(0.5556, abs=0.0001)
    assert result.p_expected == pytest.approx(0.2201, abs=0.001)
    assert (result.n_units, result.n_excluded) == (30, 0)


def test_fleiss_matches_wikipedia_example():
    """The Wikipedia 10 × 14 example gives κ = 0.210 (P̄ = 0.378, P̄e = 0.213)."""
    result = fleiss_kappa(ratings_from_counts(FLEISS_WIKIPEDIA_COUNTS))
    assert round(result.value, 3) == 0.210
    assert round(result.p_observed, 3) == 0.378
    assert round(result.p_expected, 3) == 0.213


def test_cohen_matches_wikipedia_50_items():
    """Wikipedia "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → κ = 0.4."""
    data = [[1, 1]] * 20 + [[1, 0]] * 5 + [[0, 1]] * 10 + [[0, 0]] * 15
    result = cohen_kappa(data)
    assert result.p_observed == pytest.approx(0.7)
    assert result.p_expected == pytest.approx(0.5)
    assert result.value == pytest.approx(0.4)
    assert result.n_units == 50


def test_gwet_ac1_matches_gwet_handbook_multi_rater():
    """Gwet (2014, p. 120) 4 raters with missing ratings: p_a 0.818, p_e 0.190, AC1 0.775.

    Values as printed by Gwet's irrCAC ``gwet.ac1.raw(cac.raw4raters)``; the
    dataset is the Krippendorff (2011) table above.
    """
    result = gwet_ac1(KRIPPENDORFF_2011)
    assert round(result.p_observed, 3) == 0.818
    assert round(result.p_expected, 3) == 0.190
    assert round(result.value, 3) == 0.775
    assert result.n_units == 11


def test_gwet_ac1_matches_irrcac_two_rater_fixture():
    """irrCAC 1.4 on a 4 × 4 table: p_a 0.684210526315789, p_e 0.247294552169898, AC1 0.58046.

    The table and irrCAC's output are DKPro Statistics' test fixture
    ``gwet/fixture_04_likert_4x4.json`` (generated with Gwet's irrCAC).
    """
    table = [[20, 5, 1, 0], [4, 15, 6, 1], [0, 5, 18, 4], [0, 1, 3, 12]]
    result = gwet_ac1(ratings_from_table(table))
    assert result.p_observed == pytest.approx(0.684210526315789, abs=1e-12)
    assert result.p_expected == pytest.approx(0.247294552169898, abs=1e-12)
    assert result.value == pytest.approx(0.58046, abs=5e-6)


def test_gwet_ac1_kappa_paradox_example():
    """Gwet (2008)'s point: 8 yes/yes, 1 no/no, 1 split gives AC1 0.8658 (p_e 0.255)."""
    data = [[1, 1]] * 8 + [[0, 0]] + [[1, 0]]
    result = gwet_ac1(data)
    assert result.p_observed == pytest.approx(0.9)
    assert result.p_expected == pytest.approx(0.255)
    assert result.value == pytest.approx(0.8658, abs=0.0001)


# --- Cross-checks on random data ------------------------------------------------------

reliability = st.integers(2, 5).flatmap(
    lambda coders: st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(1, 4)), min_size=coders, max_size=coders
        ),
        min_size=1,
        max_size=25,
    )
)


def as_array(rows: list[list[int | None]]) -> np.ndarray:
    return np.array(
        [[nan if v is None else v for v in row] for row in rows], dtype=float
    )


@needs_krippendorff
@PROPERTY
@given(rows=reliability, level=st.sampled_from(["nominal", "interval"]))
def test_alpha_agrees_with_krippendorff_package(rows, level):
    """α equals the ``krippendorff`` PyPI package (nominal and interval) on random data."""
    data = as_array(rows)
    result = krippendorff_alpha(data, level=level)
    pairable = (~np.isnan(data)).sum(axis=1) >= 2
    distinct = np.unique(data[pairable][~np.isnan(data[pairable])])
    if len(distinct) < 2:
        assert result.alpha is None
        assert result.reason
        return
    expected = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
    assert result.alpha == pytest.approx(expected, abs=1e-9)


@needs_krippendorff
@pytest.mark.parametrize("level", ["interval", "ordinal", "ratio"])
def test_alpha_with_many_distinct_values_agrees_with_package(level):
    """Hundreds of distinct decimal values (and 40 coders) still match ``krippendorff``."""
    rng = np.random.default_rng(11)
    truth = rng.normal(size=(120, 1))
    data = np.abs(np.round(truth + 0.3 * rng.normal(size=(120, 40)), 2))
    data[rng.random(data.shape) < 0.2] = nan
    expected = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level).alpha == pytest.approx(
        expected, abs=1e-9
    )


def naive_cohen(a: list[int], b: list[int]) -> float | None:
    n = len(a)
    categories = set(a) | set(b)
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    p_e = sum((a.count(c) / n) * (b.count(c) / n) for c in categories)
    return None if p_e == 1 else (p_o - p_e) / (1 - p_e)


def naive_fleiss(rows: list[list[int]]) -> float | None:
    n, m = len(rows), len(rows[0])
    categories = sorted({v for row in rows for v in row})
    p_bar = (
        sum(
            (sum(row.count(c) ** 2 for c in categories) - m) / (m * (m - 1))
            for row in rows
        )
        / n
    )
    p_e = sum((sum(row.count(c) for row in rows) / (n * m)) ** 2 for c in categories)
    return None if p_e == 1 else (p_bar - p_e) / (1 - p_e)


def naive_ac1(rows: list[list[int | None]]) -> float | None:
    rated = [[v for v in row if v is not None] for row in rows]
    rated = [row for row in rated if row]
    categories = sorted({v for row in rated for v in row})
    twice = [row for row in rated if len(row) >= 2]
    if not twice or len(categories) < 2:
        return None
    p_a = sum(
        sum(row.count(c) * (row.count(c) - 1) for c in categories)
        / (len(row) * (len(row) - 1))
        for row in twice
    ) / len(twice)
    shares = [
        sum(row.count(c) / len(row) for row in rated) / len(rated) for c in categories
    ]
    p_e = sum(s * (1 - s) for s in shares) / (len(categories) - 1)
    return (p_a - p_e) / (1 - p_e)


@PROPERTY
@given(rows=reliability)
def test_cohen_fleiss_ac1_agree_with_direct_formulas(rows):
    """Cohen, Fleiss and AC1 equal their textbook formulas computed with plain loops."""
    data = as_array(rows)
    pair = [
        (row[0], row[1]) for row in rows if row[0] is not None and row[1] is not None
    ]
    cohen = cohen_kappa(data[:, :2])
    expected = naive_cohen([x for x, _ in pair], [y for _, y in pair]) if pair else None
    assert cohen.n_units == len(pair)
    assert (cohen.value is None) == (expected is None)
    if expected is not None:
        assert cohen.value == pytest.approx(expected, abs=1e-12)

    complete = [row for row in rows if None not in row]
    fleiss = fleiss_kappa(data)
    expected = naive_fleiss(complete) if complete else None
    assert fleiss.n_excluded == len(rows) - len(complete)
    assert (fleiss.value is None) == (expected is None)
    if expected is not None:
        assert fleiss.value == pytest.approx(expected, abs=1e-12)

    ac1 = gwet_ac1(data)
    expected = naive_ac1(rows)
    assert (ac1.value is None) == (expected is None)
    if expected is not None:
        assert ac1.value == pytest.approx(expected, abs=1e-12)


def test_cohen_pairs_and_percent_agreement():
    """Every coder pair gets its κ; percent agreement counts units both coders coded."""
    data = np.array([[1, 1, 2], [2, 2, 2], [1, 2, nan], [3, 3, 3]])
    pairs = cohen_kappa_pairs(data)
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)}
    percent = percent_agreement(data)
    assert [(p.coders, p.n_units) for p in percent.pairs] == [
        ((0, 1), 4),
        ((0, 2), 3),
        ((1, 2), 3),
    ]
    assert percent.pairs[0].percent == 75.0
    assert percent.mean_percent == pytest.approx((75.0 + 200 / 3 + 200 / 3) / 3)


def test_string_labels_are_nominal_categories():
    """Object arrays with ``None`` for missing work as nominal labels."""
    labels = np.array([["a", "a"], ["b", "b"], ["a", None], ["b", "a"]], dtype=object)
    assert krippendorff_alpha(labels).n_units == 3
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(labels, level="interval")


# --- Degenerate inputs: undefined, never an exception ---------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (np.empty((0, 3)), "no pairable"),
        (np.array([[1.0], [2.0]]), "fewer than two coders"),
        (np.array([[1, 1], [1, 1], [1, nan]]), "no variation"),
        (np.array([[1, nan], [nan, 2]]), "no pairable"),
    ],
)
def test_alpha_undefined_cases_explain_themselves(data, reason):
    """No units, one coder, identical values or nothing pairable: α is None with a reason."""
    result = krippendorff_alpha(data, n_resamples=50, seed=0)
    assert result.alpha is None
    assert reason in result.reason


def test_kappas_undefined_cases_explain_themselves():
    """Identical single-category data or no complete unit leave κ/AC1 undefined."""
    same = np.array([[2, 2], [2, 2]])
    assert cohen_kappa(same).value is None
    assert "no variation" in cohen_kappa(same).reason
    assert fleiss_kappa(same).value is None
    assert gwet_ac1(same).value is None
    assert (
        fleiss_kappa(np.array([[1, nan], [nan, 2]])).reason
        == "no unit coded by every coder"
    )
    assert cohen_kappa(np.empty((0, 2))).value is None
    assert gwet_ac1(np.array([[1.0], [2.0]])).reason == "fewer than two coders"


# --- Bootstrap ------------------------------------------------------------------------


def test_bootstrap_is_reproducible_and_brackets_high_agreement():
    """Same seed, same interval; with 95 % agreement the interval contains the estimate."""
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 3, size=300).astype(float)
    data = np.column_stack([truth, truth, truth])
    flip = rng.random(data.shape) < 0.05
    data[flip] = (data[flip] + 1) % 3
    first = krippendorff_alpha(data, n_resamples=500, seed=42)
    second = krippendorff_alpha(data, n_resamples=500, seed=42)
    assert (first.ci_low, first.ci_high) == (second.ci_low, second.ci_high)
    assert first.ci_low < first.alpha < first.ci_high
    assert first.n_resamples == 500
    for result in (
        cohen_kappa(data[:, :2], n_resamples=300, seed=1),
        fleiss_kappa(data, n_resamples=300, seed=1),
        gwet_ac1(data, n_resamples=300, seed=1),
    ):
        assert result.ci_low < result.value < result.ci_high
    other = krippendorff_alpha(data, n_resamples=500, seed=43)
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)


def test_pooled_character_bootstrap_resamples_documents():
    """The pooled κ interval comes from resampling documents, reproducibly."""
    spans = [(d, "c", coder, 0, 40 + d) for d in range(20) for coder in ("a", "b")]
    spans += [(d, "c", "b", 60, 62) for d in range(0, 20, 3)]
    table = character_table(
        spans=spans,
        lengths=dict.fromkeys(range(20), 100),
        codes=["c"],
        coders=["a", "b"],
    )
    first = table.pooled(pair=("a", "b"), n_resamples=400, seed=5)
    again = table.pooled(pair=("a", "b"), n_resamples=400, seed=5)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert first.ci_low <= first.weighted.kappa <= first.ci_high
