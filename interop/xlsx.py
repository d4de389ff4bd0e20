"""Pure Excel (.xlsx) writer: sheets fed by iterators, written in openpyxl's
write-only mode, so a sheet of a million rows never sits in memory.

No ORM here: callers pass plain rows. What belongs here is everything about
producing a workbook Excel opens without complaint:

* text is written as text: a cell starting with ``=`` stays a string (never a
  formula), so there is no formula injection and nothing needs an apostrophe;
* characters a worksheet cannot hold (C0 controls other than tab and line
  breaks) are dropped;
* Excel holds at most 32,767 characters in a cell: longer text is cut, ends in
  a visible marker, and the "notes" sheet lists every cut cell with its full
  length (the CSV export keeps the whole text);
* a sheet holds at most 1,048,576 rows: more rows continue on a second sheet
  with the same header ("segments (2)").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

__all__ = [
    "CELL_LIMIT",
    "SHEET_ROW_LIMIT",
    "CutCell",
    "Sheet",
    "XlsxReport",
    "cut_marker",
    "write_xlsx",
]

CELL_LIMIT = 32_767
SHEET_ROW_LIMIT = 1_048_576
# Sheet titles, like CSV column names, are stable identifiers (not translated).
NOTES_TITLE = "notes"
# Cut cells listed one by one on the notes sheet; beyond this only their number.
MAX_LISTED_CUTS = 10_000
# C0 controls other than tab and line breaks, lone surrogates and the two
# non-characters: XML cannot hold them, so openpyxl would refuse the cell.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def cut_marker(full_length: int) -> str:
    """What ends a cut cell; names the full length so a reader knows what is missing."""
    return " " + _("[…cut: %(length)s characters in full; see the notes sheet]") % {
        "length": f"{full_length:,}"
    }


@dataclass
class Sheet:
    """One sheet: a header row and the data rows (any iterable, consumed once)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()  # column widths in characters, optional


@dataclass(frozen=True)
class CutCell:
    sheet: str
    row: int  # 1-based, as Excel shows it (the header is row 1)
    column: str  # the header of the column
    length: int  # characters in the full text


@dataclass
class XlsxReport:
    """What was written: rows per sheet (without headers) and the cut cells."""

    rows: dict[str, int] = field(default_factory=dict)
    cuts: list[CutCell] = field(default_factory=list)
    cut_count: int = 0


def _title(title: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, no ``[]:*?/\\``), unique."""
    base = _SHEET_TITLE_BAD.sub("_", title).strip("'")[:31] or "sheet"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


class _Writer:
    def __init__(self, workbook: Workbook, notes_intro: Sequence[str]) -> None:
        self.workbook = workbook
        self.report = XlsxReport()
        self.titles: set[str] = set()
        self.notes_intro = notes_intro

    def cell(self, worksheet, value: Any, sheet: str, row: int, column: str) -> Any:
        """A value as openpyxl should store it (a ``WriteOnlyCell`` where needed)."""
        if value is None or isinstance(value, bool | int | float):
            return value
        if not isinstance(value, str):
            value = str(value)
        if not value:
            return None  # an empty cell costs nothing; "" would be written out
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
        if len(value) > CELL_LIMIT:
            full = len(value)
            marker = cut_marker(full)
            value = value[: CELL_LIMIT - len(marker)] + marker
            self.report.cut_count += 1
            if len(self.report.cuts) < MAX_LISTED_CUTS:
                self.report.cuts.append(CutCell(sheet, row, column, full))
        if value.startswith("=") or value in ERROR_CODES:
            # openpyxl would take these for a formula or an error value.
            cell = WriteOnlyCell(worksheet, value)
            cell.data_type = "s"
            return cell
        return value

    def sheet(
        self,
        sheet: Sheet,
        progress: Callable[[int], None] | None,
        progress_every: int,
        written: int,
    ) -> int:
        header = [str(h) for h in sheet.header]
        part = 1
        worksheet, title = self._new_sheet(sheet, header, part)
        in_sheet = 0
        count = 0
        for values in sheet.rows:
            if in_sheet == SHEET_ROW_LIMIT - 1:
                self.report.rows[title] = in_sheet
                part += 1
                worksheet, title = self._new_sheet(sheet, header, part)
                in_sheet = 0
            in_sheet += 1
            row_number = in_sheet + 1
            worksheet.append(
                [
                    self.cell(
                        worksheet,
                        value,
                        title,
                        row_number,
                        header[i] if i < len(header) else "",
                    )
                    for i, value in enumerate(values)
                ]
            )
            count += 1
            if progress is not None and (written + count) % progress_every == 0:
                progress(written + count)
        self.report.rows[title] = in_sheet
        return count

    def _new_sheet(self, sheet: Sheet, header: list[str], part: int):
        title = _title(
            sheet.title if part == 1 else f"{sheet.title} ({part})", self.titles
        )
        worksheet = self.workbook.create_sheet(title)
        for index, width in enumerate(sheet.widths):
            letter = _column_letter(index + 1)
            worksheet.column_dimensions[letter].width = width
        worksheet.freeze_panes = "A2"
        worksheet.append(header)
        return worksheet, title

    def notes(self) -> None:
        report = self.report
        rows: list[list[Any]] = [[line] for line in self.notes_intro]
        rows.append([])
        rows.append([_("sheet"), _("rows")])
        rows.extend([name, count] for name, count in report.rows.items())
        rows.append([])
        if report.cut_count:
            rows.append(
                [
                    ngettext(
                        "%(count)d cell held more than %(limit)s characters, the most "
                        "Excel allows; it was cut and ends in “[…cut: …]”. The CSV "
                        "export holds the full text.",
                        "%(count)d cells held more than %(limit)s characters, the most "
                        "Excel allows; they were cut and end in “[…cut: …]”. The CSV "
                        "export holds the full text.",
                        report.cut_count,
                    )
                    % {"count": report.cut_count, "limit": f"{CELL_LIMIT:,}"}
                ]
            )
            rows.append([_("sheet"), _("row"), _("column"), _("full length")])
            rows.extend([c.sheet, c.row, c.column, c.length] for c in report.cuts)
            if report.cut_count > len(report.cuts):
                rows.append(
                    [
                        _("… and %(count)d more cut cells.")
                        % {"count": report.cut_count - len(report.cuts)}
                    ]
                )
        else:
            rows.append([_("No cell was cut: every text is complete.")])
        title = _title(NOTES_TITLE, self.titles)
        worksheet = self.workbook.create_sheet(title)
        worksheet.column_dimensions["A"].width = 60
        for row in rows:
            worksheet.append([self.cell(worksheet, v, title, 0, "") for v in row])


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(
    sheets: Iterable[Sheet],
    out: IO[bytes] | str,
    *,
    notes_intro: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    progress_every: int = 10_000,
) -> XlsxReport:
    """Write ``sheets`` (then a "notes" sheet) as an .xlsx to ``out``.

    ``out`` is a path or a binary file opened for writing (seekable: openpyxl
    writes a ZIP). ``progress(rows_so_far)`` is called every ``progress_every``
    data rows. ``notes_intro`` lines open the notes sheet (what the workbook
    holds, the filters used …).
    """
    workbook = Workbook(write_only=True)
    writer = _Writer(workbook, notes_intro)
    written = 0
    for sheet in sheets:
        written += writer.sheet(sheet, progress, progress_every, written)
    writer.notes()
    workbook.save(out)
    if progress is not None:
        progress(written)
    return writer.report
