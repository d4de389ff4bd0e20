"""Codebook as CSV: one row per code with its path, name, definition and colour.

Pure module (no ORM): ``write_codebook_csv`` takes plain rows, ``read_codebook_csv``
returns plain rows or raises ``CodebookCSVError`` with a readable message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from coding.exports import csv_text, unneutralise

PATH_SEPARATOR = " > "
HEADER = ["path", "name", "description", "color"]
_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


class CodebookCSVError(ValueError):
    pass


@dataclass(frozen=True)
class CodebookRow:
    path: tuple[str, ...]  # from the root down to and including the code itself
    description: str
    color: str  # "#rrggbb" or "" when the file gives none


def write_codebook_csv(
    rows: Iterable[CodebookRow], out: io.TextIOBase, *, delimiter: str = ","
) -> None:
    """The codebook through the shared writer: a name like ``=HYPERLINK(…)`` is
    defused (``'=HYPERLINK(…)``); ``read_codebook_csv`` takes the apostrophe off."""
    out.write(
        csv_text(
            HEADER,
            (
                [PATH_SEPARATOR.join(r.path), r.path[-1], r.description, r.color]
                for r in rows
            ),
            delimiter=delimiter,
        )
    )


def read_codebook_csv(text: str) -> list[CodebookRow]:
    """Parse a codebook CSV (``,`` or ``;`` separated, header required).

    Rows may come in any order; a path's parents need not have rows of their own.
    """
    if not text.strip():
        raise CodebookCSVError(_("The codebook file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "path" not in fields and "name" not in fields:
        raise CodebookCSVError(
            _("The first line must name the columns: path, name, description, color.")
        )
    reader.fieldnames = fields
    rows: list[CodebookRow] = []
    for line_number, raw in enumerate(reader, start=2):
        record = {
            key: unneutralise(value) if isinstance(value, str) else value
            for key, value in raw.items()
        }
        path_text = (record.get("path") or "").strip()
        name = (record.get("name") or "").strip()
        path = tuple(
            p.strip() for p in path_text.split(PATH_SEPARATOR.strip()) if p.strip()
        )
        if not path:
            path = (name,) if name else ()
        if not path:
            raise CodebookCSVError(
                _("Line %(line)d has neither a path nor a name.")
                % {"line": line_number}
            )
        if name and path[-1] != name:
            raise CodebookCSVError(
                _(
                    "Line %(line)d: the path ends in “%(last)s” but the name is “%(name)s”."
                )
                % {"line": line_number, "last": path[-1], "name": name}
            )
        color = (record.get("color") or record.get("colour") or "").strip()
        if color and not _COLOR.match(color):
            raise CodebookCSVError(
                _("Line %(line)d: “%(color)s” is not a colour like #ffcc00.")
                % {"line": line_number, "color": color}
            )
        if color and not color.startswith("#"):
            color = "#" + color
        rows.append(
            CodebookRow(
                path=path,
                description=(record.get("description") or "").strip(),
                color=color.lower(),
            )
        )
    return rows
