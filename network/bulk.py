"""Bulk reads and writes of the network build: integer columns in, rows out by COPY.

A build reads 200,000 relation codings and writes a few thousand ties whose evidence
lists hold as many ids again. Through the ORM that is 200,000 row tuples to make and
a multi-megabyte INSERT to quote. A binary ``COPY ... TO STDOUT`` hands the integers
to numpy as they come off the wire, and ``COPY ... FROM STDIN`` takes the rows as they
are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import QuerySet

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_ELEMENTS = np.dtype([("length", ">i4"), ("value", ">i8")])  # of an int8[] array


def integer_columns(queryset: QuerySet, fields: Sequence[str]) -> np.ndarray:
    """``queryset.values_list(*fields)`` as an ``(n, len(fields))`` int64 array.

    Every field must be an integer or a boolean (read as 0 or 1), never NULL. The
    rows come as one ``int8[]`` per column in a single binary COPY message: a row
    per message would cost more in the driver than the query takes.
    """
    rows = queryset.values_list(*fields)
    compiler = rows.query.get_compiler(using=rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. ``pk__in=[]``: the ORM would not ask either
        return np.zeros((0, len(fields)), dtype=np.int64)
    selected = [alias for _expression, _sql, alias in compiler.select]
    if selected != list(fields):  # Django 5.2 keeps the order; say so if that changes
        raise ValueError(f"the query selects {selected}, not {list(fields)}")
    connection = connections[rows.db]
    width = len(fields)
    with connection.cursor() as cursor:
        names = ", ".join(f"c{i}" for i in range(width))
        arrays = ", ".join(
            f"array_agg(c{i}::int::int8)"  # a boolean casts to int, not to int8
            if isinstance(expression.output_field, models.BooleanField)
            else f"array_agg(c{i}::int8)"
            for i, (expression, _sql, _alias) in enumerate(compiler.select)
        )
        statement = (
            f"COPY (SELECT {arrays} FROM ({sql}) AS rows ({names})) "
            "TO STDOUT (FORMAT BINARY)"
        )
        data = bytearray()
        with cursor.cursor.copy(statement, params) as copy:
            for block in copy:
                data += block
    return _parse_int8_arrays(data, width)


def _parse_int8_arrays(data: bytes | bytearray, width: int) -> np.ndarray:
    """The one row of ``width`` equally long ``int8[]`` fields in binary COPY data.

    An array is a header (dimensions, a has-NULLs flag, the element type, then size
    and lower bound per dimension) and, per element, its length and big-endian value.
    """
    if not data.startswith(_SIGNATURE):
        raise ValueError("not PostgreSQL binary COPY data")
    at = 19 + int.from_bytes(data[15:19], "big")  # after the header extension
    if int.from_bytes(data[at : at + 2], "big") != width:
        raise ValueError("unexpected binary COPY row")
    at += 2
    columns = []
    for _ in range(width):
        length = int.from_bytes(data[at : at + 4], "big", signed=True)
        at += 4
        if length < 0:  # array_agg of no rows is NULL
            columns.append(np.zeros(0, dtype=np.int64))
            continue
        ndim, has_nulls = (
            int.from_bytes(data[at + k : at + k + 4], "big") for k in (0, 4)
        )
        if ndim > 1 or has_nulls:
            raise ValueError("expected one-dimensional arrays without NULLs")
        size = int.from_bytes(data[at + 12 : at + 16], "big") if ndim else 0
        header = 12 + 8 * ndim
        elements = np.frombuffer(data, _ELEMENTS, count=size, offset=at + header)
        if (elements["length"] != 8).any():
            raise ValueError("expected int8 elements")
        columns.append(elements["value"].astype(np.int64))
        at += length
    if len({c.size for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    return np.column_stack(columns) if columns else np.zeros((0, 0), dtype=np.int64)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    using: str = "default",
) -> None:
    """Insert ``rows``, values of ``fields`` (attribute names such as ``snapshot_id``),
    as ``bulk_create`` would: other fields take their defaults, JSON fields Python
    values. No model instance is made (a default is computed once)."""
    connection = connections[using]
    given = [model._meta.get_field(name) for name in fields]
    rest = [
        f
        for f in model._meta.concrete_fields
        if f not in given and not (f.primary_key and f.db_returning)
    ]
    defaults = tuple(f.get_default() for f in rest)
    columns = given + rest
    encoders = {
        i: field.encoder
        for i, field in enumerate(columns)
        if isinstance(field, models.JSONField)
    }
    quote = connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            row = [*row, *defaults]
            for i, encoder in encoders.items():
                if row[i] is not None:  # None is SQL NULL, as in the ORM
                    row[i] = json.dumps(row[i], cls=encoder, separators=(",", ":"))
            copy.write_row(row)
