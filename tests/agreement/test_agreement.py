"""Agreement maths against published reference values (no database).

Every dataset below is copied from the publication named in its comment; where no
published figure exists the expected value is computed by hand in the comment.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreement.stats import (
    Level,
    Verdict,
    character_agreement,
    character_table,
    classify,
    code_matrix,
    coded_mask,
    cohen_kappa,
    cohen_kappa_pairs,
    domain_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    nvivo_kappa,
    percent_agreement,
    resolve_overlaps,
    unit_coded,
    unitizing_alpha,
    unitizing_alpha_1995,
)

try:  # reference implementation for the cross-checks (dev dependency)
    import krippendorff
except ImportError:  # pragma: no cover - the cross-checks skip without it
    krippendorff = None

needs_krippendorff = pytest.mark.skipif(
    krippendorff is None, reason="the krippendorff package is not installed"
)
nan = np.nan
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
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


# --- Character level (NVivo) ----------------------------------------------------------


def test_nvivo_documented_percentage_example():
    """NVivo help: 1,000 characters, 50 coded by both, 800 by neither → 85 % agreement.

    NVivo gives only the split 150 = one coder; we take A = 150 coded (50 + 100 only
    A), B = 100 coded (50 + 50 only B) and compute κ by hand:
    E = (150·100 + 850·900) / 1000 = (15,000 + 765,000) / 1000 = 780,
    κ = (850 − 780) / (1000 − 780) = 70 / 220 = 0.318181…
    """
    spans_a = [(0, 150)]  # 0–50 both, 50–150 only A
    spans_b = [(0, 50), (150, 200)]  # 150–200 only B
    result = character_agreement(spans_a, spans_b, length=1000)
    assert (result.both, result.neither, result.only_a, result.only_b) == (
        50,
        800,
        100,
        50,
    )
    assert result.percent == 85.0
    assert result.kappa == 70 / 220
    assert (
        nvivo_kappa(both=50, neither=800, coded_a=150, coded_b=100, n=1000) == 70 / 220
    )


def test_nvivo_degenerate_cases():
    """Nobody coded or both coded all: κ = 1 (NVivo); one coder only: κ = 0; empty: None."""
    assert character_agreement([], [], length=10).kappa == 1.0
    assert character_agreement([(0, 10)], [(0, 10)], length=10).kappa == 1.0
    assert character_agreement([(0, 4)], [], length=10).kappa == 0.0
    assert character_agreement([(0, 10)], [(0, 4)], length=10).kappa == 0.0
    empty = character_agreement([], [], length=0)
    assert (empty.percent, empty.kappa, empty.n_units) == (None, None, 0)


def test_coded_mask_and_units():
    """Overlapping spans cover once; a sentence counts as coded if any character is."""
    mask = coded_mask([(2, 5), (4, 7), (9, 10)], length=10)
    assert mask.astype(int).tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0, 1]
    assert unit_coded(mask, unit_starts=[0, 2, 7, 8]).tolist() == [
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueError, match="begin at 0"):
        unit_coded(mask, unit_starts=[1, 5])


def test_sentence_granularity_counts_units():
    """Sentences [0,10) [10,20) [20,30): A touches 1 and 2, B touches 2 → 2 of 3 agree."""
    result = character_agreement(
        [(8, 12)],
        [(15, 16)],
        length=30,
        unit_starts=[0, 10, 20],
        granularity="sentence",
    )
    assert (result.n_units, result.both, result.only_a, result.neither) == (3, 1, 1, 1)
    assert result.percent == pytest.approx(200 / 3)
    assert result.granularity == "sentence"


span_lists = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 25)).map(
        lambda t: (t[0], min(60, t[0] + t[1]))
    ),
    max_size=6,
)


@PROPERTY
@given(
    coders=st.lists(span_lists, min_size=3, max_size=3),
    cuts=st.sets(st.integers(1, 59), max_size=8),
)
def test_table_matches_mask_route(coders, cuts):
    """The interval engine gives the mask route's integers for every pair, in characters and units."""
    starts = [0, *sorted(cuts)]
    spans = [
        (doc, "code", coder, s, e)
        for doc in ("d1", "d2")
        for coder, rows in enumerate(coders)
        for s, e in rows
    ]
    lengths = {"d1": 60, "d2": 60}
    for unit_starts in (None, {"d1": starts, "d2": starts}):
        table = character_table(
            spans=spans,
            lengths=lengths,
            codes=["code"],
            coders=[0, 1, 2],
            unit_starts=unit_starts,
        )
        for a, b in combinations(range(3), 2):
            direct = character_agreement(
                coders[a],
                coders[b],
                length=60,
                unit_starts=None if unit_starts is None else starts,
            )
            cell = table.cell(document="d1", code="code", pair=(a, b))
            assert cell == direct
            assert table.kappa(pair=(a, b))[0, 0] == direct.kappa  # vectorised route
            assert table.percent(pair=(a, b))[0, 0] == direct.percent
            reverse = table.cell(document="d1", code="code", pair=(b, a))
            assert (reverse.only_a, reverse.only_b) == (direct.only_b, direct.only_a)
            pooled = table.pooled(pair=(a, b), code="code").weighted
            assert (pooled.both, pooled.neither) == (
                2 * direct.both,
                2 * direct.neither,
            )


def test_pooling_is_labelled_weighted_and_mean():
    """Pooling sums counts (length-weighted) and separately averages per-document values."""
    spans = [
        ("short", "c", "a", 0, 10),
        ("long", "c", "a", 0, 50),
        ("long", "c", "b", 0, 100),
    ]
    table = character_table(
        spans=spans, lengths={"short": 10, "long": 100}, codes=["c"], coders=["a", "b"]
    )
    pooled = table.pooled(pair=("a", "b"), code="c")
    # short: A coded all 10, B none → 0 % ; long: 50 both, 50 only B → 50 %.
    assert pooled.weighted.percent == pytest.approx(100 * 50 / 110)
    assert pooled.mean_percent == pytest.approx(25.0)
    assert pooled.n_cells == 2
    assert pooled.weighted.n_units == 110


def test_unassigned_coder_is_not_compared():
    """With ``assigned``, a document is compared only for pairs of coders working on it."""
    spans = [("d1", "c", "a", 0, 5), ("d1", "c", "b", 0, 5), ("d2", "c", "a", 0, 5)]
    table = character_table(
        spans=spans,
        lengths={"d1": 10, "d2": 10},
        codes=["c"],
        coders=["a", "b"],
        assigned={"d1": ["a", "b"], "d2": ["a"]},
    )
    assert table.cell(document="d2", code="c", pair=("a", "b")).kappa is None
    assert table.pooled(pair=("a", "b")).weighted.n_units == 10
    assert table.pooled(pair=("a", "b")).weighted.kappa == 1.0


@PROPERTY
@given(coders=st.lists(span_lists, min_size=2, max_size=4))
def test_all_coders_alpha_is_alpha_over_characters(coders):
    """The all-coders binary α equals Krippendorff's α on the character × coder matrix."""
    spans = [
        ("d", "c", coder, s, e) for coder, rows in enumerate(coders) for s, e in rows
    ]
    table = character_table(
        spans=spans, lengths={"d": 60}, codes=["c"], coders=list(range(len(coders)))
    )
    matrix = np.column_stack([coded_mask(rows, length=60) for rows in coders]).astype(
        float
    )
    expected = krippendorff_alpha(matrix)
    result = table.all_coders().alpha
    assert result.n_units == expected.n_units == 60
    if expected.alpha is None:
        assert result.alpha is None
    else:
        assert result.alpha == pytest.approx(expected.alpha, abs=1e-12)


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


# --- Unitizing: Krippendorff (1995/2004) as in DKPro Statistics -------------------------


def krippendorff_1995_example(
    stretch: float,
) -> tuple[list[list[tuple[int, int, str]]], int]:
    """Krippendorff (1995: p. 57) four two-coder continua A–D, length 24, stretched.

    Units as (offset, length, coder, category), copied from DKPro Statistics'
    Krippendorff1995Test.createExample; positions are truncated like Java's (int).
    """
    units = [
        (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
        (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
        (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
        (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
        (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
        (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
        (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
    ]  # fmt: skip
    coders: list[list[tuple[int, int, str]]] = [[], []]
    for offset, length, coder, category in units:
        start = int(offset * stretch)
        coders[coder].append((start, start + int(length * stretch), category))
    return coders, int(24 * stretch)


def test_unitizing_1995_observed_disagreement_matches_krippendorff_1995():
    """D_o for continua A–D is 0.03125, 2.26736, 0.02777, 0.38715 (Krippendorff 1995)."""
    spans, length = krippendorff_1995_example(1)
    result = unitizing_alpha_1995(spans, length=length)
    observed = {c.category: c.observed for c in result.per_category}
    for category, value in {
        "A": 0.03125,
        "B": 2.26736,
        "C": 0.02777,
        "D": 0.38715,
    }.items():
        assert observed[category] == pytest.approx(value, abs=1e-5)


def test_unitizing_1995_expected_disagreement_matches_dkpro():
    """Continuum C at half length: D_e = 0.05494 and α ≈ 0.494 (DKPro's tight reference)."""
    spans, length = krippendorff_1995_example(0.5)
    # Halving truncates some A/B units to length 0; DKPro's test only reads C.
    spans = [[unit for unit in coder if unit[2] == "C"] for coder in spans]
    category = unitizing_alpha_1995(spans, length=length).per_category[0]
    assert category.expected == pytest.approx(0.05494, abs=1e-5)
    assert category.alpha == pytest.approx(0.494, abs=0.02)


def test_unitizing_1995_long_continuum_matches_published_alphas():
    """Stretched to L = 1,200,000: α_A 0.553, α_B −0.926, α_C 0.679, α_D 0.066.

    Krippendorff's (1995) published figures; DKPro notes a small error in the
    paper's D_e and asserts them within 0.005 (D_e) and 0.02 (α), as we do.
    """
    spans, length = krippendorff_1995_example(1_200_000 / 24)
    result = {
        c.category: c for c in unitizing_alpha_1995(spans, length=length).per_category
    }
    published = {
        "A": (0.06990, 0.553),
        "B": (1.17731, -0.926),
        "C": (0.08642, 0.679),
        "D": (0.41445, 0.066),
    }
    for category, (expected, alpha) in published.items():
        assert result[category].expected == pytest.approx(expected, abs=0.005)
        assert result[category].alpha == pytest.approx(alpha, abs=0.02)


def test_unitizing_1995_matches_krippendorff_2004_example():
    """Krippendorff (2004: 254): c: D_o 0.0144, D_e 0.0532, α 0.7286; k: α 1; all 0.8591.

    Continuum [150, 450); the units as in DKPro's Krippendorff2004Test.
    """
    spans = [
        [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")],
        [
            (220, 300, "c"),
            (355, 375, "c"),
            (400, 420, "c"),
            (180, 240, "k"),
            (300, 350, "k"),
        ],
    ]
    result = unitizing_alpha_1995(spans, length=300, begin=150)
    c, k = result.per_category
    assert (c.observed, c.expected, c.alpha) == pytest.approx(
        (0.0144, 0.0532, 0.7286), abs=1e-4
    )
    assert (k.observed, k.expected, k.alpha) == pytest.approx(
        (0.0, 0.0490, 1.0), abs=1e-4
    )
    assert result.alpha == pytest.approx(0.8591, abs=5e-4)


def test_unitizing_1995_dkpro_unit_cases():
    """DKPro's UnitizingAgreementTest: D_o 0.9100, D_e 0.5351, α −0.7003; one unit: 0; none: None."""
    spans = [[(1, 9, "A")], [(2, 3, "A"), (4, 5, "A"), (6, 7, "A")]]
    category = unitizing_alpha_1995(spans, length=10).per_category[0]
    assert (category.observed, category.expected, category.alpha) == pytest.approx(
        (0.9100, 0.5351, -0.7003), abs=1e-4
    )
    assert unitizing_alpha_1995(
        [[(0, 1, "X")], [], []], length=20
    ).alpha == pytest.approx(0.0, abs=1e-12)
    assert unitizing_alpha_1995([[], [], []], length=20).alpha is None


# --- Unitizing: the 2016 u-alpha family -----------------------------------------------
#
# We found no published numeric example for uα, |uα, cuα or (k)uα (the 2016 paper's
# figures were not available to us), so the first test is computed by hand below and
# the others check the formulas by independent routes.

HAND_CASE = [[(0, 4, "c"), (6, 9, "k")], [(1, 4, "c"), (6, 8, "c")]]


def test_u_alpha_family_hand_computed():
    """L = 10, coder A: c[0,4) k[6,9); coder B: c[1,4) c[6,8).

    Sections A: c[0,4) ∅[4,6) k[6,9) ∅[9,10); B: ∅[0,1) c[1,4) ∅[4,6) c[6,8) ∅[8,10).
    Intersections (A×B): c∩∅ 1, c∩c 3, ∅∩∅ 2, k∩c 2, k∩∅ 1, ∅∩∅ 1. Both directions,
    m − 1 = 1, order (∅, c, k):
        l = [[6, 1, 1], [1, 6, 2], [1, 2, 0]], margins 8, 9, 3, l.. = m·L = 20.
    Self-pairings: ∅ by length 3 + 5 = 8; c: 4² + 3² + 2² = 29; k: 3² = 9; Σ = 46.
    Scale 20 − 46/20 = 17.7; e = [[56, 72, 24], [72, 52, 27], [24, 27, 0]] / 17.7.
    uα  = 1 − (20 − 12) / (20 − 108/17.7) = 1 − 8·17.7/246 = 0.424390…
    |uα = 1 − (1 + 1) / (96/17.7) = 1 − 35.4/96 = 0.63125
    cu: ℓ* = [[6, 2], [2, 0]], ℓ*.. = 10; each unit's overlap with the other coder's
    units: A c 3, A k 2, B c 3, B c 2 → self c = 9 + 9 + 4 = 22, k = 4; scale
    10 − 26/10 = 7.4; ε* = [[42, 16], [16, 0]] / 7.4.
    cuα = 1 − 4 / (32/7.4) = 1 − 29.6/32 = 0.075
    (c)uα = 1 − (58/7.4 / 8)·(8 − 6)/(16/7.4) = 1 − 116/128 = 0.09375
    (k)uα = 1 − (16/7.4 / 2)·(2 − 0)/(16/7.4) = 0; coverage c 8/9, k 2/3.
    """
    result = unitizing_alpha(HAND_CASE, length=10)
    assert result.observed.tolist() == [[6, 1, 1], [1, 6, 2], [1, 2, 0]]
    assert (result.expected * 17.7) == pytest.approx(
        np.array([[56, 72, 24], [72, 52, 27], [24, 27, 0]])
    )
    assert result.u_alpha == pytest.approx(1 - 8 * 17.7 / 246, abs=1e-12)
    assert result.binary_alpha == pytest.approx(0.63125, abs=1e-12)
    assert result.cu_alpha == pytest.approx(0.075, abs=1e-12)
    c, k = result.per_value
    assert (c.value, c.alpha, c.coverage) == (
        "c",
        pytest.approx(0.09375),
        pytest.approx(8 / 9),
    )
    assert (k.value, k.alpha, k.coverage) == (
        "k",
        pytest.approx(0.0, abs=1e-12),
        pytest.approx(2 / 3),
    )
    assert (result.cu_pairable, result.cu_coverage) == (10, 0.5)


@np.errstate(invalid="ignore", divide="ignore")  # degenerate draws give NaN, skipped
def naive_u_family(spans, length):
    """The 2016 formulas with plain loops over every coder pair's sections."""
    m = len(spans)
    values = sorted({v for coder in spans for _, _, v in coder})
    index = {v: i + 1 for i, v in enumerate(values)}
    sections = []
    for coder in spans:
        rows, cursor = [], 0
        for s, e, v in sorted(coder):
            if s > cursor:
                rows.append((cursor, s, 0))
            rows.append((s, e, index[v]))
            cursor = e
        if cursor < length:
            rows.append((cursor, length, 0))
        sections.append(rows)
    size = len(values) + 1
    obs = np.zeros((size, size))
    for i in range(m):
        for j in range(m):
            if i != j:
                for s1, e1, v1 in sections[i]:
                    for s2, e2, v2 in sections[j]:
                        obs[v1, v2] += max(0, min(e1, e2) - max(s1, s2)) / (m - 1)
    total = m * length
    self_pairs = np.zeros(size)
    for rows in sections:
        for s, e, v in rows:
            self_pairs[v] += (e - s) if v == 0 else (e - s) ** 2
    margins = obs.sum(axis=1)
    exp = (np.outer(margins, margins) - np.diag(self_pairs)) / (
        total - self_pairs.sum() / total
    )
    u = 1 - (total - np.trace(obs)) / (total - np.trace(exp))
    star = obs[1:, 1:]
    star_self = np.zeros(size - 1)
    for i in range(m):
        for s1, e1, v1 in sections[i]:
            if v1:
                for j in range(m):
                    if j != i:
                        met = sum(
                            max(0, min(e1, e2) - max(s1, s2))
                            for s2, e2, v2 in sections[j]
                            if v2
                        )
                        star_self[v1 - 1] += met**2 / (m - 1)
    st_total = star.sum()
    sm = star.sum(axis=1)
    star_exp = (np.outer(sm, sm) - np.diag(star_self)) / (
        st_total - star_self.sum() / st_total
    )
    cu = 1 - (st_total - np.trace(star)) / (st_total - np.trace(star_exp))
    return u, cu


unitizations = st.integers(2, 4).flatmap(
    lambda m: st.lists(
        st.lists(
            st.tuples(st.integers(0, 7), st.integers(1, 4), st.sampled_from("xyz")),
            max_size=4,
        ),
        min_size=m,
        max_size=m,
    )
)


def tile(rows):
    """Non-overlapping units: lay (gap, length, value) steps one after another."""
    units, cursor = [], 0
    for gap, size, value in rows:
        units.append((cursor + gap, cursor + gap + size, value))
        cursor += gap + size
    return units


@PROPERTY
@given(raw=unitizations)
def test_u_family_matches_literal_formulas(raw):
    """Vectorised uα and cuα equal a loop-by-loop evaluation of the 2016 formulas."""
    spans = [tile(rows) for rows in raw]
    length = max([e for coder in spans for _, e, _ in coder] + [1]) + 2
    result = unitizing_alpha(spans, length=length)
    u, cu = naive_u_family(spans, length)
    if result.u_alpha is not None:
        assert result.u_alpha == pytest.approx(u, abs=1e-9)
    if result.cu_alpha is not None:
        assert result.cu_alpha == pytest.approx(cu, abs=1e-9)


@PROPERTY
@given(
    matrix=st.integers(2, 4).flatmap(
        lambda m: st.lists(
            st.lists(st.sampled_from([None, "x", "y"]), min_size=m, max_size=m),
            min_size=2,
            max_size=30,
        )
    )
)
def test_single_character_units_reduce_to_ordinary_alpha(matrix):
    """With units one character long, uα and |uα are α over characters (gap = a value).

    For two coders cuα is also nominal α with the gaps read as missing values.
    """
    m = len(matrix[0])
    spans = [
        [(pos, pos + 1, row[c]) for pos, row in enumerate(matrix) if row[c]]
        for c in range(m)
    ]
    result = unitizing_alpha(spans, length=len(matrix))
    with_gaps = np.array(
        [[row[c] or "gap" for c in range(m)] for row in matrix], dtype=object
    )
    alpha = krippendorff_alpha(with_gaps).alpha
    assert (result.u_alpha is None) == (alpha is None)
    if alpha is not None:
        assert result.u_alpha == pytest.approx(alpha, abs=1e-9)
    binary = krippendorff_alpha(
        np.array(
            [[row[c] is not None for c in range(m)] for row in matrix], dtype=float
        )
    ).alpha
    if binary is not None and result.binary_alpha is not None:
        assert result.binary_alpha == pytest.approx(binary, abs=1e-9)
    if m == 2:
        valued = np.array([[row[c] for c in range(m)] for row in matrix], dtype=object)
        cu = krippendorff_alpha(valued).alpha
        if cu is not None and result.cu_alpha is not None:
            assert result.cu_alpha == pytest.approx(cu, abs=1e-9)


def test_u_family_undefined_and_invalid_inputs():
    """No units or one coder: None with reasons; overlapping different values: an error."""
    empty = unitizing_alpha([[], []], length=10)
    assert empty.u_alpha is None
    assert "no variation" in empty.reasons["u_alpha"]
    assert empty.cu_alpha is None
    assert empty.reasons["cu_alpha"]
    assert (
        unitizing_alpha([[(0, 3, "x")]], length=10).reasons["u_alpha"]
        == "fewer than two coders"
    )
    with pytest.raises(ValueError, match="overlap"):
        unitizing_alpha([[(0, 5, "x"), (3, 8, "y")], []], length=10)
    same = unitizing_alpha(
        [[(0, 5, "x"), (3, 8, "x")], [(0, 8, "x")]], length=10
    )  # one value merges
    assert same.u_alpha == pytest.approx(1.0)


def test_cu_alpha_with_interval_values():
    """cuα on numbers uses (c − k)²: identical values on overlaps give 1."""
    spans = [[(0, 4, 1.0), (6, 9, 3.0)], [(1, 4, 1.0), (6, 8, 3.0)]]
    result = unitizing_alpha(spans, length=10, level="interval")
    assert result.cu_alpha == pytest.approx(1.0)
    assert result.level is Level.INTERVAL


# --- Domains ---------------------------------------------------------------------------


def test_domain_matrix_marks_conflicts_missing():
    """A unit with no domain code is missing; two different values are a reported conflict."""
    result = domain_matrix(
        applications=[
            (0, 0, 1.0),
            (0, 0, 1.0),
            (0, 1, 2.0),
            (1, 0, 1.0),
            (1, 0, 3.0),
            (2, 1, 3.0),
        ],
        n_units=3,
        n_coders=2,
    )
    assert np.array_equal(
        result.values, np.array([[1, 2], [nan, nan], [nan, 3]]), equal_nan=True
    )
    assert result.conflicts == ((1, 0),)


def test_code_matrix_distinguishes_not_applied_from_missing():
    """Units outside a coder's documents are missing; inside but unapplied are 0."""
    coded = np.array([[True, True], [True, False], [False, False]])
    matrix = code_matrix(applied=[(0, 0), (1, 0)], n_units=3, n_coders=2, coded=coded)
    assert np.array_equal(
        matrix, np.array([[1, 0], [1, nan], [nan, nan]]), equal_nan=True
    )


def test_resolve_overlaps_cuts_conflicts_and_merges_one_value():
    """Same-value overlaps merge, adjacent units stay apart, cross-value overlaps are cut out."""
    resolved = resolve_overlaps(
        [[(0, 10, "a"), (5, 15, "b"), (20, 25, "a"), (22, 30, "a"), (30, 32, "a")], []]
    )
    assert resolved.spans[0] == (
        (0, 5, "a"),
        (10, 15, "b"),
        (20, 30, "a"),
        (30, 32, "a"),
    )
    assert resolved.conflict_length == (5, 0)
    assert unitizing_alpha(resolved.spans, length=40).n_units == 4


# --- Thresholds ------------------------------------------------------------------------


def test_classify_against_thresholds():
    """0.800 and up is good, 0.667 up to it tentative, below poor; None is undefined."""
    assert classify(0.8) is Verdict.GOOD
    assert classify(0.7999) is Verdict.TENTATIVE
    assert classify(0.667) is Verdict.TENTATIVE
    assert classify(0.5) is Verdict.POOR
    assert classify(None) is Verdict.UNDEFINED
    assert classify(math.nan) is Verdict.UNDEFINED
    assert classify(0.75, good=0.7, tentative=0.6) is Verdict.GOOD


# --- Scale ----------------------------------------------------------------------------


def test_project_scale_character_run_completes():
    """200 documents × 60 codes × 4 coders (~45,000 characters each) in one table."""
    rng = np.random.default_rng(0)
    n_docs, n_codes, n_coders = 200, 60, 4
    lengths = dict.fromkeys(range(n_docs), 45_000)
    per_doc = n_codes * n_coders * 3
    doc = np.repeat(np.arange(n_docs), per_doc)
    starts = rng.integers(0, 44_000, size=doc.size)
    spans = zip(
        doc.tolist(),
        rng.integers(0, n_codes, size=doc.size).tolist(),
        rng.integers(0, n_coders, size=doc.size).tolist(),
        starts.tolist(),
        (starts + rng.integers(10, 1000, size=doc.size)).tolist(),
        strict=True,
    )
    table = character_table(
        spans=spans, lengths=lengths, codes=range(n_codes), coders=range(n_coders)
    )
    assert table.both.shape == (n_docs, n_codes, 6)
    assert table.coded.shape == (n_docs, n_codes, n_coders)
    assert table.kappa(pair=(0, 1)).shape == (n_docs, n_codes)
    assert table.pooled(pair=(2, 3), code=5).n_cells == n_docs
