"""Hand-written SQL for the few hot paths, with rows turned into model instances.

The ORM compiles a query anew on every request: for a one-row lookup that is most
of its cost (0.3–0.6 ms of Python against ~0.1 ms in PostgreSQL). The statements of
the paths every request or every coding takes (token, session and user, membership,
a document with the caller's role, the coding's insert) are therefore written once
as SQL; their rows come back as the
same model instances the ORM would give (``Model.from_db``), so nothing downstream
can tell. They run on ``prepared_cursor()``: PostgreSQL plans each once per
connection (planning the coding's insert took as long as running it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from functools import cache

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model

MAX_ID = 2**63 - 1  # the largest bigint: the largest id a row can have


def row_id(value) -> int | None:
    """``value`` as an id a row can have (a whole number or a string of digits,
    1 to ``MAX_ID``; not a bool), else ``None``. The hand-written statements take
    only these: PostgreSQL refuses a larger number instead of finding no row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


def table(model: type[Model]) -> str:
    """The model's table, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _fields(
    model: type[Model], omit: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    concrete = [f for f in model._meta.concrete_fields if f.attname not in omit]
    quote = connection.ops.quote_name
    return tuple(quote(f.column) for f in concrete), tuple(f.attname for f in concrete)


def columns(model: type[Model], alias: str, omit: tuple[str, ...] = ()) -> str:
    """Every column of the model but ``omit``, prefixed by ``alias``, for a
    ``SELECT`` list."""
    return ", ".join(f"{alias}.{column}" for column in _fields(model, omit)[0])


def width(model: type[Model], omit: tuple[str, ...] = ()) -> int:
    """How many values ``columns(model, …, omit)`` selects."""
    return len(_fields(model, omit)[0])


def instance(model: type[Model], values: Sequence, omit: tuple[str, ...] = ()):
    """The model instance of values selected by ``columns(model, …, omit)``, in
    order; the omitted fields are deferred (read if asked for)."""
    return model.from_db(DEFAULT_DB_ALIAS, list(_fields(model, omit)[1]), tuple(values))


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, asking for every statement to be
    prepared (Django's own cursors bind on the client and never prepare)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class _DebugWrapper(CursorDebugWrapper):
    """Django's debug wrapper (``DEBUG``, tests counting statements), logging the
    statement with its values written in: Django reads the executed text back
    from client-side cursors only."""

    @contextmanager
    def debug_sql(
        self, sql=None, params=None, use_last_executed_query=False, many=False
    ):
        if use_last_executed_query:
            sql = self.db.ops.compose_sql(sql, params)
        with super().debug_sql(sql, params, many=many):
            yield


def prepared_cursor() -> CursorWrapper:
    """A cursor for the hot statements: planned once per connection and then
    only executed. Wrapped as Django wraps its own (so statement counts and the
    debug log see it); use it as a context manager like ``connection.cursor()``.
    Parameters are ``%s`` or ``%(name)s`` as there, bound by PostgreSQL."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the proxy looks it up
    db.ensure_connection()
    db.validate_thread_sharing()
    cursor = _PreparingCursor(db.connection)
    if db.queries_logged:
        return _DebugWrapper(cursor, db)
    return CursorWrapper(cursor, db)
