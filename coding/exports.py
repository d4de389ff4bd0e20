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
    # relation codings (the network app); empty for other codings
    "source_actor",
    "target_actor",
    "flow",
    "mutual",
    "occasional",
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


def _local(moment) -> str:
    """ISO 8601 in the project's time zone, as the API writes times."""
    from django.utils import timezone

    return timezone.localtime(moment).isoformat()


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
        _local(row.created_at),
        _local(row.updated_at),
        row.source_actor,
        row.target_actor,
        row.flow,
        _flag(row.mutual),
        _flag(row.occasional),
    ]


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def iter_segment_csv(
    records: Iterable[tuple],
    *,
    project: str,
    attribute_names: Sequence[str],
    delimiter: str = ",",
    bom: bool = True,
    chunk_bytes: int = 64 * 1024,
) -> Iterator[str]:
    """The coded segments CSV, fast: the same text as ``iter_csv(segment_header(…),
    segment_cells(…))`` over the same rows, in chunks of about ``chunk_bytes``.

    ``records`` are ``coding.segments.iter_segment_records`` tuples. What is the
    same for many rows (a document's columns, a code's path, a coder's name, a
    time stamp) is made safe once, not per row, and rows are written a batch at a
    time: a million segments stream in seconds, not minutes. A test compares the
    two paths byte for byte; a new column must be added to both.
    """
    if delimiter not in {",", ";", "\t"}:
        raise ValueError("delimiter must be ',', ';' or a tab")
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in segment_header(attribute_names)])
    safe_project = neutralise(project)
    formula = frozenset(FORMULA_STARTS)
    cached: dict[object, str] = {}

    def safe(value: str) -> str:
        found = cached.get(value)
        if found is None:
            found = cached[value] = neutralise(value)
        return found

    flags = {None: "", True: "true", False: "false"}
    document = None
    prefix: list[object] = []
    last_moment = None
    last_text = ""
    batch: list[list[object]] = []
    for (
        row_document,
        number,
        speaker,
        coder,
        code_id,
        path,
        name,
        start,
        end,
        text,
        memo,
        version,
        created_at,
        updated_at,
        source_actor,
        target_actor,
        flow,
        mutual,
        occasional,
    ) in records:
        if row_document is not document:
            document = row_document
            attributes = document.attributes
            prefix = [
                safe_project,
                document.id,
                neutralise(document.title),
                neutralise(document.case_label),
                *(neutralise(attributes.get(n, "")) for n in attribute_names),
            ]
        if text and text[0] in formula:
            text = "'" + text
        if memo and memo[0] in formula:
            memo = "'" + memo
        if created_at != last_moment:
            last_moment = created_at
            last_text = created_at.astimezone(zone).isoformat()
        created = last_text
        updated = (
            created
            if updated_at == created_at
            else updated_at.astimezone(zone).isoformat()
        )
        batch.append(
            [
                *prefix,
                safe(speaker),
                number,
                safe(coder),
                code_id,
                safe(path),
                safe(name),
                start,
                end,
                text,
                memo,
                version,
                created,
                updated,
                safe(source_actor),
                safe(target_actor),
                safe(flow),
                flags[mutual],
                flags[occasional],
            ]
        )
        if len(batch) >= 500:
            writer.writerows(batch)
            batch.clear()
            if buffer.tell() >= chunk_bytes:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate(0)
    writer.writerows(batch)
    yield buffer.getvalue()
