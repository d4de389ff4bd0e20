"""Difference units between two coders (pure)."""

from coding.comparison import MATCH, ONLY_A, ONLY_B, PARTIAL, compare_coders, summary


def test_units_classify_match_partial_and_one_sided():
    a = [(1, 10, 0, 10), (2, 10, 20, 30), (3, 11, 40, 50), (4, 10, 60, 70)]
    b = [
        (5, 10, 0, 10),
        (6, 10, 25, 35),
        (7, 12, 40, 50),
        (8, 10, 68, 80),
        (9, 10, 75, 90),
    ]
    units = compare_coders(a, b)
    kinds = [(u.code_id, u.start, u.end, u.kind) for u in units]
    assert kinds == [
        (10, 0, 10, MATCH),
        (10, 20, 35, PARTIAL),
        (11, 40, 50, ONLY_A),
        (12, 40, 50, ONLY_B),
        (10, 60, 90, PARTIAL),  # chained overlaps form one unit
    ]
    assert summary(units) == {MATCH: 1, PARTIAL: 2, ONLY_A: 1, ONLY_B: 1}


def test_touching_spans_are_separate_units():
    units = compare_coders([(1, 1, 0, 5)], [(2, 1, 5, 9)])
    assert [u.kind for u in units] == [ONLY_A, ONLY_B]


def test_same_spans_in_different_order_match():
    a = [(1, 1, 0, 5), (2, 1, 3, 8)]
    b = [(3, 1, 3, 8), (4, 1, 0, 5)]
    (unit,) = compare_coders(a, b)
    assert unit.kind == MATCH
    assert not unit.is_difference
