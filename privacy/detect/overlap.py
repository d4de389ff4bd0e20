"""Choosing among overlapping spans: the longer wins, then the earlier."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def keep_longest(items: Iterable[T], bounds: Callable[[T], tuple[int, int]]) -> list[T]:
    """Non-overlapping items in text order (``bounds(item) == (start, end)``)."""
    kept: list[tuple[int, int, T]] = []
    for item in sorted(
        items, key=lambda i: (bounds(i)[0] - bounds(i)[1], bounds(i)[0])
    ):
        start, end = bounds(item)
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, item))
    return [item for _, _, item in sorted(kept, key=lambda k: k[0])]
