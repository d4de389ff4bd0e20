"""Choosing among overlapping spans: the longer wins, then the earlier."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def keep_longest(items: Iterable[T], bounds: Callable[[T], tuple[int, int]]) -> list[T]:
    """Non-overlapping items in text order (``bounds(item) == (start, end)``).

    O(n log n): kept spans stay sorted and never overlap, so a candidate only has
    to be checked against its two neighbours.
    """
    ranked = sorted(items, key=lambda i: (bounds(i)[0] - bounds(i)[1], bounds(i)[0]))
    kept: list[tuple[int, int, int]] = []  # (start, end, index into ranked)
    for index, item in enumerate(ranked):
        start, end = bounds(item)
        at = bisect_left(kept, (start, end, index))
        if at > 0 and kept[at - 1][1] > start:
            continue
        if at < len(kept) and kept[at][0] < end:
            continue
        insort(kept, (start, end, index))
    return [ranked[index] for _s, _e, index in kept]


def overlapping(
    spans: Sequence[tuple[int, int]], start: int, end: int
) -> list[tuple[int, int]]:
    """The spans (sorted by start, not overlapping each other) that overlap
    ``[start, end)``."""
    at = max(0, bisect_left(spans, (start, start)) - 1)
    found = []
    while at < len(spans) and spans[at][0] < end:
        if spans[at][1] > start:
            found.append(spans[at])
        at += 1
    return found
