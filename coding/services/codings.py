"""Codings: apply a code to a span, edit its memo or span, remove it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import (
    Assignment,
    AssignmentStatus,
    Code,
    CodebookVersion,
    Coding,
    Document,
)
from coding.services.audit import (
    Action,
    audit_records,
    coding_event,
    restore_coding_extras,
    snapshot_coding,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed

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


def current_codebook_version_id(project_id: int) -> int | None:
    """The latest frozen codebook version, which new codings are made under."""
    return (
        CodebookVersion.objects.filter(project_id=project_id)
        .order_by("-number")
        .values_list("id", flat=True)
        .first()
    )


def _mark_started(document_ids: set[int], coder_id: int) -> None:
    """A coder's first coding in an assigned document puts it in progress."""
    Assignment.objects.filter(
        document_id__in=document_ids,
        coder_id=coder_id,
        status=AssignmentStatus.NOT_STARTED,
    ).update(status=AssignmentStatus.IN_PROGRESS, updated_at=timezone.now())


def _duplicate_error() -> ValidationError:
    return ValidationError(
        {"non_field_errors": _("You have already coded this passage with this code.")}
    )


@transaction.atomic
def coding_create(
    *,
    document: Document,
    code: Code,
    coder,
    start,
    end,
    memo: str = "",
    trim_whitespace: bool = False,
    actor=None,
) -> Coding:
    """Code a span. ``actor`` (default: the coder) is who the audit trail names."""
    start, end = validate_span(document, code, start, end)
    if trim_whitespace:
        start, end = trim_span(document.text, start, end)
        if start >= end:
            raise ValidationError(
                {"start": _("The selection contains only white space.")}
            )
    if Coding.objects.filter(
        document=document, code=code, coder=coder, start=start, end=end
    ).exists():
        raise _duplicate_error()
    now = timezone.now()
    try:
        with transaction.atomic():
            coding = Coding.objects.create(
                document=document,
                code=code,
                coder=coder,
                start=start,
                end=end,
                memo=(memo or "").strip(),
                word_count=count_words(document.text[start:end]),
                codebook_version_id=current_codebook_version_id(document.project_id),
                created_at=now,
                updated_at=now,
            )
    except IntegrityError as error:  # a concurrent identical request won the race
        raise _duplicate_error() from error
    coding_event(
        coding,
        actor=actor or coder,
        action=Action.CREATE,
        after=snapshot_coding(coding),
    ).save()
    _mark_started({document.pk}, coder.pk)
    codings_changed(project_id=document.project_id, code_ids=[code.pk])
    return coding


@transaction.atomic
def codings_create_bulk(*, specs: list[CodingSpec], coder, actor=None) -> list[Coding]:
    """Create many codings at once; one bad item means none is written.

    Errors name the item (0-based index) so a client knows which one to fix.
    """
    rows, errors = _bulk_rows(specs, coder)
    if not errors:
        errors = _already_coded(rows, coder)
    if errors:
        raise _items_error(errors)
    created = Coding.objects.bulk_create(rows)
    audit_records(
        coding_event(
            c, actor=actor or coder, action=Action.CREATE, after=snapshot_coding(c)
        )
        for c in created
    )
    _mark_started({c.document_id for c in created}, coder.pk)
    for project_id in {c.document.project_id for c in created}:
        codings_changed(
            project_id=project_id,
            code_ids={
                c.code_id for c in created if c.document.project_id == project_id
            },
        )
    return created


def _bulk_rows(specs: list[CodingSpec], coder) -> tuple[list[Coding], dict[int, dict]]:
    """Unsaved codings for the specs, and the problems of the items that fail."""
    errors: dict[int, dict] = {}
    rows: list[Coding] = []
    seen: set[tuple[int, int, int, int]] = set()
    now = timezone.now()
    versions: dict[int, int | None] = {}
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
        project_id = spec.document.project_id
        if project_id not in versions:
            versions[project_id] = current_codebook_version_id(project_id)
        rows.append(
            Coding(
                document=spec.document,
                code=spec.code,
                coder=coder,
                start=start,
                end=end,
                memo=(spec.memo or "").strip(),
                word_count=count_words(spec.document.text[start:end]),
                codebook_version_id=versions[project_id],
                created_at=now,
                updated_at=now,
            )
        )
    return rows, errors


def _already_coded(rows: list[Coding], coder) -> dict[int, dict]:
    """Items this coder has coded already (same document, code and span)."""
    existing = {
        (c.document_id, c.code_id, c.start, c.end)
        for c in Coding.objects.filter(
            coder=coder, document_id__in={r.document.pk for r in rows}
        ).only("document_id", "code_id", "start", "end")
    }
    return {
        index: _duplicate_error().message_dict
        for index, row in enumerate(rows)
        if (row.document.pk, row.code.pk, row.start, row.end) in existing
    }


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
