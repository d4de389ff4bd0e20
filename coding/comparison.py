"""Compare two coders' codings of one document: what matches, overlaps or is one-sided.

Pure module (no ORM): codings come in as ``(coding_id, code_id, start, end)`` tuples.
For each code, codings of both coders that overlap (directly or through a chain) form
one *difference unit*; a unit is a ``match`` when both coders have exactly the same
spans in it, ``partial`` when both coded it differently, else ``only_a``/``only_b``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

MATCH = "match"
PARTIAL = "partial"
ONLY_A = "only_a"
ONLY_B = "only_b"


@dataclass(frozen=True)
class Span:
    coding_id: int
    start: int
    end: int


@dataclass
class Unit:
    code_id: int
    start: int
    end: int
    a: list[Span] = field(default_factory=list)
    b: list[Span] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.a and self.b:
            same = sorted((s.start, s.end) for s in self.a) == sorted(
                (s.start, s.end) for s in self.b
            )
            return MATCH if same else PARTIAL
        return ONLY_A if self.a else ONLY_B

    @property
    def is_difference(self) -> bool:
        return self.kind != MATCH


def compare_coders(
    a: Iterable[tuple[int, int, int, int]], b: Iterable[tuple[int, int, int, int]]
) -> list[Unit]:
    """All units of both coders, in text order (then by code)."""
    by_code: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
    for side, rows in (("a", a), ("b", b)):
        for coding_id, code_id, start, end in rows:
            by_code[code_id].append((start, end, coding_id, side))
    units: list[Unit] = []
    for code_id, spans in by_code.items():
        spans.sort()
        current: Unit | None = None
        for start, end, coding_id, side in spans:
            if current is None or start >= current.end:
                current = Unit(code_id=code_id, start=start, end=end)
                units.append(current)
            current.end = max(current.end, end)
            getattr(current, side).append(Span(coding_id, start, end))
    units.sort(key=lambda u: (u.start, u.end, u.code_id))
    return units


def summary(units: Iterable[Unit]) -> dict[str, int]:
    counts = {MATCH: 0, PARTIAL: 0, ONLY_A: 0, ONLY_B: 0}
    for unit in units:
        counts[unit.kind] += 1
    return counts
