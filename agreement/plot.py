"""The agreement dot plot: geometry for the run page, as plain values.

One panel per chance-corrected measure (κ, α, AC1, …), one line per row of the
matrix: a dot at the value, a line for its 95 % bootstrap interval, dashed lines
at the run's thresholds. Percentage agreement gets no panel and no colour: the page
prints it plain beside the panels, so nobody quotes a green 99 % beside a red κ.

The page draws each cell as a small inline SVG whose x axis runs from 0 to
``WIDTH`` over the panel's scale, stretched to the column's width
(``preserveAspectRatio="none"``; strokes keep their width with
``vector-effect: non-scaling-stroke``). Pure module: no ORM, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 1000  # the SVG's x extent; the browser stretches it to the column
LOWEST = -1.0  # coefficients below −1 are drawn at the edge


@dataclass(frozen=True, slots=True)
class Scale:
    """A linear map from a coefficient to ``0..WIDTH``."""

    low: float
    high: float = 1.0

    def x(self, value: float) -> float:
        """The x of ``value``, clamped to the panel (values outside sit at an edge)."""
        share = (value - self.low) / (self.high - self.low)
        return round(WIDTH * min(1.0, max(0.0, share)), 1)

    def ticks(self) -> tuple[tuple[float, float], ...]:
        """(value, percent from the left) for three labels a narrow panel can hold:
        the left edge, 0 (or the middle when the edge is 0) and 1."""
        middle = 0.0 if self.low < 0 else (self.low + self.high) / 2
        values = (self.low, middle, self.high)
        return tuple((v, self.x(v) / WIDTH * 100) for v in values)


def coefficient_scale(values: Iterable[float | None]) -> Scale:
    """From the lowest value or interval end, rounded down to a half, to 1.

    Most coefficients lie in 0..1; a scale from −1 would squeeze them into the
    right half, so the left edge goes only as low as the data.
    """
    lowest = min((v for v in values if v is not None and math.isfinite(v)), default=0)
    low = max(LOWEST, min(0.0, math.floor(lowest * 2) / 2))
    return Scale(low=low)


@dataclass(frozen=True, slots=True)
class Mark:
    """One figure in one panel: where its dot and interval go, and how it reads."""

    value: float | None
    x: float | None  # None: undefined, nothing drawn
    ci_x: tuple[float, float] | None
    verdict: str
    label: str  # the figure in words (the SVG's title)

    @property
    def x_end(self) -> float | None:
        """A dot is a round-capped stroke a hair long (zero-length ones may vanish)."""
        return None if self.x is None else self.x + 0.1


@dataclass(frozen=True, slots=True)
class Panel:
    """One chance-corrected measure: its scale and the thresholds' x."""

    key: str
    label: str
    scale: Scale
    tentative_x: float
    good_x: float
    zero_x: float | None  # drawn only when the scale goes below 0


def panel(key: str, label: str, scale: Scale, thresholds: dict[str, float]) -> Panel:
    return Panel(
        key=key,
        label=label,
        scale=scale,
        tentative_x=scale.x(thresholds.get("tentative", 0.667)),
        good_x=scale.x(thresholds.get("good", 0.8)),
        zero_x=scale.x(0.0) if scale.low < 0 else None,
    )


def mark(
    scale: Scale,
    value: float | None,
    ci: tuple[float, float] | None,
    verdict: str,
    label: str,
) -> Mark:
    """A dot (and interval) on ``scale``; an undefined value draws nothing."""
    if value is None or not math.isfinite(value):
        return Mark(None, None, None, "undefined", label)
    return Mark(
        value=value,
        x=scale.x(value),
        ci_x=(scale.x(ci[0]), scale.x(ci[1])) if ci else None,
        verdict=verdict,
        label=label,
    )
