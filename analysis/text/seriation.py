"""An order of the codes that puts codes used together next to each other.

Average-linkage agglomerative clustering on a similarity matrix (the co-occurrence
page passes Jaccard indices); each merge joins the two clusters' leaf orders the
way round that puts the most similar ends side by side, so a heatmap drawn in this
order shows its clusters as blocks along the diagonal. Deterministic: ties go to
the lower index, and codes that meet no other code keep their codebook order at
the end. numpy only (no SciPy needed); O(n³) for n codes, a few milliseconds for
the few hundred codes a codebook holds.

Pure module: no ORM.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cluster_order(similarity: Sequence[Sequence[float]]) -> list[int]:
    """Indices of ``similarity``'s rows in clustered order (a permutation).

    ``similarity`` is square and read symmetrically (the mean of it and its
    transpose); the diagonal is ignored.
    """
    matrix = np.asarray(similarity, dtype=float)
    size = len(matrix)
    if size <= 2:
        return list(range(size))
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 0.0)
    linked = [i for i in range(size) if matrix[i].any()]
    alone = [i for i in range(size) if not matrix[i].any()]
    return _agglomerate(matrix, linked) + alone


def _agglomerate(matrix: np.ndarray, members: list[int]) -> list[int]:
    """Merge the most similar pair of clusters until one is left."""
    if len(members) <= 1:
        return members
    between = matrix[np.ix_(members, members)].copy()  # cluster × cluster mean
    np.fill_diagonal(between, -np.inf)
    orders: list[list[int] | None] = [[m] for m in members]
    sizes = np.ones(len(members))
    for _ in range(len(members) - 1):
        a, b = divmod(int(np.argmax(between)), len(members))
        a, b = min(a, b), max(a, b)
        orders[a] = _join(matrix, orders[a], orders[b])
        orders[b] = None
        merged = (sizes[a] * between[a] + sizes[b] * between[b]) / (sizes[a] + sizes[b])
        between[a, :], between[:, a] = merged, merged
        between[a, a] = -np.inf
        between[b, :], between[:, b] = -np.inf, -np.inf
        sizes[a] += sizes[b]
    return next(order for order in orders if order is not None)


def _join(matrix: np.ndarray, left: list[int], right: list[int]) -> list[int]:
    """``left`` + ``right``, each possibly reversed, most similar ends together."""
    options = [
        (left, right),
        (left, right[::-1]),
        (left[::-1], right),
        (left[::-1], right[::-1]),
    ]
    best = max(
        range(4), key=lambda k: (matrix[options[k][0][-1], options[k][1][0]], -k)
    )
    first, second = options[best]
    return first + second
