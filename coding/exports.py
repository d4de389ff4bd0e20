"""Pure CSV writers for exports (no ORM): rows in, text out, streamed line by line.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) get a leading apostrophe (CSV injection). Line
breaks inside a cell are kept and quoted, so a quote spanning paragraphs survives.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

SEGMENT_COLUMNS = [
    "project",
    "document_id",
    "document",
    "case",
    # case attribute columns go here, one per attribute name
    "speaker",
    "turn",
    "coder",
    "code_id",
    "code_path",
    "code",
    "start",
    "end",
    "text",
    "memo",
    "codebook_version",
    "created",
    "updated",
]


def neutralise(value: object) -> str:
    """A cell as text, defused if a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line(io.StringIO):
    def pop(self) -> str:
        value = self.getvalue()
        self.seek(0)
        self.truncate(0)
        return value


def iter_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    bom: bool = True,
) -> Iterator[str]:
    """CSV text, one chunk per row, for ``StreamingHttpResponse`` or a file."""
    if delimiter not in {",", ";", "\t"}:
        raise ValueError("delimiter must be ',', ';' or a tab")
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield (BOM if bom else "") + buffer.pop()
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.pop()


def segment_header(attribute_names: Sequence[str]) -> list[str]:
    at = SEGMENT_COLUMNS.index("speaker")
    return [*SEGMENT_COLUMNS[:at], *attribute_names, *SEGMENT_COLUMNS[at:]]


def segment_cells(row, attribute_names: Sequence[str]) -> list[object]:
    """One ``SegmentRow`` (see ``coding.segments``) as the cells of ``segment_header``."""
    return [
        row.project,
        row.document_id,
        row.document_title,
        row.case_label,
        *(row.attributes.get(name, "") for name in attribute_names),
        row.speaker,
        row.turn_number,
        row.coder,
        row.code_id,
        row.code_path,
        row.code_name,
        row.start,
        row.end,
        row.text,
        row.memo,
        row.codebook_version,
        row.created_at.isoformat(),
        row.updated_at.isoformat(),
    ]
