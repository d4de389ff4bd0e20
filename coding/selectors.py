"""Read-models over many rows: the codebook tree, the workbench's text blocks.

Selectors return plain dataclasses; templates and the API render them. Visibility
(blind coding) is decided before rows reach a selector: callers pass the codings
the user may see (``ProjectAccess.visible_codings``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from coding.access import ProjectAccess
from coding.models import Code, Coding, Document

# A block without speaker turns is cut at a paragraph break after this many characters
# so that re-rendering one block after a change stays cheap.
PARAGRAPH_BLOCK_TARGET = 1500


class TurnLike(Protocol):
    """A speaker turn's fields the renderer reads (a model or a values row)."""

    number: int
    speaker: str
    start: int
    end: int
    started_at_ms: int | None


@dataclass
class CodeNode:
    id: int
    name: str
    description: str
    color: str
    shortcut: str
    parent_id: int | None
    depth: int
    path: str
    children: list[CodeNode] = field(default_factory=list)
    coding_count: int = 0


def code_paths(
    project_id: int, *, exclude: set[int] | None = None
) -> list[tuple[int, str]]:
    """Every code of the project as ``(id, "Parent > Child")``, in tree order (for
    pickers: a bare name does not say which branch it sits in)."""
    exclude = exclude or set()
    rows = list(
        Code.objects.filter(project_id=project_id).values_list(
            "id", "parent_id", "name", "sort_order"
        )
    )
    by_parent: dict[int | None, list[tuple]] = {}
    for row in rows:
        by_parent.setdefault(row[1], []).append(row)
    paths: list[tuple[int, str]] = []
    stack = [(row, row[2]) for row in sorted(by_parent.get(None, []), key=_tree_key)]
    stack.reverse()
    while stack:
        (code_id, _parent, _name, _order), path = stack.pop()
        if code_id not in exclude:
            paths.append((code_id, path))
        children = sorted(by_parent.get(code_id, []), key=_tree_key, reverse=True)
        stack.extend((child, f"{path} > {child[2]}") for child in children)
    return paths


def _tree_key(row: tuple) -> tuple:
    return (row[3], row[2].casefold(), row[0])


def codebook_tree(
    codes: Iterable[Code], counts: dict[int, int] | None = None
) -> list[CodeNode]:
    """The codebook as a list of root nodes (children nested), in sort order."""
    counts = counts or {}
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)

    def build(parent_id: int | None, depth: int, prefix: str) -> list[CodeNode]:
        nodes = []
        for code in sorted(
            by_parent.get(parent_id, []), key=lambda c: (c.sort_order, c.name)
        ):
            path = f"{prefix} > {code.name}" if prefix else code.name
            node = CodeNode(
                id=code.pk,
                name=code.name,
                description=code.description,
                color=code.color,
                shortcut=code.shortcut,
                parent_id=code.parent_id,
                depth=depth,
                path=path,
                coding_count=counts.get(code.pk, 0),
            )
            node.children = build(code.pk, depth + 1, path)
            nodes.append(node)
        return nodes

    return build(None, 0, "")


def flatten(nodes: Sequence[CodeNode]) -> list[CodeNode]:
    out: list[CodeNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


@dataclass(frozen=True)
class Mark:
    """One coding as the text renderer needs it."""

    coding_id: int
    color: str
    coder_id: int
    bar: str = ""  # the stacked bar's colour: the coder's layer colour, else the code's
    kind: str = ""  # in a comparison: match, partial, only_a or only_b


@dataclass
class Piece:
    start: int
    end: int
    text: str
    marks: tuple[Mark, ...] = ()

    @property
    def kind(self) -> str:
        """The most telling comparison class among the codings here."""
        kinds = {mark.kind for mark in self.marks}
        for kind in ("only_a", "only_b", "partial", "match"):
            if kind in kinds:
                return kind
        return ""

    @property
    def coding_ids(self) -> str:
        return ",".join(str(m.coding_id) for m in self.marks)

    @property
    def style(self) -> str:
        """Background from the innermost coding; one stacked bar per coding."""
        if not self.marks:
            return ""
        bars = ", ".join(
            f"inset 0 -{3 * (i + 1)}px 0 {mark.color}"
            for i, mark in enumerate(self.marks)
        )
        return f"background-color: {self.marks[-1].color}66; box-shadow: {bars}"


@dataclass
class Block:
    number: int
    start: int
    end: int
    speaker: str
    turn_number: int | None
    content_start: int  # after the "Speaker:" label, for coding a whole turn
    started_at_ms: int | None = None
    pieces: list[Piece] = field(default_factory=list)
    # Only white space between two turns: kept for offsets, not shown.
    is_gap: bool = False


def _paragraph_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n\n")
    last = 0
    while position != -1:
        nxt = position + 2
        while nxt < len(text) and text[nxt] == "\n":
            nxt += 1
        if nxt < len(text) and nxt - last >= PARAGRAPH_BLOCK_TARGET:
            starts.append(nxt)
            last = nxt
        position = text.find("\n\n", nxt)
    return starts


def label_end(text: str, start: int, end: int, speaker: str) -> int:
    if not speaker:
        return start
    colon = text.find(":", start, min(end, start + len(speaker) + 8))
    if colon == -1:
        return start
    position = colon + 1
    while position < end and text[position] in " \t*":
        position += 1
    return position


def document_blocks(
    document: Document,
    turns: Sequence[TurnLike],
    marks: Sequence[tuple[int, int, Mark]],
    *,
    cut: bool = True,
) -> list[Block]:
    """Cut the text into blocks (speaker turns, else paragraphs) and pieces.

    ``marks`` are ``(start, end, Mark)``; a piece is a maximal stretch covered by the
    same set of codings, so the browser gets one ``<span>`` per change of coding.
    ``cut=False`` leaves the pieces out (the document page paints them itself).
    """
    text = document.text
    length = len(text)
    blocks: list[Block] = []
    if turns:
        cursor = 0
        for turn in sorted(turns, key=lambda t: t.start):
            if turn.start > cursor:
                gap = Block(0, cursor, turn.start, "", None, cursor)
                gap.is_gap = cursor > 0 and not text[cursor : turn.start].strip()
                blocks.append(gap)
            end = turn.end
            blocks.append(
                Block(
                    0,
                    turn.start,
                    end,
                    turn.speaker,
                    turn.number,
                    label_end(text, turn.start, end, turn.speaker),
                    turn.started_at_ms,
                )
            )
            cursor = end
        if cursor < length:
            blocks.append(Block(0, cursor, length, "", None, cursor))
    else:
        starts = _paragraph_starts(text)
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else length
            blocks.append(Block(0, start, end, "", None, start))
    for number, block in enumerate(blocks, start=1):
        block.number = number
    if cut:
        _cut_pieces(text, blocks, marks)
    return blocks


def _cut_pieces(
    text: str, blocks: list[Block], marks: Sequence[tuple[int, int, Mark]]
) -> None:
    """Sweep once over blocks and marks (both in text order): O(blocks + marks)."""
    ordered = sorted(marks, key=lambda m: (m[0], -m[1]))
    next_mark = 0
    active: list[tuple[int, int, Mark]] = []
    for block in sorted(blocks, key=lambda b: b.start):
        while next_mark < len(ordered) and ordered[next_mark][0] < block.end:
            active.append(ordered[next_mark])
            next_mark += 1
        active = [m for m in active if m[1] > block.start]
        here = [m for m in active if m[0] < block.end]
        cuts = sorted(
            {block.start, block.end}
            | {m[0] for m in here if m[0] > block.start}
            | {m[1] for m in here if m[1] < block.end}
        )
        # Longest first, so the innermost (shortest) coding is drawn last.
        here.sort(key=lambda m: m[0] - m[1])
        for a, b in itertools.pairwise(cuts):
            covering = tuple(
                mark for start, end, mark in here if start <= a and end >= b
            )
            block.pieces.append(Piece(a, b, text[a:b], covering))


def text_window(
    text: str, start: int, end: int, marks: Sequence[tuple[int, int, Mark]]
) -> Block:
    """One block over ``text[start:end]`` with its pieces (for context views)."""
    block = Block(1, start, end, "", None, start)
    _cut_pieces(text, [block], [m for m in marks if m[0] < end and m[1] > start])
    return block


def blocks_touching(blocks: Sequence[Block], start: int, end: int) -> list[Block]:
    return [b for b in blocks if b.start < max(end, start + 1) and b.end > start]


def marks_for(
    codings: Iterable[Coding],
    *,
    bars: dict[int, str] | None = None,
    kinds: dict[int, str] | None = None,
) -> list[tuple[int, int, Mark]]:
    """Marks for codings; ``bars`` maps coder id → layer colour, ``kinds`` coding id →
    comparison class."""
    bars = bars or {}
    kinds = kinds or {}
    return [
        (
            c.start,
            c.end,
            Mark(
                coding_id=c.pk,
                color=c.code.color,
                coder_id=c.coder_id,
                bar=bars.get(c.coder_id, ""),
                kind=kinds.get(c.pk, ""),
            ),
        )
        for c in codings
    ]


# ---------------------------------------------------------------- coded segments


def filter_choices(access: ProjectAccess) -> dict:
    """What the coded-segment filter offers: codes, coders, documents, attributes."""
    project = access.project
    # EXISTS per user rather than DISTINCT over every coding: a team has few
    # users and a project may have hundreds of thousands of codings.
    has_codings = Exists(access.visible_codings().filter(coder_id=OuterRef("pk")))
    attributes: dict[str, set[str]] = {}
    for values in project.cases.values_list("attributes", flat=True):
        for name, value in (values or {}).items():
            attributes.setdefault(name, set()).add(str(value))
    return {
        "codes": flatten(codebook_tree(Code.objects.filter(project=project))),
        "coders": list(
            get_user_model()
            .objects.filter(has_codings)
            .order_by("username")
            .values_list("pk", "username")
        ),
        "documents": list(
            Document.objects.filter(project=project)
            .order_by("title")
            .values_list("pk", "title")
        ),
        "attributes": {
            name: sorted(values) for name, values in sorted(attributes.items())
        },
    }
