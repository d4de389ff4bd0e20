"""Readable highlight colours derived from a code's stored colour.

Stored colours are whatever users picked (the seeded codebooks are pastels at most
1.83:1 against white, so a highlight could not be seen). We keep each code's hue and
derive two colours of fixed luminance: ``fill`` behind the text (text in the page's ink
stays above WCAG AA 4.5:1, the fill stays clearly darker than the white page) and
``line`` for margin stripes and underlines (≥ 4.5:1 against white, as text).
Pure functions: no ORM, used by the document page's palette data.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache

INK = "#1d2330"  # the page's text colour (static/css/regie.css --ink)
FILL_LUMINANCE = 0.5  # ≈ 8.3:1 for ink on fill, ≈ 1.9:1 fill against white
LINE_LUMINANCE = 0.12  # ≈ 6:1 against white


@dataclass(frozen=True, slots=True)
class Highlight:
    fill: str
    line: str


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _hex(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in (r, g, b))


def _at_luminance(hue: float, saturation: float, target: float) -> str:
    """The HLS colour of this hue and saturation whose luminance is ``target``
    (bisection on lightness: luminance grows with it)."""
    low, high = 0.0, 1.0
    for _ in range(24):
        middle = (low + high) / 2
        if luminance(_hex(*colorsys.hls_to_rgb(hue, middle, saturation))) < target:
            low = middle
        else:
            high = middle
    return _hex(*colorsys.hls_to_rgb(hue, (low + high) / 2, saturation))


@lru_cache(maxsize=1024)
def highlight_for(color: str) -> Highlight:
    """The fill and line colours for a code's stored ``#rrggbb`` colour."""
    try:
        r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        r = g = b = 0.5
    hue, _lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    # Pastels have little saturation left; grey stays grey.
    saturation = 0.0 if saturation < 0.08 else max(saturation, 0.6)
    return Highlight(
        fill=_at_luminance(hue, saturation, FILL_LUMINANCE),
        line=_at_luminance(hue, saturation, LINE_LUMINANCE),
    )
