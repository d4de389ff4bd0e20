"""Documents: import of transcript files and pasted text, edits, cases."""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.importing import (
    ImportBatchError,
    ParsedDocument,
    ParsedTurn,
    detect_turns,
    normalise_text,
    parse_upload_batch,
)
from coding.models import Case, Coding, Document, Project, SpeakerTurn
from coding.registry import notify_documents_imported
from coding.services.audit import (
    Action,
    Entity,
    audit_record,
    audit_records,
    coding_event,
    snapshot_codings_with_extras,
    snapshot_document,
)
from coding.services.changes import codings_changed

_WORD = re.compile(r"\w+")


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _replace_turns(document: Document, turns: list[ParsedTurn]) -> None:
    document.turns.all().delete()
    SpeakerTurn.objects.bulk_create(
        SpeakerTurn(
            document=document,
            number=number,
            speaker=turn.speaker[:200],
            start=turn.start,
            end=turn.end,
            started_at_ms=turn.started_at_ms,
            ended_at_ms=turn.ended_at_ms,
        )
        for number, turn in enumerate(turns, start=1)
    )


def _save_parsed(
    *, project: Project, parsed: ParsedDocument, user, case: Case | None
) -> Document:
    if not parsed.text.strip():
        raise ValidationError(
            _("“%(name)s” contains no text.")
            % {"name": parsed.source_name or parsed.title}
        )
    document = Document(
        project=project,
        case=case,
        title=(parsed.title or parsed.source_name or _("Untitled"))[:300],
        text=parsed.text,
        length=len(parsed.text),
        source_name=parsed.source_name[:300],
        source_format=parsed.format,
        checksum=parsed.checksum,
        word_count=parsed.word_count,
        imported_at=timezone.now(),
        imported_by=user,
    )
    document.save()
    _replace_turns(document, parsed.turns)
    _audit_document(
        document, actor=user, action=Action.CREATE, after=snapshot_document(document)
    )
    return document


def _audit_document(
    document: Document, *, actor, action: str, before=None, after=None
) -> None:
    audit_record(
        project_id=document.project_id,
        actor=actor,
        action=action,
        entity=Entity.DOCUMENT,
        entity_id=document.pk,
        document_id=document.pk,
        before=before,
        after=after,
    )


def _check_case(project: Project, case: Case | None) -> None:
    if case is not None and case.project_id != project.pk:
        raise ValidationError({"case": _("The case belongs to another project.")})


@transaction.atomic
def documents_import_files(
    *,
    project: Project,
    files: list[tuple[str, bytes]],
    user,
    max_file_bytes: int,
    case: Case | None = None,
) -> list[Document]:
    """Import uploaded files (``.zip`` archives expanded); all or nothing.

    Raises ``ValidationError`` listing every file that could not be read, with the
    reason, and then nothing at all is written.
    """
    _check_case(project, case)
    try:
        parsed = parse_upload_batch(files, max_file_bytes=max_file_bytes)
    except ImportBatchError as error:
        problems = [str(problem) for problem in error.errors]
        if not problems:
            message = str(error.message)
            problems = [message[:1].upper() + message[1:]]
        raise ValidationError(problems) from error
    documents = [
        _save_parsed(project=project, parsed=item, user=user, case=case)
        for item in parsed
    ]
    notify_documents_imported(documents, user)
    return documents


@transaction.atomic
def document_create_from_text(
    *, project: Project, title: str, text: str, user, case: Case | None = None
) -> Document:
    _check_case(project, case)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("A document needs a title.")})
    text = normalise_text(text or "")
    if not text.strip():
        raise ValidationError({"text": _("The document has no text.")})
    parsed = ParsedDocument(
        title=title,
        text=text,
        turns=detect_turns(text),
        format="text",
        source_name="",
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        word_count=_word_count(text),
    )
    document = _save_parsed(project=project, parsed=parsed, user=user, case=case)
    notify_documents_imported([document], user)
    return document


_UNSET = object()


@transaction.atomic
def document_update(
    *,
    document: Document,
    title: str | None = None,
    case=_UNSET,
    text: str | None = None,
    actor=None,
) -> Document:
    """Change title or case. The text is fixed once codings point into it."""
    before = snapshot_document(document)
    fields: list[str] = []
    if title is not None:
        title = title.strip()
        if not title:
            raise ValidationError({"title": _("A document needs a title.")})
        document.title = title[:300]
        fields.append("title")
    if case is not _UNSET:
        _check_case(document.project, case)
        document.case = case
        fields.append("case")
    if text is not None:
        fields += _replace_text(document, normalise_text(text))
    if "case" in fields:
        codings_changed(project_id=document.project_id)  # attribute figures move
    if "text" in fields:
        # Old turns may reach past the new end: drop them before the length changes.
        document.turns.all().delete()
    if fields:
        document.save(update_fields=fields)
        _audit_document(
            document,
            actor=actor,
            action=Action.UPDATE,
            before=before,
            after=snapshot_document(document),
        )
    if "text" in fields:
        _replace_turns(document, detect_turns(document.text))
    return document


def _replace_text(document: Document, text: str) -> list[str]:
    """Set a new (normalised) text while no coding points into the old one."""
    if text == document.text:
        return []
    if Coding.objects.filter(document=document).exists():
        raise ValidationError(
            {
                "text": _(
                    "The text cannot be changed once it has codings: they point to "
                    "positions in it. Import a new document instead."
                )
            }
        )
    if not text.strip():
        raise ValidationError({"text": _("The document has no text.")})
    document.text = text
    document.length = len(text)
    document.word_count = _word_count(text)
    document.checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ["text", "length", "word_count", "checksum"]


@transaction.atomic
def document_delete(*, document: Document, actor=None) -> None:
    """Delete a document with its codings; the trail keeps every coding's last state."""
    codings = list(Coding.objects.filter(document=document).select_related("document"))
    audit_records(
        coding_event(c, actor=actor, action=Action.DELETE, before=snapshot)
        for c, snapshot in zip(
            codings, snapshot_codings_with_extras(codings), strict=True
        )
    )
    _audit_document(
        document, actor=actor, action=Action.DELETE, before=snapshot_document(document)
    )
    codings_changed(project_id=document.project_id)
    document.delete()


@transaction.atomic
def case_get_or_create(
    *, project: Project, label: str, attributes: dict | None = None
) -> Case:
    label = (label or "").strip()
    if not label:
        raise ValidationError({"case": _("A case needs a label.")})
    case, created = Case.objects.get_or_create(
        project=project, label=label[:200], defaults={"attributes": attributes or {}}
    )
    if not created and attributes:
        case.attributes = {**case.attributes, **attributes}
        case.save(update_fields=["attributes"])
        codings_changed(project_id=project.pk)
    return case
