"""Codings: apply a code to a span, edit its memo or span, remove it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Code,
    CodebookVersion,
    Coding,
    CodingChange,
    Document,
)
from coding.registry import notify_codings_changed
from coding.services.audit import (
    Action,
    actor_id,
    coding_event,
    restore_coding_extras,
    snapshot_coding,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed
from regie_site import sql

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


class CodingConflict(Exception):
    """The coding changed since the caller read it (optimistic concurrency)."""

    def __init__(self, coding: Coding):
        super().__init__(
            _(
                "Someone else changed this coding since you opened it. Their version "
                "is shown now; copy your text and try again."
            )
        )
        self.coding = coding


@dataclass(frozen=True)
class CodingSpec:
    """Plain description of a coding to create (from a form, the API or a file)."""

    document: Document
    code: Code
    start: int
    end: int
    memo: str = ""


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a selected span so it neither starts nor ends in white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def validate_span(document: Document, code: Code, start, end) -> tuple[int, int]:
    if code.project_id != document.project_id:
        raise ValidationError({"code": _("The code belongs to another project.")})
    return _checked_span(document, start, end)


def _checked_span(document: Document, start, end) -> tuple[int, int]:
    """Whole numbers, in order, inside the document (the code checked apart)."""
    if isinstance(start, bool) or isinstance(end, bool):
        raise ValidationError({"start": _("Start and end must be whole numbers.")})
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise ValidationError(
            {"start": _("Start and end must be whole numbers.")}
        ) from None
    if start < 0:
        raise ValidationError({"start": _("Start cannot be negative.")})
    if end <= start:
        raise ValidationError({"end": _("End must come after start.")})
    if end > document.length:
        raise ValidationError(
            {
                "end": _(
                    "End %(end)d lies beyond the end of the document (%(length)d "
                    "characters)."
                )
                % {"end": end, "length": document.length}
            }
        )
    return start, end


class UnknownCode(ValidationError):
    """The code given by its id is not one of the document's project."""

    def __init__(self, code_id):
        super().__init__(
            {"code": _("No code %(id)s in this project.") % {"id": code_id}}
        )


def _duplicate_error() -> ValidationError:
    return ValidationError(
        {"non_field_errors": _("You have already coded this passage with this code.")}
    )


def coding_create(
    *,
    document: Document,
    code: Code | int,
    coder,
    start,
    end,
    memo: str = "",
    trim_whitespace: bool = False,
    actor=None,
) -> Coding:
    """Code a span. ``actor`` (default: the coder) is who the audit trail names.

    One SQL statement writes everything (``_CREATE``): the coding, refused by the
    unique constraint when this coder coded the span with the code already; its
    audit event; the assignment put in progress; the change record. No row every
    coder of a project shares is locked. ``code`` may be a bare id: the statement
    then also looks it up in the document's project (``UnknownCode`` when it is
    not there) and ``coding.code`` comes back with its id, name and colour only.
    The word count and the trimming look at the coded span only: cut from the
    document's text when it is loaded (``coding.access`` keeps transcripts at
    hand), else in SQL.
    """
    if isinstance(code, Code):
        start, end = validate_span(document, code, start, end)
        code_id = code.pk
    else:
        code_id = _code_id(code)
        start, end = _checked_span(document, start, end)
    span_text = _span_text(document, start, end)
    if trim_whitespace:
        first, last = trim_span(span_text, 0, len(span_text))
        if first >= last:
            raise ValidationError(
                {"start": _("The selection contains only white space.")}
            )
        start, end, span_text = start + first, start + last, span_text[first:last]
    coding = Coding(
        document=document,
        code_id=code_id,
        coder=coder,
        start=start,
        end=end,
        memo=(memo or "").strip(),
        word_count=count_words(span_text),
        created_at=timezone.now(),
    )
    coding.updated_at = coding.created_at
    coding.coded_text = span_text
    row = _insert_coding(coding, actor=actor or coder)
    if row is None:
        raise UnknownCode(code)
    if row[-1] is None:
        raise _duplicate_error()
    found, (coding.pk, coding.codebook_version_id, coding.revision) = row[:4], row[4:]
    coding.code = code if isinstance(code, Code) else _code_from_row(found)
    # The change record's row was written by the statement; tell the hooks.
    notify_codings_changed(document.project_id, [code_id])
    return coding


def _code_id(code) -> int:
    """A code id the statement can take (``UnknownCode`` for anything else)."""
    code_id = sql.row_id(code) if isinstance(code, int) else None
    if code_id is None:
        raise UnknownCode(code)
    return code_id


_CODE_FIELDS = ["id", "project_id", "name", "color"]


def _code_from_row(values: tuple) -> Code:
    """The code as ``_CREATE`` returned it; its other fields load if asked for."""
    return Code.from_db(connection.alias, _CODE_FIELDS, values)


def _span_text(document: Document, start: int, end: int) -> str:
    """``document.text[start:end]`` without loading the whole text when it is not."""
    if "text" not in document.get_deferred_fields():
        return document.text[start:end]
    return (
        Document.objects.filter(pk=document.pk)
        .annotate(span=Substr("text", start + 1, end - start))
        .values_list("span", flat=True)
        .get()
    )


_CREATE = f"""
WITH code AS (
    SELECT id, project_id, name, color FROM {sql.table(Code)}
    WHERE id = %(code)s AND project_id = %(project)s
), version AS (
    SELECT id FROM {sql.table(CodebookVersion)}
    WHERE project_id = %(project)s ORDER BY number DESC LIMIT 1
), made AS (
    INSERT INTO {sql.table(Coding)} (document_id, code_id, coder_id, start, "end", memo,
        word_count, codebook_version_id, revision, created_at, updated_at)
    SELECT %(document)s, code.id, %(coder)s, %(start)s, %(end)s, %(memo)s,
        %(words)s, (SELECT id FROM version), 1, %(now)s, %(now)s
    FROM code
    ON CONFLICT DO NOTHING
    RETURNING id, codebook_version_id, revision
), event AS (
    INSERT INTO {sql.table(AuditEvent)} (project_id, actor_id, action, entity,
        entity_id, document_id, coder_id, before, after, at)
    SELECT %(project)s, %(actor)s, %(action)s, %(entity)s, made.id, %(document)s,
        %(coder)s, NULL, %(after)s::jsonb || jsonb_build_object(
            'id', made.id, 'codebook_version', made.codebook_version_id), %(now)s
    FROM made
), started AS (
    UPDATE {sql.table(Assignment)} SET status = %(in_progress)s, updated_at = %(now)s
    WHERE document_id = %(document)s AND coder_id = %(coder)s
        AND status = %(not_started)s AND EXISTS (SELECT 1 FROM made)
), changed AS (
    INSERT INTO {sql.table(CodingChange)} (project_id, code_id, changed_at)
    SELECT %(project)s, %(code)s, %(now)s FROM made
)
SELECT code.id, code.project_id, code.name, code.color,
    made.id, made.codebook_version_id, made.revision
FROM code LEFT JOIN made ON TRUE
"""


def _insert_coding(coding: Coding, *, actor) -> tuple | None:
    """Run ``_CREATE``: the code's id, project, name and colour, then the new
    row's id, codebook version and revision (``None`` each when the coder coded
    this span with this code already); ``None`` when the code is not the
    document's project's."""
    after = snapshot_coding(coding)
    del after["id"], after["codebook_version"]  # known once the row exists
    with sql.prepared_cursor() as cursor:
        cursor.execute(
            _CREATE,
            {
                "project": coding.document.project_id,
                "document": coding.document_id,
                "code": coding.code_id,
                "coder": coding.coder_id,
                "start": coding.start,
                "end": coding.end,
                "memo": coding.memo,
                "words": coding.word_count,
                "now": coding.created_at,
                "actor": actor_id(actor),
                "action": Action.CREATE,
                "entity": AuditEvent.Entity.CODING,
                "after": json.dumps(after),
                "in_progress": AssignmentStatus.IN_PROGRESS,
                "not_started": AssignmentStatus.NOT_STARTED,
            },
        )
        return cursor.fetchone()


def codings_create_bulk(*, specs: list[CodingSpec], coder, actor=None) -> list[Coding]:
    """Create many codings at once; one bad item means none is written.

    Errors name the item (0-based index) so a client knows which one to fix. One
    statement per ``_BATCH`` items (``_CREATE_MANY``) looks the items up among the
    coder's codings and, when none is there, writes the codings, their audit
    events, the assignments put in progress and the change record; up to one
    batch (a script's list, a highlight with several codes) that statement is
    the whole write, all or nothing by itself.
    """
    rows, errors = _bulk_rows(specs, coder)
    if errors:
        raise _items_error(errors)
    if not rows:
        return []
    if len(rows) <= _BATCH:
        _insert_codings(rows, actor=actor or coder)
    else:
        with transaction.atomic():
            for start in range(0, len(rows), _BATCH):
                _insert_codings(
                    rows[start : start + _BATCH], actor=actor or coder, offset=start
                )
    changed: dict[int, set[int]] = {}
    for row in rows:
        changed.setdefault(row.document.project_id, set()).add(row.code_id)
    for project_id, code_ids in changed.items():
        notify_codings_changed(project_id, sorted(code_ids))
    return rows


_BATCH = 5000  # items per statement: bounded parameters for an import's thousands

_CREATE_MANY = f"""
WITH item AS (
    SELECT * FROM unnest(%(projects)s::bigint[], %(documents)s::bigint[],
        %(codes)s::bigint[], %(starts)s::int[], %(ends)s::int[], %(memos)s::text[],
        %(words)s::int[], %(afters)s::jsonb[])
    AS item(project_id, document_id, code_id, start, "end", memo, words, after)
), coded AS (
    SELECT item.document_id, item.code_id, item.start, item."end" FROM item
    JOIN {sql.table(Coding)} c ON c.document_id = item.document_id
        AND c.code_id = item.code_id AND c.coder_id = %(coder)s
        AND c.start = item.start AND c."end" = item."end"
), made AS (
    INSERT INTO {sql.table(Coding)} (document_id, code_id, coder_id, start, "end", memo,
        word_count, codebook_version_id, revision, created_at, updated_at)
    SELECT item.document_id, item.code_id, %(coder)s, item.start, item."end",
        item.memo, item.words, (
            SELECT version.id FROM {sql.table(CodebookVersion)} version
            WHERE version.project_id = item.project_id
            ORDER BY version.number DESC LIMIT 1
        ), 1, %(now)s, %(now)s
    FROM item WHERE NOT EXISTS (SELECT 1 FROM coded)
    RETURNING id, document_id, code_id, start, "end", codebook_version_id
), made_item AS (
    SELECT made.*, item.project_id, item.after
    FROM made JOIN item USING (document_id, code_id, start, "end")
), event AS (
    INSERT INTO {sql.table(AuditEvent)} (project_id, actor_id, action, entity,
        entity_id, document_id, coder_id, before, after, at)
    SELECT project_id, %(actor)s, %(action)s, %(entity)s, id, document_id,
        %(coder)s, NULL, after || jsonb_build_object(
            'id', id, 'codebook_version', codebook_version_id), %(now)s
    FROM made_item
), started AS (
    UPDATE {sql.table(Assignment)} SET status = %(in_progress)s, updated_at = %(now)s
    WHERE coder_id = %(coder)s AND status = %(not_started)s
        AND document_id IN (SELECT document_id FROM made)
), changed AS (
    INSERT INTO {sql.table(CodingChange)} (project_id, code_id, changed_at)
    SELECT DISTINCT project_id, code_id, %(now)s::timestamptz FROM made_item
)
SELECT document_id, code_id, start, "end", id, codebook_version_id FROM made
UNION ALL SELECT document_id, code_id, start, "end", NULL, NULL FROM coded
"""


def _insert_codings(rows: list[Coding], *, actor, offset: int = 0) -> None:
    """Run ``_CREATE_MANY`` for unsaved codings of one coder (no two alike) and
    give them their ids; ``ValidationError`` naming the items (``offset`` + their
    index) the coder had coded already, and then nothing is written."""
    now = timezone.now()
    afters = []
    for row in rows:
        row.created_at = row.updated_at = now
        after = snapshot_coding(row)
        del after["id"], after["codebook_version"]  # known once the row exists
        afters.append(json.dumps(after))
    try:
        with sql.prepared_cursor() as cursor:
            cursor.execute(
                _CREATE_MANY,
                {
                    "projects": [row.document.project_id for row in rows],
                    "documents": [row.document_id for row in rows],
                    "codes": [row.code_id for row in rows],
                    "starts": [row.start for row in rows],
                    "ends": [row.end for row in rows],
                    "memos": [row.memo for row in rows],
                    "words": [row.word_count for row in rows],
                    "afters": afters,
                    "coder": rows[0].coder_id,
                    "actor": actor_id(actor),
                    "action": Action.CREATE,
                    "entity": AuditEvent.Entity.CODING,
                    "now": now,
                    "in_progress": AssignmentStatus.IN_PROGRESS,
                    "not_started": AssignmentStatus.NOT_STARTED,
                },
            )
            found = {tuple(row[:4]): row[4:] for row in cursor.fetchall()}
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != _UNIQUE_VIOLATION:
            raise
        # The same passage coded by a request of this coder running meanwhile.
        raise ValidationError({"items": [_duplicate_error().messages[0]]}) from None
    coded = {
        offset + index: _duplicate_error().message_dict
        for index, row in enumerate(rows)
        if _key(row) in found and found[_key(row)][0] is None
    }
    if coded:
        raise _items_error(coded)
    for row in rows:
        row.pk, row.codebook_version_id = found[_key(row)]
        row.revision = 1
        row._state.adding = False
        row._state.db = connection.alias


_UNIQUE_VIOLATION = "23505"


def _key(row: Coding) -> tuple[int, int, int, int]:
    return (row.document_id, row.code_id, row.start, row.end)


def _bulk_rows(specs: list[CodingSpec], coder) -> tuple[list[Coding], dict[int, dict]]:
    """Unsaved codings for the specs, and the problems of the items that fail."""
    errors: dict[int, dict] = {}
    rows: list[Coding] = []
    seen: set[tuple[int, int, int, int]] = set()
    for index, spec in enumerate(specs):
        try:
            start, end = validate_span(spec.document, spec.code, spec.start, spec.end)
        except ValidationError as error:
            errors[index] = error.message_dict
            continue
        key = (spec.document.pk, spec.code.pk, start, end)
        if key in seen:
            errors[index] = {"items": [_("This item repeats an earlier one.")]}
            continue
        seen.add(key)
        text = spec.document.text[start:end]
        row = Coding(
            document=spec.document,
            code=spec.code,
            coder=coder,
            start=start,
            end=end,
            memo=(spec.memo or "").strip(),
            word_count=count_words(text),
        )
        row.coded_text = text
        rows.append(row)
    return rows, errors


def _items_error(errors: dict[int, dict]) -> ValidationError:
    """One error naming every failing item by its 0-based index."""
    return ValidationError(
        {
            "items": [
                _("Item %(index)d: %(message)s")
                % {
                    "index": index,
                    "message": " ".join(str(m) for ms in problem.values() for m in ms),
                }
                for index, problem in sorted(errors.items())
            ]
        }
    )


@transaction.atomic
def coding_update(
    *,
    coding: Coding,
    memo: str | None = None,
    start=None,
    end=None,
    code: Code | None = None,
    expected_revision: int | None = None,
    actor=None,
) -> Coding:
    """Change memo, span or code; refuses silently overwriting someone's newer edit."""
    current = (
        Coding.objects.select_for_update()
        .select_related("document", "code")
        .get(pk=coding.pk)
    )
    if expected_revision is not None and int(expected_revision) != current.revision:
        raise CodingConflict(current)
    before = snapshot_coding(current)
    fields: list[str] = []
    if memo is not None:
        current.memo = memo.strip()
        fields.append("memo")
    if start is not None or end is not None or code is not None:
        fields += _move_coding(current, code=code, start=start, end=end)
    if fields:
        current.revision += 1
        current.updated_at = timezone.now()
        current.save(update_fields=[*fields, "revision", "updated_at"])
        coding_event(
            current,
            actor=actor or current.coder,
            action=Action.UPDATE,
            before=before,
            after=snapshot_coding(current),
        ).save()
    return current


def _move_coding(current: Coding, *, code: Code | None, start, end) -> list[str]:
    """Give ``current`` another span or code (checked, not yet saved)."""
    new_code = code or current.code
    new_start, new_end = validate_span(
        current.document,
        new_code,
        current.start if start is None else start,
        current.end if end is None else end,
    )
    clash = Coding.objects.filter(
        document=current.document,
        code=new_code,
        coder_id=current.coder_id,
        start=new_start,
        end=new_end,
    ).exclude(pk=current.pk)
    if clash.exists():
        raise _duplicate_error()
    old_code_id = current.code_id
    current.code, current.start, current.end = new_code, new_start, new_end
    current.word_count = count_words(current.document.text[new_start:new_end])
    codings_changed(
        project_id=current.document.project_id, code_ids={old_code_id, new_code.pk}
    )
    return ["code", "start", "end", "word_count"]


@transaction.atomic
def coding_delete(*, coding: Coding, actor=None) -> dict:
    """Delete a coding; returns its snapshot (what ``coding_restore`` needs)."""
    (snapshot,) = snapshot_codings_with_extras([coding])
    coding_event(
        coding, actor=actor or coding.coder, action=Action.DELETE, before=snapshot
    ).save()
    codings_changed(project_id=coding.document.project_id, code_ids=[coding.code_id])
    coding.delete()
    return snapshot


@transaction.atomic
def coding_restore(*, snapshot: dict, actor=None) -> Coding | None:
    """Recreate a deleted coding (undo, or from the audit trail).

    ``None`` when its document or code is gone; an identical coding that exists
    already is returned as it is.
    """
    document = Document.objects.filter(pk=snapshot["document"]).first()
    code = Code.objects.filter(
        pk=snapshot["code"], project_id=getattr(document, "project_id", None)
    ).first()
    if document is None or code is None:
        return None
    existing = Coding.objects.filter(
        document=document,
        code=code,
        coder_id=snapshot["coder"],
        start=snapshot["start"],
        end=snapshot["end"],
    ).first()
    if existing is not None:
        return existing
    coding = Coding.objects.create(
        document=document,
        code=code,
        coder_id=snapshot["coder"],
        start=snapshot["start"],
        end=snapshot["end"],
        memo=snapshot.get("memo", ""),
        word_count=count_words(document.text[snapshot["start"] : snapshot["end"]]),
        codebook_version_id=snapshot.get("codebook_version"),
        updated_at=timezone.now(),
    )
    restore_coding_extras(coding, snapshot)
    codings_changed(project_id=document.project_id, code_ids=[code.pk])
    (after,) = snapshot_codings_with_extras([coding])
    coding_event(coding, actor=actor, action=Action.RESTORE, after=after).save()
    return coding
