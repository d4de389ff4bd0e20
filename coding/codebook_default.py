"""The regie codebook Regie ships (Dutch, from the thesis) and the demo's actors.

The codebook is a template of theory codes whose actor branch ("Actoren") is empty:
a new project names its own actors. The Mechelen actors of the thesis (with their
kinds and aliases) belong to the demo project only and live beside its transcripts.

Pure module (no ORM), so that services filling a codebook and selectors reading
its actor and flow annotations both reach it from below.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

DEFAULT_CODEBOOK_FILE = Path(__file__).resolve().parent / "data" / "regie_codebook.json"
DEMO_ACTORS_FILE = Path(__file__).resolve().parent / "demo" / "data" / "actors.json"
ACTOR_BRANCH = "Actoren"


@cache
def _read(path: Path) -> tuple[dict, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(json.load(handle))


def default_codebook_nodes() -> list[dict]:
    """The regie codebook as nested ``{"name", "children", ...}`` nodes (a fresh
    copy: callers may change it), its actor branch empty."""
    return copy.deepcopy(list(_read(DEFAULT_CODEBOOK_FILE)))


def demo_actor_nodes() -> list[dict]:
    """The demo's actor codes (Stad Mechelen, Unia, ...) with ``actor_kind`` and
    ``aliases``, to go under the codebook's actor branch."""
    return copy.deepcopy(list(_read(DEMO_ACTORS_FILE)))


def demo_codebook_nodes() -> list[dict]:
    """The regie codebook with the demo's actors in its actor branch: what the demo
    project starts with, and where actor kinds and aliases are looked up by name."""
    nodes = default_codebook_nodes()
    for node in nodes:
        if node["name"] == ACTOR_BRANCH:
            node["children"] = demo_actor_nodes()
    return nodes
