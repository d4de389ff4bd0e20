"""Clustered order of the co-occurrence heatmap (pure)."""

from __future__ import annotations

import numpy as np

from analysis.text.seriation import cluster_order


def _blocks(order: list[int], groups: list[set[int]]) -> bool:
    """Every group sits in one unbroken stretch of ``order``."""
    places = {code: i for i, code in enumerate(order)}
    return all(
        max(places[c] for c in g) - min(places[c] for c in g) == len(g) - 1
        for g in groups
    )


def test_codes_used_together_stand_side_by_side():
    groups = [{0, 3, 6}, {1, 4}, {2, 5, 7}]
    size = 8
    similarity = np.zeros((size, size))
    for group in groups:
        for i in group:
            for j in group:
                similarity[i, j] = 0.6 + 0.01 * (i + j)
    similarity[6, 1] = similarity[1, 6] = 0.05  # a weak tie between two clusters
    order = cluster_order(similarity)
    assert sorted(order) == list(range(size))
    assert _blocks(order, groups)
    # the weakly tied clusters stand together, the third after them
    assert _blocks(order, [{0, 3, 6, 1, 4}])


def test_codes_that_meet_no_other_keep_their_order_at_the_end():
    similarity = [
        [1, 0, 0, 0.5],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0.5, 0, 0, 1],
    ]
    assert cluster_order(similarity) == [0, 3, 1, 2]


def test_the_order_is_deterministic_and_reads_the_matrix_symmetrically():
    rng = np.random.default_rng(7)
    similarity = rng.random((30, 30))
    first = cluster_order(similarity)
    assert first == cluster_order(similarity.copy())
    assert first == cluster_order(((similarity + similarity.T) / 2).tolist())
    assert cluster_order([]) == []
    assert cluster_order([[1.0]]) == [0]
    assert cluster_order([[1, 0.2], [0.2, 1]]) == [0, 1]
