"""The regie codebook Regie ships (Dutch, from the thesis): where its file lies.

Pure module (no ORM), so that services filling a codebook and selectors reading
its actor and flow annotations both reach it from below.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_CODEBOOK_FILE = Path(__file__).resolve().parent / "data" / "regie_codebook.json"


def default_codebook_nodes() -> list[dict]:
    """The regie codebook as nested ``{"name", "children", ...}`` nodes."""
    with DEFAULT_CODEBOOK_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)
