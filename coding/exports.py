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
    same for many rows (a document's columns, a code, a coder, a speaker, a time
    stamp, a relation) is made safe and quoted once, not per row; only the coded
    text and the memo are looked at row by row. A test compares the two paths
    byte for byte; a new column must be added to both.
    """
    if delimiter not in {",", ";", "\t"}:
        raise ValueError("delimiter must be ',', ';' or a tab")
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    header = io.StringIO()
    writer = csv.writer(header, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in segment_header(attribute_names)])
    d = delimiter
    formula = frozenset(FORMULA_STARTS)

    def quoted(value: str) -> str:
        # csv.writer's QUOTE_MINIMAL: quote when the cell holds the separator, a
        # double quote or a line break; double the double quotes.
        if '"' in value:
            return '"' + value.replace('"', '""') + '"'
        if d in value or "\n" in value or "\r" in value:
            return '"' + value + '"'
        return value

    cells: dict[object, str] = {}

    def cell(value: str) -> str:
        found = cells.get(value)
        if found is None:
            found = cells[value] = quoted(neutralise(value))
        return found

    flags = {None: "", True: "true", False: "false"}
    codes: dict[tuple, str] = {}
    relations: dict[tuple, str] = {}
    project_cell = cell(project)
    document = None
    prefix = ""
    last_moment = None
    last_text = ""
    lines: list[str] = [(BOM if bom else "") + header.getvalue()]
    size = 0
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
            prefix = d.join(
                [
                    project_cell,
                    str(document.id),
                    cell(document.title),
                    cell(document.case_label),
                    *(cell(attributes.get(n, "")) for n in attribute_names),
                    "",
                ]
            )
        code = codes.get((code_id, path, name))
        if code is None:
            code = codes[(code_id, path, name)] = d.join(
                [str(code_id), cell(path), cell(name)]
            )
        if text:
            if text[0] in formula:
                text = "'" + text
            text = quoted(text)
        if memo:
            if memo[0] in formula:
                memo = "'" + memo
            memo = quoted(memo)
        if created_at != last_moment:
            last_moment = created_at
            last_text = created_at.astimezone(zone).isoformat()
        created = last_text
        updated = (
            created
            if updated_at == created_at
            else updated_at.astimezone(zone).isoformat()
        )
        key = (source_actor, target_actor, flow, mutual, occasional)
        relation = relations.get(key)
        if relation is None:
            relation = relations[key] = d.join(
                [
                    cell(source_actor),
                    cell(target_actor),
                    cell(flow),
                    flags[mutual],
                    flags[occasional],
                ]
            )
        line = (
            f"{prefix}{cell(speaker)}{d}{'' if number is None else number}{d}"
            f"{cell(coder)}{d}{code}{d}{start}{d}{end}{d}{text}{d}{memo}{d}"
            f"{'' if version is None else version}{d}{created}{d}{updated}{d}"
            f"{relation}\r\n"
        )
        lines.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield "".join(lines)
            lines.clear()
            size = 0
    yield "".join(lines)
