"""Character-level agreement (NVivo's Coding Comparison) and its table at project scale
(no database).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreement.stats import (
    character_agreement,
    character_table,
    coded_mask,
    krippendorff_alpha,
    nvivo_kappa,
    unit_coded,
)
from tests.agreement.stats_support import PROPERTY

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
