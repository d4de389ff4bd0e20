"""Pure CSV writers for the coded-segment exports (no ORM): rows in, text out,
streamed in chunks.

Cells are defused and quoted as ``coding.exports`` does for every CSV (CSV
injection; line breaks inside a cell are kept and quoted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from coding.exports import BOM, FORMULA_STARTS, csv_text, neutralise

if TYPE_CHECKING:
    from coding.segments import SegmentRecord

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


def _local(moment) -> str:
    """ISO 8601 in the project's time zone, as the API writes times."""
    from django.utils import timezone

    return timezone.localtime(moment).isoformat()


def segment_header(attribute_names: Sequence[str]) -> list[str]:
    at = SEGMENT_COLUMNS.index("speaker")
    return [*SEGMENT_COLUMNS[:at], *attribute_names, *SEGMENT_COLUMNS[at:]]


def segment_cells(
    record: SegmentRecord, *, project: str, attribute_names: Sequence[str]
) -> list[object]:
    """One ``SegmentRecord`` as the cells of ``segment_header``: the plain writer,
    which the fast ones below must match byte for byte."""
    document = record.document
    return [
        project,
        document.id,
        document.title,
        document.case_label,
        *(document.attributes.get(name, "") for name in attribute_names),
        record.speaker,
        record.turn_number,
        record.coder,
        record.code_id,
        record.code_path,
        record.code_name,
        record.start,
        record.end,
        record.text,
        record.memo,
        record.codebook_version,
        _local(record.created_at),
        _local(record.updated_at),
        record.source_actor,
        record.target_actor,
        record.flow,
        _flag(record.mutual),
        _flag(record.occasional),
    ]


def iter_segment_cells(
    records: Iterable[SegmentRecord], *, project: str, attribute_names: Sequence[str]
) -> Iterator[list[object]]:
    """``segment_cells`` of every record (the Excel export), faster: the time
    zone looked up once, each time stamp made text once, a document's cells once."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    stamps: dict = {}
    document = None
    head: list[object] = []
    for r in records:
        if r.document is not document:
            document = r.document
            head = [
                project,
                document.id,
                document.title,
                document.case_label,
                *(document.attributes.get(n, "") for n in attribute_names),
            ]
        created = stamps.get(r.created_at)
        if created is None:
            if len(stamps) > 1000:  # time stamps rarely repeat far apart
                stamps.clear()
            created = stamps[r.created_at] = r.created_at.astimezone(zone).isoformat()
        updated = stamps.get(r.updated_at)
        if updated is None:
            updated = stamps[r.updated_at] = r.updated_at.astimezone(zone).isoformat()
        yield [
            *head,
            r.speaker,
            r.turn_number,
            r.coder,
            r.code_id,
            r.code_path,
            r.code_name,
            r.start,
            r.end,
            r.text,
            r.memo,
            r.codebook_version,
            created,
            updated,
            r.source_actor,
            r.target_actor,
            r.flow,
            _FLAGS[r.mutual],
            _FLAGS[r.occasional],
        ]


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


class _Cells:
    """Cells made safe and quoted as ``csv.writer`` would, each distinct value once
    (a document's columns, a code, a coder, a speaker repeat on many rows)."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.known: dict[str, str] = {}

    def quoted(self, value: str) -> str:
        # csv.writer's QUOTE_MINIMAL: quote when the cell holds the separator, a
        # double quote or a line break; double the double quotes.
        if '"' in value:
            return '"' + value.replace('"', '""') + '"'
        if self.delimiter in value or "\n" in value or "\r" in value:
            return '"' + value + '"'
        return value

    def free(self, value: str) -> str:
        """A cell of free text (coded passage, memo): not remembered."""
        if value[:1] in _FORMULA:
            value = "'" + value
        return self.quoted(value)

    def __call__(self, value: str) -> str:
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = self.quoted(neutralise(value))
        return found


_FORMULA = frozenset(FORMULA_STARTS)
_FLAGS = {None: "", True: "true", False: "false"}
# Raw time stamps count microseconds from here (``coding.segments.TIME_ORIGIN``).
_CLOCK_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NEVER = 1 << 62  # past the end of any text


def _moment(microseconds: int) -> datetime:
    return _CLOCK_ORIGIN + timedelta(microseconds=microseconds)


class _Progress:
    """Calls ``report(rows)`` about every ``every`` rows (between chunks)."""

    def __init__(self, report: Callable[[int], None] | None, every: int) -> None:
        self.report = report
        self.every = max(1, every)
        self.rows = 0
        self.next = self.every

    def add(self, rows: int) -> None:
        self.rows += rows
        if self.report is not None and self.rows >= self.next:
            self.report(self.rows)
            self.next = (self.rows // self.every + 1) * self.every


def iter_segment_csv(
    records: Iterable[SegmentRecord],
    *,
    project: str,
    attribute_names: Sequence[str],
    delimiter: str = ",",
    bom: bool = True,
    chunk_bytes: int = 64 * 1024,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 10_000,
) -> Iterator[str]:
    """The coded segments CSV, fast: the same text as ``iter_csv(segment_header(…),
    segment_cells(…))`` over the same rows, in chunks of about ``chunk_bytes``.

    ``records`` come from ``coding.segments.iter_segment_records``: its batches
    (ids and offsets as the database sends them) become lines directly, one
    f-string a row; what repeats (a document's columns, a speaker turn, a coder
    with a code, the time stamps) is made safe and quoted once, only the coded
    text and the memo are looked at row by row. Any other iterable of
    ``SegmentRecord``s (one wrapped to count them, say) takes a slower path that works row by
    row. A test compares both with the generic writer byte for byte; a new column
    must be added to all three.

    ``progress(rows_so_far)`` is called between chunks, about every
    ``progress_every`` rows, when no query is running (a job records it).
    """
    if delimiter not in {",", ";", "\t"}:
        raise ValueError("delimiter must be ',', ';' or a tab")
    header = csv_text(segment_header(attribute_names), (), delimiter=delimiter)
    cells = _Cells(delimiter)
    if hasattr(records, "map_batches"):
        render = _BatchLines(records, cells, project, attribute_names)
        parts = records.map_batches(render)
    else:
        parts = _record_lines(records, cells, project, attribute_names)
    counter = _Progress(progress, progress_every)
    chunk_bytes = max(1, chunk_bytes)
    pending = (BOM if bom else "") + header
    for texts, rows in parts:
        counter.add(rows)
        for text in texts:
            pending += text
            if len(pending) >= chunk_bytes:
                whole = len(pending) - len(pending) % chunk_bytes
                for at in range(0, whole, chunk_bytes):
                    yield pending[at : at + chunk_bytes]
                pending = pending[whole:]
    if pending:
        yield pending


_HOUR = 3_600_000_000  # microseconds
_MINUTE = 60_000_000


class LocalTimes:
    """Raw time stamps (``coding.segments.RAW_FIELDS``) as ISO 8601 text in
    ``zone``, exactly as ``datetime.isoformat`` writes them (the API's times),
    twice as fast: the zone's offset is looked up once per hour of
    time stamps, the text up to the minute once per minute. Every coding has its
    own time stamps, so this runs for nearly every row.
    """

    def __init__(self, zone) -> None:
        self.zone = zone
        # hour → (offset in microseconds, "+01:00"), or () when it changes within
        self.hours: dict[int, tuple] = {}
        self.minutes: dict[int, str] = {}  # local minute → "2024-07-01T10:42:"

    def _hour(self, hour: int) -> tuple:
        if len(self.hours) > 10_000:
            self.hours.clear()
        first = _moment(hour * _HOUR).astimezone(self.zone)
        last = _moment((hour + 1) * _HOUR - 1).astimezone(self.zone)
        offset = first.utcoffset()
        found: tuple = ()
        if offset is not None and offset == last.utcoffset():
            # The hour starts on a whole second of local time: no fraction.
            found = (offset // _MICROSECOND, first.isoformat()[19:])
        self.hours[hour] = found
        return found

    def _minute(self, minute: int) -> str:
        if len(self.minutes) > 10_000:
            self.minutes.clear()
        local = _CLOCK_ORIGIN + timedelta(minutes=minute)  # as a wall clock
        text = self.minutes[minute] = local.isoformat()[:17]
        return text

    def __call__(self, microseconds: int) -> str:
        found = self.hours.get(microseconds // _HOUR)
        if found is None:
            found = self._hour(microseconds // _HOUR)
        if not found:  # the offset changes within this hour
            return _moment(microseconds).astimezone(self.zone).isoformat()
        offset, suffix = found
        minute, rest = divmod(microseconds + offset, _MINUTE)
        head = self.minutes.get(minute) or self._minute(minute)
        second, fraction = divmod(rest, 1_000_000)
        if fraction:
            return f"{head}{second:02d}.{fraction:06d}{suffix}"
        return f"{head}{second:02d}{suffix}"


class _BatchLines:
    """Renders ``coding.segments.SegmentBatch``es as CSV text: the fast path.

    A call gives the lines of one batch, joined in parts of ``part_rows`` rows,
    and the number of rows. It keeps what repeats from batch to batch (cells of
    a document, a coder with a code, a relation, the last time stamps) and never
    queries the database (``SegmentRecords.map_batches`` calls it while the next
    batch is being read).
    """

    def __init__(
        self,
        records,
        cells: _Cells,
        project: str,
        attribute_names: Sequence[str],
        part_rows: int = 1000,
    ) -> None:
        from django.utils import timezone

        self.records = records
        self.cells = cells
        self.attribute_names = attribute_names
        self.part_rows = part_rows
        self.local = LocalTimes(timezone.get_current_timezone())
        self.project_cell = cells(project)
        # (code, coder) → "coder;code_id;code_path;code;"
        self.middles: dict[tuple[int, int], str] = {}
        # relation values → "source;target;flow;mutual;occasional"
        self.relation_cells: dict[tuple, str] = {}
        self.document = None
        self.outside = ""  # "project;…;attributes;;;": a coding outside every turn
        # (codebook version, created, updated, "version;created;updated;")
        self.stamps: tuple[int | None, int, int, str] = (-1, -1, -1, "")

    def _document(self, document) -> None:
        cells = self.cells
        attributes = document.attributes
        self.document = document
        self.outside = self.cells.delimiter.join(
            [
                self.project_cell,
                str(document.id),
                cells(document.title),
                cells(document.case_label),
                *(cells(attributes.get(n, "")) for n in self.attribute_names),
                "",
                "",
                "",
            ]
        )

    def _relation(self, values: tuple) -> str:
        cells = self.cells
        source, target, flow, mutual, occasional = values
        found = self.relation_cells[values] = self.cells.delimiter.join(
            [
                cells(source or ""),
                cells(target or ""),
                cells(flow or ""),
                _FLAGS[mutual],
                _FLAGS[occasional],
            ]
        )
        return found

    def __call__(self, batch) -> tuple[list[str], int]:
        if batch.document is not self.document:
            self._document(batch.document)
        turns = batch.turns
        # Where the walk along the speaker turns stands (turns and codings both
        # come by start): turns started so far, the next start, the current
        # turn's end and its "…;speaker;turn;" cells.
        walk = [0, turns[0][0] if turns else _NEVER, -1, self.outside]
        rows = batch.rows
        # In parts: the text of a whole batch would be megabytes in one piece.
        parts = [
            self._part(batch, rows[at : at + self.part_rows], walk)
            for at in range(0, len(rows), self.part_rows)
        ]
        return parts, len(rows)

    def _part(self, batch, rows: list[tuple], walk: list) -> str:
        """The lines of ``rows``, joined: one loop, no call per row where a cache
        answers (it runs a million times in an export)."""
        cells, d, formula, local = (
            self.cells,
            self.cells.delimiter,
            _FORMULA,
            self.local.__call__,  # a bound method calls faster than the instance
        )
        paths, versions, coder_name = (
            self.records.paths,
            self.records.versions,
            self.records.coder_name,
        )
        middles, relation_cells = self.middles, self.relation_cells
        last_version, last_created, last_updated, stamps = self.stamps
        outside = self.outside
        head = outside[:-2]  # "project;…;attributes;"
        text, turns, relations = batch.text, batch.turns, batch.relations
        n_turns = len(turns)
        after, next_start, turn_end, inside = walk
        relation = no_relation = d * 4
        lines: list[str] = []
        append = lines.append
        for (
            start,
            end,
            code_id,
            coder_id,
            memo,
            version_id,
            created,
            updated,
            pk,
        ) in rows:
            if start >= next_start:
                while after < n_turns and turns[after][0] <= start:
                    after += 1
                _start, turn_end, number, speaker = turns[after - 1]
                inside = f"{head}{cells(speaker)}{d}{number}{d}"
                next_start = turns[after][0] if after < n_turns else _NEVER
            middle = middles.get((code_id, coder_id))
            if middle is None:
                path, name = paths.get(code_id, ("", ""))
                middle = middles[(code_id, coder_id)] = (
                    f"{cells(coder_name(coder_id))}{d}{code_id}{d}"
                    f"{cells(path)}{d}{cells(name)}{d}"
                )
            piece = text[start:end]
            if piece[:1] in formula:
                piece = "'" + piece
            if '"' in piece:
                piece = '"' + piece.replace('"', '""') + '"'
            elif d in piece or "\n" in piece or "\r" in piece:
                piece = '"' + piece + '"'
            if memo:
                memo = cells.free(memo)
            if (
                created != last_created
                or updated != last_updated
                or (version_id != last_version)
            ):
                last_version, last_created, last_updated = version_id, created, updated
                created_text = local(created)
                version = versions.get(version_id)
                stamps = (
                    f"{'' if version is None else version}{d}{created_text}{d}"
                    f"{created_text if updated == created else local(updated)}{d}"
                )
            if relations is not None:
                values = relations.get(pk)
                if values is None:
                    relation = no_relation
                else:
                    relation = relation_cells.get(values) or self._relation(values)
            append(
                f"{inside if start < turn_end else outside}{middle}{start}{d}"
                f"{end}{d}{piece}{d}{memo}{d}{stamps}{relation}\r\n"
            )
        walk[:] = [after, next_start, turn_end, inside]
        self.stamps = (last_version, last_created, last_updated, stamps)
        return "".join(lines)


class _RecordCells:
    """What repeats on the lines of ``SegmentRecord``s, made safe and quoted once:
    a document's leading columns, a code, a relation."""

    def __init__(
        self, cells: _Cells, project: str, attribute_names: Sequence[str]
    ) -> None:
        self.cells = cells
        self.d = cells.delimiter
        self.project_cell = cells(project)
        self.attribute_names = attribute_names
        self.codes: dict[tuple, str] = {}
        self.relations: dict[tuple, str] = {}

    def prefix(self, document) -> str:
        """``project;…;attributes;`` of a document's lines."""
        cells, attributes = self.cells, document.attributes
        return self.d.join(
            [
                self.project_cell,
                str(document.id),
                cells(document.title),
                cells(document.case_label),
                *(cells(attributes.get(n, "")) for n in self.attribute_names),
                "",
            ]
        )

    def code(self, r: SegmentRecord) -> str:
        key = (r.code_id, r.code_path, r.code_name)
        found = self.codes[key] = self.d.join(
            [str(r.code_id), self.cells(r.code_path), self.cells(r.code_name)]
        )
        return found

    def relation(self, key: tuple) -> str:
        cells = self.cells
        source, target, flow, mutual, occasional = key
        found = self.relations[key] = self.d.join(
            [
                cells(source),
                cells(target),
                cells(flow),
                _FLAGS[mutual],
                _FLAGS[occasional],
            ]
        )
        return found


def _record_lines(
    records: Iterable[SegmentRecord],
    cells: _Cells,
    project: str,
    attribute_names: Sequence[str],
    rows_per_part: int = 1000,
) -> Iterator[tuple[list[str], int]]:
    """([text], rows) from records, row by row: the path for any iterable.

    One loop, no call per row where a cache answers (see ``_RecordCells``)."""
    from django.utils import timezone

    local = LocalTimes(timezone.get_current_timezone()).__call__
    known = _RecordCells(cells, project, attribute_names)
    codes, relations, d = known.codes, known.relations, cells.delimiter
    document = None
    prefix = ""
    last_moment = None
    last_text = ""
    lines: list[str] = []
    for r in records:
        if r.document is not document:
            document = r.document
            prefix = known.prefix(document)
        code = codes.get((r.code_id, r.code_path, r.code_name)) or known.code(r)
        text = cells.free(r.text) if r.text else r.text
        memo = cells.free(r.memo) if r.memo else r.memo
        created_at, updated_at = r.created_at, r.updated_at
        if created_at != last_moment:
            last_moment = created_at
            last_text = local((created_at - _CLOCK_ORIGIN) // _MICROSECOND)
        updated = (
            last_text
            if updated_at == created_at
            else local((updated_at - _CLOCK_ORIGIN) // _MICROSECOND)
        )
        key = (r.source_actor, r.target_actor, r.flow, r.mutual, r.occasional)
        relation = relations.get(key) or known.relation(key)
        number, version = r.turn_number, r.codebook_version
        lines.append(
            f"{prefix}{cells(r.speaker)}{d}{'' if number is None else number}{d}"
            f"{cells(r.coder)}{d}{code}{d}{r.start}{d}{r.end}{d}{text}{d}{memo}{d}"
            f"{'' if version is None else version}{d}{last_text}{d}{updated}{d}"
            f"{relation}\r\n"
        )
        if len(lines) >= rows_per_part:
            yield ["".join(lines)], len(lines)
            lines.clear()
    if lines:
        yield ["".join(lines)], len(lines)
