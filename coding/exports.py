"""Safe CSV for every app's downloads (pure, no ORM): cells defused, rows streamed.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) get a leading apostrophe (CSV injection). Line
breaks inside a cell are kept and quoted, so a quote spanning paragraphs survives.
The coded-segment CSV writers build on these in ``interop.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """A cell as text, defused if a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """A cell read back from one of our CSVs: the defusing apostrophe taken off."""
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
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
    cell: Callable[[object], str] = neutralise,
) -> Iterator[str]:
    """CSV text, one chunk per row, for ``StreamingHttpResponse`` or a file.

    This is the one CSV writer of the project: every download goes through it.
    ``cell`` renders a body cell; a caller that formats numbers itself passes a
    function that still hands every text to ``neutralise``. Headers are always
    neutralised.
    """
    if delimiter not in {",", ";", "\t"}:
        raise ValueError("delimiter must be ',', ';' or a tab")
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield (BOM if bom else "") + buffer.pop()
    for row in rows:
        writer.writerow([cell(value) for value in row])
        yield buffer.pop()


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    cell: Callable[[object], str] = neutralise,
) -> str:
    """The whole CSV as one text (``iter_csv`` joined)."""
    return "".join(iter_csv(header, rows, delimiter=delimiter, bom=bom, cell=cell))
