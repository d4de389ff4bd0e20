"""Codings as API rows without a serializer per object: the hot read and write path.

``CodingSerializer`` stays the shape (and the OpenAPI schema); here the same fields
come from one ``values_list`` query and plain dicts, because for a transcript's
hundreds of codings DRF's per-object machinery cost more than the database. The
coded text is cut in Python from the document's text read once: PostgreSQL's
``substr`` walks a UTF-8 text from its start for every row, which for 300 codings
of an 8,000-word transcript took longer than everything else together. The times
come formatted by PostgreSQL (``regie_iso8601``, migration 0016), exactly as
``DateTimeField`` writes them: parsing them into datetimes and back was the next
largest cost.

A coding that carries an app's extra (a relation) is serialised by
``CodingSerializer`` itself, so those fields keep their exact shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.utils import timezone
from rest_framework import serializers

from coding.access import scope_filter
from coding.models import Case, Coding, Document, SpeakerTurn
from coding.registry import coding_api_extras
from regie_site import sql

User = get_user_model()

# The core's fields of ``CodingSerializer``, in its order (times as text).
_FIELDS = (
    "id",
    "document_id",
    "code_id",
    "coder__username",
    "start",
    "end",
    "memo",
    "revision",
    "created_text",
    "updated_text",
)
_DATETIME = serializers.DateTimeField()


@cache
def _document_query() -> str:
    return f"""
SELECT c.label, u.{connection.ops.quote_name(User.USERNAME_FIELD)},
    regie_iso8601(d.imported_at, %(zone)s),
    (SELECT coalesce(json_agg(json_build_object(
        'number', t.number, 'speaker', t.speaker, 'start', t.start, 'end', t."end",
        'started_at_ms', t.started_at_ms, 'ended_at_ms', t.ended_at_ms)
        ORDER BY t.number), '[]'::json)
     FROM {sql.table(SpeakerTurn)} t WHERE t.document_id = d.id)
FROM {sql.table(Document)} d
LEFT JOIN {sql.table(Case)} c ON c.id = d.case_id
LEFT JOIN {sql.table(User)} u ON u.id = d.imported_by_id
WHERE d.id = %(document)s
"""


def document_detail(document: Document) -> dict:
    """``DocumentDetailSerializer``'s answer for a document read with its text:
    its case's label, importer, import time and speaker turns (a hundred or more
    in an interview) come from one statement, the turns as JSON made by
    PostgreSQL."""
    with sql.prepared_cursor() as cursor:
        cursor.execute(
            _document_query(),
            {"zone": timezone.get_current_timezone_name(), "document": document.pk},
        )
        case_label, imported_by, imported_at, turns = cursor.fetchone()
    return {
        "id": document.pk,
        "title": document.title,
        "case": document.case_id,
        "case_label": case_label,
        "source_name": document.source_name,
        "source_format": document.source_format,
        "checksum": document.checksum,
        "word_count": document.word_count,
        "length": document.length,
        "imported_at": imported_at,
        "imported_by": imported_by,
        "text": document.text,
        "turns": turns,
    }


def iso8601(field: str, zone: str | None = None) -> Func:
    """SQL for a time column as ``DateTimeField.to_representation`` writes it (in
    ``zone``, by default the current time zone)."""
    return Func(
        F(field),
        Value(zone or timezone.get_current_timezone_name()),
        function="regie_iso8601",
        output_field=TextField(),
    )


def _datetime_format():
    """``DateTimeField.to_representation`` (ISO 8601 in the current time zone, UTC
    as ``Z``) with the time zone looked up once, not once per value."""
    zone = _DATETIME.default_timezone()

    def represent(value) -> str | None:
        if value is None:
            return None
        text = (value.astimezone(zone) if zone is not None else value).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


@cache
def _extra_sources() -> tuple[tuple[str, str], ...]:
    """``(field name, source)`` of the apps' extra read fields (a relation's)."""
    found = []
    for extra in coding_api_extras:
        for name, field in extra.read_fields().items():
            found.append((name, field.source or name))
    return tuple(found)


def coding_row(
    *,
    represent=None,
    pk: int,
    document_id: int,
    code_id: int,
    coder: str,
    start: int,
    end: int,
    text: str,
    memo: str,
    revision: int,
    created_at,
    updated_at,
) -> dict:
    """One coding as ``CodingSerializer`` gives it (extras: ``None``);
    ``represent`` formats its times (default: ``_datetime_format()``)."""
    represent = represent or _datetime_format()
    row = {
        "id": pk,
        "document": document_id,
        "code": code_id,
        "coder": coder,
        "start": start,
        "end": end,
        "text": text,
        "memo": memo,
        "revision": revision,
        "created_at": represent(created_at),
        "updated_at": represent(updated_at),
    }
    for name, _source in _extra_sources():
        row[name] = None
    return row


def created_row(coding: Coding, coder_name: str) -> dict:
    """The answer to a coding just created by ``coding_create`` (no extras)."""
    return coding_row(
        pk=coding.pk,
        document_id=coding.document_id,
        code_id=coding.code_id,
        coder=coder_name,
        start=coding.start,
        end=coding.end,
        text=coding.text,
        memo=coding.memo,
        revision=coding.revision,
        created_at=coding.created_at,
        updated_at=coding.updated_at,
    )


def coding_values(codings, zone: str | None = None):
    """The values ``coding_rows`` needs, as a queryset of tuples (to paginate);
    times in ``zone`` (default: the current time zone)."""
    sources = [source for _name, source in _extra_sources()]
    return codings.annotate(
        created_text=iso8601("created_at", zone),
        updated_text=iso8601("updated_at", zone),
    ).values_list(*_FIELDS, *sources)


# The order of a transcript's codings (and of every list of codings).
CODING_ORDER = ("document_id", "start", "end", "id")

# Stand-ins for a request's values in the transcript statement (no id is negative).
_DOCUMENT, _ZONE = -1, "\0zone"


def _coder_stand_ins(count: int) -> tuple[int, ...]:
    return tuple(-2 - i for i in range(count))


@cache
def _transcript_statement(everyone: bool, coders: int, limit: int) -> tuple[str, tuple]:
    """The SQL of ``coding_values`` for one document's codings that a member sees
    (the shape of their ``coder_scope()``: everyone's or some coders', and how
    many), at most ``limit`` of them: compiled by the ORM once per process, with
    stand-ins where the request's values go."""
    codings = Coding.objects.filter(document_id=_DOCUMENT)
    visible = scope_filter(everyone, _coder_stand_ins(coders))
    if visible != Q(pk__isnull=False):
        codings = codings.filter(visible)
    query = coding_values(codings.order_by(*CODING_ORDER), zone=_ZONE)[:limit].query
    statement, params = query.sql_with_params()
    stand_ins = {_DOCUMENT, _ZONE, *_coder_stand_ins(coders)}
    if not set(params) <= stand_ins:
        raise ImproperlyConfigured(f"unexpected values in the statement: {params}")
    return statement, tuple(params)


def transcript_values(access, document: Document, limit: int) -> list[tuple]:
    """``coding_values`` of the codings of ``document`` that ``access``'s member
    may see, in ``CODING_ORDER``, at most ``limit``: one prepared statement.

    Building and compiling that query with the ORM took half of opening a
    transcript; its SQL depends only on the shape of the member's scope, so it is
    compiled once (``_transcript_statement``) and run with this request's values.
    """
    everyone, coders = access.coder_scope()
    statement, template = _transcript_statement(everyone, len(coders), limit)
    values = {_DOCUMENT: document.pk, _ZONE: timezone.get_current_timezone_name()}
    values.update(zip(_coder_stand_ins(len(coders)), coders))
    with sql.prepared_cursor() as cursor:
        cursor.execute(statement, [values[param] for param in template])
        return cursor.fetchall()


def coding_rows(
    tuples: Sequence[tuple], texts: dict[int, str] | None = None
) -> list[dict]:
    """A page of ``coding_values`` as rows, in its order.

    ``texts`` maps document ids to their text where the caller has it already;
    the texts of other documents on the page are read in one query.
    """
    texts = dict(texts or {})
    missing = {t[1] for t in tuples} - set(texts)
    if missing:
        texts.update(Document.objects.filter(pk__in=missing).values_list("pk", "text"))
    with_extra = [t[0] for t in tuples if any(v is not None for v in t[len(_FIELDS) :])]
    full = _serialised(with_extra)
    rows = []
    for pk, doc, code, coder, start, end, memo, revision, made, changed, *_x in tuples:
        if pk in full:
            rows.append(full[pk])
            continue
        rows.append(
            coding_row(
                represent=_as_is,
                pk=pk,
                document_id=doc,
                code_id=code,
                coder=coder,
                start=start,
                end=end,
                text=texts[doc][start:end],
                memo=memo,
                revision=revision,
                created_at=made,
                updated_at=changed,
            )
        )
    return rows


def _as_is(value: str | None) -> str | None:
    """A time formatted by PostgreSQL already."""
    return value


def _serialised(ids: Sequence[int]) -> dict[int, dict]:
    """Codings with an app's extra, by ``CodingSerializer`` (one query for all)."""
    if not ids:
        return {}
    from coding.api.serializers import CodingSerializer

    related: Iterable[str] = ("coder",) + tuple(
        path for extra in coding_api_extras for path in extra.select_related
    )
    codings = Coding.objects.filter(pk__in=ids).select_related(*related).with_text()
    return {row["id"]: row for row in CodingSerializer(codings, many=True).data}
