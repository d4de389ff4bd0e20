"""Pure code co-occurrence by overlap and by turn, against a brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.text import (
    cooccurrence,
    pairs_behind,
)

# --- co-occurrence -----------------------------------------------------------------

X, Y, Z = 1, 2, 3
CODINGS = [
    (1, 1, X, 0, 10),
    (2, 1, X, 20, 30),
    (3, 1, Y, 5, 25),
    (4, 1, Z, 30, 40),  # touches coding 2: no overlap
    (5, 2, X, 0, 10),
    (6, 2, Y, 0, 10),
    (7, 2, Y, 50, 60),
]
TURNS = [(1, 1, 0, 15), (1, 2, 15, 35), (1, 3, 35, 50), (2, 1, 0, 30), (2, 2, 40, 70)]


def test_overlap_mode_counts_passages_of_the_row_code():
    m = cooccurrence(CODINGS, mode="overlap")
    assert m.codes == (X, Y, Z)
    assert m.counts.tolist() == [[3, 3, 0], [2, 3, 0], [0, 0, 1]]
    assert m.pair_counts[0, 1] == m.pair_counts[1, 0] == 3
    assert m.jaccard_of(X, Y) == pytest.approx(5 / 6)
    assert m.jaccard_of(X, Z) == 0
    assert m.jaccard_of(Z, Z) == 1
    assert m.pairs_behind(X, Y) == [(1, 3), (2, 3), (5, 6)]
    assert pairs_behind(m, Y, X) == [(3, 1), (3, 2), (6, 5)]
    assert m.pairs_behind(Z, Z) == [(4, 4)]


def test_turn_mode_counts_turns_holding_both_codes():
    m = cooccurrence(CODINGS, mode="turn", turns=TURNS)
    assert m.counts.tolist() == [[3, 3, 1], [3, 4, 1], [1, 1, 2]]
    assert m.jaccard_of(X, Y) == pytest.approx(3 / 4)
    assert m.jaccard_of(X, Z) == pytest.approx(1 / 4)
    assert m.jaccard_of(Y, Z) == pytest.approx(1 / 5)
    assert m.pairs_behind(X, Z) == [(2, 4)]
    assert m.pairs_behind(Y, X) == [(3, 1), (3, 2), (6, 5)]
    assert m.turns_behind(X, Z) == [(1, 2)]
    assert m.turns_behind(Y, Y) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert m.pairs_behind(Z, Z) == [(4, 4)]


def test_axis_codes_fix_order_and_leave_others_out():
    m = cooccurrence(CODINGS, codes=[Y, 99, X])
    assert m.codes == (Y, 99, X)
    assert m.counts.tolist() == [[3, 0, 2], [0, 0, 0], [3, 0, 3]]
    assert m.jaccard_of(99, 99) == 0
    assert m.as_lists()["codes"] == [Y, 99, X]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="start <= end"):
        cooccurrence([(1, 1, X, 5, 4)])
    with pytest.raises(ValueError, match="needs the speaker turns"):
        cooccurrence(CODINGS, mode="turn")
    with pytest.raises(ValueError, match="overlap"):
        cooccurrence(CODINGS, mode="turn", turns=[(1, 1, 0, 10), (1, 2, 5, 20)])
    with pytest.raises(ValueError, match="mode"):
        cooccurrence(CODINGS, mode="sentence")  # type: ignore[arg-type]
    assert cooccurrence([]).codes == ()


def brute_force(codings, mode, turns, codes):
    """The definitions of the module docstring, spelled out in O(n²)."""
    index = {c: i for i, c in enumerate(codes)}
    live = [c for c in codings if c[4] > c[3] and c[2] in index]
    size = len(codes)
    counts = np.zeros((size, size), dtype=int)
    pairs: dict[tuple[int, int], set] = {}

    def in_turn(c, t):
        return c[1] == t[0] and c[3] < t[3] and t[2] < c[4]

    if mode == "overlap":
        for a in live:
            counts[index[a[2]], index[a[2]]] += 1
            met = set()
            for b in live:
                if b[1] == a[1] and b[2] != a[2] and a[3] < b[4] and b[3] < a[4]:
                    met.add(b[2])
                    pairs.setdefault((a[2], b[2]), set()).add((a[0], b[0]))
            for code in met:
                counts[index[a[2]], index[code]] += 1
    else:
        real_turns = [t for t in turns if t[3] > t[2]]
        for t in real_turns:
            present = {c[2] for c in live if in_turn(c, t)}
            for x, y in itertools.product(present, repeat=2):
                counts[index[x], index[y]] += 1
        for a, b in itertools.permutations(live, 2):
            shared = any(in_turn(a, t) and in_turn(b, t) for t in real_turns)
            if a[2] != b[2] and shared:
                pairs.setdefault((a[2], b[2]), set()).add((a[0], b[0]))
    return counts, pairs


@st.composite
def coded_documents(draw):
    codings = []
    for coding_id in range(1, draw(st.integers(0, 25)) + 1):
        start = draw(st.integers(0, 60))
        codings.append(
            (
                coding_id,
                draw(st.integers(1, 3)),
                draw(st.integers(1, 4)),
                start,
                start + draw(st.integers(0, 15)),
            )
        )
    turns = []
    for document in (1, 2, 3, 4):
        position = 0
        for number in range(draw(st.integers(0, 8))):
            start = position + draw(st.integers(0, 3))
            position = start + draw(st.integers(0, 12))
            turns.append((document, number, start, position))
    return codings, turns


@settings(max_examples=150, deadline=None)
@given(coded_documents(), st.sampled_from(["overlap", "turn"]))
def test_matches_a_brute_force_reference(data, mode):
    codings, turns = data
    m = cooccurrence(codings, mode=mode, turns=turns)
    counts, pairs = brute_force(codings, mode, turns, m.codes)
    assert m.counts.tolist() == counts.tolist()
    for (i, x), (j, y) in itertools.product(enumerate(m.codes), repeat=2):
        if x == y:
            continue
        behind = sorted(pairs.get((x, y), set()))
        assert m.pairs_behind(x, y) == behind
        assert m.pair_counts[i, j] == len(behind)
        if mode == "overlap":
            union = counts[i, i] + counts[j, j]
            expected = (counts[i, j] + counts[j, i]) / union if union else 0
        else:
            union = counts[i, i] + counts[j, j] - counts[i, j]
            expected = counts[i, j] / union if union else 0
        assert m.jaccard[i, j] == pytest.approx(expected)


@pytest.mark.parametrize("mode", ["overlap", "turn"])
def test_two_hundred_thousand_codings_over_sixty_codes(mode):
    """Runs vectorised; a per-pair Python loop would not finish in a test run."""
    rng = np.random.default_rng(7)
    n = 200_000
    documents = rng.integers(1, 201, n)
    starts = rng.integers(0, 60_000, n)
    ends = starts + rng.integers(20, 800, n)
    codes = rng.integers(1, 61, n)
    codings = np.column_stack([np.arange(1, n + 1), documents, codes, starts, ends])
    turns = [(d, k, k * 300, k * 300 + 290) for d in range(1, 201) for k in range(210)]

    m = cooccurrence(codings.tolist(), mode=mode, turns=turns)

    assert m.counts.shape == (60, 60)
    assert (m.pair_counts == m.pair_counts.T).all()
    assert (m.counts <= m.totals[:, None]).all()
    assert ((m.jaccard >= 0) & (m.jaccard <= 1)).all()
    behind = m.pairs_behind(1, 2)
    if mode == "overlap":
        assert len({x for x, _y in behind}) == m.count(1, 2)
    assert len(behind) == m.pair_counts[0, 1]
