"""The audit trail: every write records who did what, and the row before and after.

Services call ``audit_record`` (or ``audit_records`` for bulk writes) inside their own
transaction, so an event exists exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from coding.models import Assignment, AuditEvent, Code, Coding, Document, Membership
from coding.registry import CodingExtra, coding_extras

Action = AuditEvent.Action
Entity = AuditEvent.Entity


def snapshot_coding(coding: Coding) -> dict:
    return {
        "id": coding.pk,
        "document": coding.document_id,
        "code": coding.code_id,
        "coder": coding.coder_id,
        "start": coding.start,
        "end": coding.end,
        "memo": coding.memo,
        "codebook_version": coding.codebook_version_id,
        "created_at": coding.created_at.isoformat() if coding.created_at else None,
    }


def register_coding_extra(extra: CodingExtra) -> None:
    """Called from an app's ``ready()``; registering twice is harmless."""
    coding_extras.register(extra)


def snapshot_codings_with_extras(codings: Sequence[Coding]) -> list[dict]:
    """Whole snapshots: the coding and its extras (one query per extra for all of
    them). ``delete`` events keep these: they are what ``coding_restore`` needs."""
    snapshots = [snapshot_coding(coding) for coding in codings]
    ids = [coding.pk for coding in codings]
    for extra in coding_extras:
        found = extra.dump(ids) if ids else {}
        for snapshot in snapshots:
            if snapshot["id"] in found:
                snapshot[extra.key] = found[snapshot["id"]]
    return snapshots


def restore_coding_extras(coding: Coding, snapshot: dict) -> None:
    for extra in coding_extras:
        if snapshot.get(extra.key):
            extra.restore(coding, snapshot[extra.key])


def snapshot_code(code: Code) -> dict:
    return {
        "id": code.pk,
        "name": code.name,
        "parent": code.parent_id,
        "description": code.description,
        "color": code.color,
        "shortcut": code.shortcut,
    }


def snapshot_document(document: Document) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "case": document.case_id,
        "source_name": document.source_name,
        "length": document.length,
        "word_count": document.word_count,
        "checksum": document.checksum,
    }


def snapshot_membership(membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "user": membership.user_id,
        "username": membership.user.username,
        "role": membership.role,
    }


def snapshot_assignment(assignment: Assignment) -> dict:
    return {
        "id": assignment.pk,
        "document": assignment.document_id,
        "coder": assignment.coder_id,
        "status": assignment.status,
    }


def actor_id(actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def audit_event(
    *,
    project_id: int,
    actor,
    action: str,
    entity: str,
    entity_id: int,
    before: dict | None = None,
    after: dict | None = None,
    document_id: int | None = None,
    coder_id: int | None = None,
) -> AuditEvent:
    """An unsaved event; ``audit_record`` saves one, ``audit_records`` many."""
    return AuditEvent(
        project_id=project_id,
        actor_id=actor_id(actor),
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        document_id=document_id,
        coder_id=coder_id,
        at=timezone.now(),
    )


def audit_record(**fields) -> AuditEvent:
    event = audit_event(**fields)
    event.save()
    return event


def audit_records(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=1000)


def codes_created(codes: Iterable[Code], *, actor) -> None:
    """Record a ``create`` event for each of these new codes (bulk-made ones too)."""
    audit_records(
        audit_event(
            project_id=code.project_id,
            actor=actor,
            action=Action.CREATE,
            entity=Entity.CODE,
            entity_id=code.pk,
            after=snapshot_code(code),
        )
        for code in codes
    )


def coding_event(
    coding: Coding, *, actor, action: str, before=None, after=None
) -> AuditEvent:
    """An event about a coding (project and document taken from the coding)."""
    return audit_event(
        project_id=coding.document.project_id,
        actor=actor,
        action=action,
        entity=Entity.CODING,
        entity_id=coding.pk,
        before=before,
        after=after,
        document_id=coding.document_id,
        coder_id=coding.coder_id,
    )
