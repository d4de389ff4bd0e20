"""Domains as one variable, and verdicts against thresholds (no database)."""

from __future__ import annotations

import math

import numpy as np

from agreement.stats import (
    Verdict,
    classify,
    code_matrix,
    domain_matrix,
    resolve_overlaps,
    unitizing_alpha,
)
from tests.agreement.stats_support import nan

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
