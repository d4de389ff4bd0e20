"""What one coding create sends to PostgreSQL, read from libpq's protocol trace.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python \\
        bench/create_statements.py

Django in autocommit, as in production (no test transaction, whose savepoints
would hide a ``BEGIN``/``COMMIT``): one htmx create as the document page posts it
and one API create, each after a warm-up create, with the first word of every
statement the connection sent. A statement prepared on the connection
(``regie_site.sql.prepared_cursor``) is sent as a ``Bind`` of its name; its text is
taken from the ``Parse`` that prepared it or from ``pg_prepared_statements``. The
frequencies hook's read after the commit shows when it is due (not within 1.5 s of
this process queuing a run). Everything made is removed at the end.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

TEXT = "Een twee drie vier vijf zes zeven acht negen tien. " * 50
SENT = re.compile(r"^F\t\d+\t(Query|Parse|Bind)\t\s*(.*)$", re.M)
QUOTED = re.compile(r'"((?:[^"]|"")*)"')
# A Parse: the statement's name, then its text (which may go on over lines).
PARSE = re.compile(r'^"((?:[^"]|"")*)"\s+"\s*(\S*)')
# First words of the statements prepared on the connection, by name.
PREPARED: dict[str, str] = {}


def _first_word(text: str) -> str:
    return text.split(None, 1)[0].upper() if text.strip() else "?"


def _statements(trace: str) -> list[str]:
    """One word per statement executed: a simple ``Query``, or a ``Bind`` of a
    statement parsed just before (unnamed) or prepared earlier (named)."""
    words, unnamed = [], "?"
    for kind, rest in SENT.findall(trace):
        if kind == "Query":
            words.append(_first_word(rest.lstrip(' "')))
        elif kind == "Parse":
            name, text = PARSE.match(rest.strip()).groups()
            if name:
                PREPARED[name] = _first_word(text)
            else:
                unnamed = _first_word(text)
        else:  # Bind: portal, then the statement's name
            name = QUOTED.findall(rest)[1]
            words.append(PREPARED.get(name, "?") if name else unnamed)
    return words


def traced(connection, request: Callable[[], None]) -> list[str]:
    """The first word of each statement ``request`` sent on ``connection``."""
    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as out:
        pgconn.trace(out.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            request()
        finally:
            pgconn.untrace()
        out.seek(0)
        trace = out.read()
    with connection.cursor() as cursor:  # statements prepared before the trace
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        for name, text in cursor.fetchall():
            PREPARED.setdefault(name, _first_word(text))
    return _statements(trace)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from knox.models import AuthToken

    from coding.services.codebook import code_create
    from coding.services.documents import document_create_from_text
    from coding.services.projects import project_create

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = get_user_model().objects.get_or_create(username="bench-statements")
    project = project_create(
        name="bench: statements", owner=user, codebook="empty", blind_coding=True
    )
    try:
        code = code_create(project=project, name="code")
        document = document_create_from_text(
            project=project, title="Transcript", text=TEXT, user=user
        )
        page = Client()
        page.force_login(user)
        page.get(f"/p/{project.pk}/d/{document.pk}/")
        _row, token = AuthToken.objects.create(user=user)
        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        spans = iter(range(0, len(TEXT) - 20, 20))

        def htmx() -> None:
            start = next(spans)
            item = {"code": code.pk, "start": start, "end": start + 9}
            response = page.post(
                f"/p/{project.pk}/d/{document.pk}/apply/",
                {**item, "layers": user.pk},
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200, response.content[:300]

        def api_create() -> None:
            start = next(spans)
            item = {"document": document.pk, "code": code.pk, "start": start}
            response = api.post(
                f"/api/v1/projects/{project.pk}/codings/",
                {**item, "end": start + 9},
                content_type="application/json",
            )
            assert response.status_code == 201, response.content[:300]

        for label, request in (("htmx create", htmx), ("API create", api_create)):
            request()  # warm: statements get prepared
            words = traced(connection, request)
            print(f"{label}: {len(words)} statements: {', '.join(words)}")
    finally:
        project.delete()


if __name__ == "__main__":
    main()
