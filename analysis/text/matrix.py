"""Matrix coding query: codes down, attribute values / documents / coders across.

Pure module (no ORM). The caller resolves the column dimension and passes one
plain ``MatrixItem`` per coding: ``column`` is whatever the columns are (a case
attribute value such as "schepen", a document id, a coder id); a coding belonging to
several columns comes as several items.

A cell (code X, column v) holds, over the codings of X in v:

* ``"segments"``: the number of distinct codings (coded segments);
* ``"cases"``: the number of distinct cases they belong to (codings without a case
  add none);
* ``"words"``: the sum of their word counts (overlapping codings each add theirs).

With ``parents`` (code id → parent id or ``None``) a coding also counts for every
ancestor of its code (NVivo's "aggregate"); an item given twice still counts once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from coding.exports import csv_text

CellKind = Literal["segments", "cases", "words"]
CELL_KINDS = ("segments", "cases", "words")


class MatrixItem(NamedTuple):
    coding_id: int
    code_id: int
    column: Hashable
    case_id: int | None = None
    words: int = 0


@dataclass(frozen=True)
class MatrixResult:
    """``values[r][c]`` is the cell of ``rows[r]`` (a code id) and ``columns[c]``."""

    cell: CellKind
    rows: tuple[int, ...]
    columns: tuple[Hashable, ...]
    values: tuple[tuple[int, ...], ...]

    def value(self, row: int, column: Hashable) -> int:
        return self.values[self.rows.index(row)][self.columns.index(column)]

    def to_json(self) -> dict:
        """The stored and served shape (``AnalysisResult.result``, the API)."""
        return {
            "cell": self.cell,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "values": [list(v) for v in self.values],
        }

    @classmethod
    def from_json(cls, data: dict) -> MatrixResult:
        return cls(
            cell=data["cell"],
            rows=tuple(data["rows"]),
            columns=tuple(data["columns"]),
            values=tuple(tuple(v) for v in data["values"]),
        )


def matrix_counts(
    items: Iterable[MatrixItem | tuple],
    *,
    cell: CellKind = "segments",
    parents: Mapping[int, int | None] | None = None,
    rows: Sequence[int] | None = None,
    columns: Sequence[Hashable] | None = None,
) -> MatrixResult:
    """Count ``items`` into a code × column matrix (see the module docstring).

    ``rows`` and ``columns`` fix the axes and their order (missing ones show zeros,
    others are left out); by default every code (and, rolled up, every ancestor) and
    every column seen, sorted.
    """
    if cell not in CELL_KINDS:
        raise ValueError(f"cell must be one of {', '.join(CELL_KINDS)}, not {cell!r}")
    lineage = _Lineage(parents or {})
    # (code, column) -> coding id -> (case id, words); a dict dedupes codings.
    found: dict[tuple[int, Hashable], dict[int, tuple[int | None, int]]] = defaultdict(
        dict
    )
    for item in items:
        coding_id, code_id, column, case_id, words = MatrixItem(*item)
        for code in lineage.self_and_ancestors(code_id):
            found[code, column][coding_id] = (case_id, words)

    row_axis = tuple(rows) if rows is not None else _sorted({k[0] for k in found})
    column_axis = (
        tuple(columns) if columns is not None else _sorted({k[1] for k in found})
    )
    values = tuple(
        tuple(_cell(cell, found.get((row, column), {})) for column in column_axis)
        for row in row_axis
    )
    return MatrixResult(cell=cell, rows=row_axis, columns=column_axis, values=values)


def matrix_csv(
    result: MatrixResult,
    *,
    row_labels: Mapping[int, str] | None = None,
    column_labels: Mapping[Hashable, str] | None = None,
    corner: str = "",
    delimiter: str = ",",
) -> str:
    """The matrix as CSV text: a header row of columns, then one row per code.

    Labels default to the ids. Every cell is neutralised against spreadsheet
    formulas (``=``, ``+``, ``-``, ``@``, tab, CR get a leading apostrophe).
    """
    row_labels = row_labels or {}
    column_labels = column_labels or {}
    header = [corner, *(column_labels.get(c, c) for c in result.columns)]
    rows = (
        [row_labels.get(row, row), *values]
        for row, values in zip(result.rows, result.values, strict=True)
    )
    return csv_text(header, rows, delimiter=delimiter)


class _Lineage:
    """Ancestors of codes under a parent map, memoised; a cycle is an error."""

    def __init__(self, parents: Mapping[int, int | None]) -> None:
        self.parents = parents
        self.memo: dict[int, tuple[int, ...]] = {}

    def self_and_ancestors(self, code: int) -> tuple[int, ...]:
        chain = self.memo.get(code)
        if chain is not None:
            return chain
        path = [code]
        parent = self.parents.get(code)
        while parent is not None:
            if parent in path:
                raise ValueError(f"code {parent} is its own ancestor")
            if parent in self.memo:
                path.extend(self.memo[parent])
                break
            path.append(parent)
            parent = self.parents.get(parent)
        chain = self.memo[code] = tuple(path)
        return chain


def _cell(cell: CellKind, codings: dict[int, tuple[int | None, int]]) -> int:
    if cell == "segments":
        return len(codings)
    if cell == "cases":
        return len({case for case, _words in codings.values() if case is not None})
    return sum(words for _case, words in codings.values())


def _sorted(keys: set) -> tuple:
    try:
        return tuple(sorted(keys))
    except TypeError:  # mixed types (e.g. None next to strings): sort by text
        return tuple(sorted(keys, key=lambda k: (k is not None, str(k))))
