"""Differences between two codebook snapshots: pure code on plain dicts, no ORM.

A snapshot is a list, in tree order, of ``{"id", "parent_id", "name", "path",
"description", "color", "shortcut"}`` (what ``CodebookVersion.codes`` stores and
``coding.services.versions.codebook_snapshot`` builds from the live codebook).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeChange:
    """One property of one code, before and after.

    ``name`` and ``path`` are the code's in the newer snapshot, so a change can be
    found in today's codebook.
    """

    id: int
    name: str
    path: str
    old: str
    new: str


@dataclass
class CodebookDiff:
    """What changed from the old snapshot to the new one, each list in tree order.

    ``added`` and ``removed`` hold snapshot entries; the other lists hold
    ``CodeChange`` rows. One code can appear in several lists (renamed *and*
    redefined, say).
    """

    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    renamed: list[CodeChange] = field(default_factory=list)
    redefined: list[CodeChange] = field(default_factory=list)
    recoloured: list[CodeChange] = field(default_factory=list)
    moved: list[CodeChange] = field(default_factory=list)

    SECTIONS = ("added", "removed", "renamed", "redefined", "recoloured", "moved")

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.SECTIONS}

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())


def _change(entry: dict, old_value: str, new_value: str) -> CodeChange:
    return CodeChange(
        id=entry["id"],
        name=entry["name"],
        path=entry["path"],
        old=old_value,
        new=new_value,
    )


def diff_codebooks(old: Sequence[dict], new: Sequence[dict]) -> CodebookDiff:
    """Compare two snapshots, matching codes by ``id``.

    Matching by id means a code that was deleted and then created again with the
    same name counts as *removed* plus *added*: its codings from before are gone,
    so it is not the same code. Likewise a code merged into another is removed.

    - renamed: the code's own name changed (old name → new name);
    - redefined: its definition (``description``) changed;
    - recoloured: its colour changed;
    - moved: it sits under another parent (old path → new path). A code whose path
      changed only because it, or a code above it, was renamed did not move.
    """
    old_by_id = {entry["id"]: entry for entry in old}
    new_ids = {entry["id"] for entry in new}
    diff = CodebookDiff(
        removed=[entry for entry in old if entry["id"] not in new_ids],
    )
    for entry in new:
        before = old_by_id.get(entry["id"])
        if before is None:
            diff.added.append(entry)
            continue
        if before["name"] != entry["name"]:
            diff.renamed.append(_change(entry, before["name"], entry["name"]))
        old_description = before.get("description") or ""
        new_description = entry.get("description") or ""
        if old_description != new_description:
            diff.redefined.append(_change(entry, old_description, new_description))
        if (before.get("color") or "").lower() != (entry.get("color") or "").lower():
            diff.recoloured.append(_change(entry, before["color"], entry["color"]))
        if before.get("parent_id") != entry.get("parent_id"):
            diff.moved.append(_change(entry, before["path"], entry["path"]))
    return diff
