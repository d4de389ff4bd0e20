"""Parameters of the privacy pages, parsed once."""

from __future__ import annotations

# Ids and offsets beyond this cannot be compared in the database (bigint).
LARGEST = 2**62


def posted_int(value) -> int:
    """A posted id or offset; -1 (matches nothing) when missing, not a number or
    beyond what the database can compare."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < LARGEST else -1
