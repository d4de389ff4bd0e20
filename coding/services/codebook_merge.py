"""Merging codes, what a merge would do, and undoing one from the audit trail.

A merge is recorded as one ``merge`` event on the source code holding all that moved
(codings, sub-codes, codings dropped as duplicates, adjudications), so the trail can
say what happened and put it back while nothing since stands in the way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from coding.access import Cap, ProjectAccess, require_role_now
from coding.models import Adjudication, AuditEvent, Code, Coding
from coding.selectors_audit import merge_undo_blocked
from coding.services.audit import (
    Action,
    Entity,
    audit_record,
    audit_records,
    coding_event,
    snapshot_code,
    snapshot_coding,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed
from coding.services.codebook import code_descendant_ids
from coding.services.codings import coding_restore

CODE_FIELDS = ("sort_order", "is_domain", "measurement_level", "value")


@dataclass(frozen=True, slots=True)
class CoderCount:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class CodeImpact:
    """What merging or deleting a code would touch, counted for the asking member."""

    codings: int  # codings of the code itself
    descendant_codings: int  # codings of its sub-codes (all levels)
    children: int  # direct sub-codes
    descendants: int  # sub-codes at every level
    per_coder: tuple[CoderCount, ...]  # the code's own codings; empty if not to be seen


def code_impact(code: Code, access: ProjectAccess) -> CodeImpact:
    """Real counts for the confirmation pages (the merge box used to say 0).

    Only owners and supervisors edit the codebook and they see every coding; the
    per-coder split is still left out for anyone who may not see others' codings.
    """
    ids = code_descendant_ids(code)
    counts = dict(
        Coding.objects.filter(code_id__in=ids)
        .values_list("code_id")
        .annotate(n=Count("id"))
        .values_list("code_id", "n")
    )
    per_coder: tuple[CoderCount, ...] = ()
    if access.sees_all_codings:
        rows = (
            Coding.objects.filter(code=code)
            .values_list("coder__username", "coder__first_name")
            .annotate(n=Count("id"))
            .order_by("coder__username")
        )
        per_coder = tuple(
            CoderCount(
                name=first if username.startswith("consensus-") else username, count=n
            )
            for username, first, n in rows
        )
    own = counts.get(code.pk, 0)
    return CodeImpact(
        codings=own,
        descendant_codings=sum(counts.values()) - own,
        children=Code.objects.filter(parent=code).count(),
        descendants=len(ids) - 1,
        per_coder=per_coder,
    )


# ---------------------------------------------------------------- merge


@transaction.atomic
def code_merge(
    *, source: Code, target: Code, actor=None, undoable: bool = True
) -> Code:
    """Merge ``source`` into ``target``: codings and sub-codes move, source goes.

    Where the same coder already coded the same span with ``target``, the source
    coding is dropped and its memo appended to the kept one, so nothing is lost.
    ``undoable=False`` marks a merge that is part of something larger (an actor
    merge), which the trail cannot take back on its own.
    """
    return _merge(source, target, actor=actor, undoable=undoable, nested=False)


def _merge(source: Code, target: Code, *, actor, undoable: bool, nested: bool) -> Code:
    _check_mergeable(source, target)
    record: dict = {"merged_into": target.pk, "undoable": undoable, "nested": nested}
    record.update(_merge_codings(source, target, actor=actor))
    record["adjudications"] = _adjudication_snapshots(source)
    record.update(_merge_children(source, target, actor=actor, undoable=undoable))
    record["description"] = not target.description and bool(source.description)
    if record["description"]:
        target.description = source.description
        target.save(update_fields=["description"])
    audit_record(
        project_id=source.project_id,
        actor=actor,
        action=Action.MERGE,
        entity=Entity.CODE,
        entity_id=source.pk,
        before={
            **snapshot_code(source),
            **_extra_fields(source),
            "merged_into": target.pk,
        },
        after=record,
    )
    codings_changed(project_id=source.project_id)
    source.delete()
    return target


def _extra_fields(code: Code) -> dict:
    return {field: getattr(code, field) for field in CODE_FIELDS}


def _check_mergeable(source: Code, target: Code) -> None:
    if source.pk == target.pk:
        raise ValidationError({"target": _("A code cannot be merged into itself.")})
    if source.project_id != target.project_id:
        raise ValidationError(
            {"target": _("Both codes must belong to the same project.")}
        )
    if target.pk in code_descendant_ids(source):
        raise ValidationError(
            {"target": _("A code cannot be merged into one of its own sub-codes.")}
        )


def _merge_codings(source: Code, target: Code, *, actor) -> dict:
    """Move ``source``'s codings to ``target``; a duplicate gives up its memo."""
    existing = {
        (c.document_id, c.coder_id, c.start, c.end): c
        for c in Coding.objects.select_for_update().filter(code=target)
    }
    moving = list(Coding.objects.select_for_update().filter(code=source))
    moved, dropped, memos = [], [], []
    for coding in moving:
        kept = existing.get(
            (coding.document_id, coding.coder_id, coding.start, coding.end)
        )
        if kept is None:
            moved.append(coding)
        else:
            dropped.append(coding)
    dropped_snapshots = snapshot_codings_with_extras(dropped)
    for coding in dropped:
        kept = existing[(coding.document_id, coding.coder_id, coding.start, coding.end)]
        memo_before = kept.memo
        _drop_duplicate(coding, kept, actor=actor)
        if kept.memo != memo_before:
            memos.append([kept.pk, memo_before, kept.memo])
    _recode(moved, target, actor=actor)
    return {
        "codings": [c.pk for c in moved],
        "dropped": dropped_snapshots,
        "memos": memos,
    }


def _recode(codings: list[Coding], code: Code, *, actor) -> None:
    """Give ``codings`` another code in one UPDATE, each change in the audit trail
    (a merge and its undo both move codings this way)."""
    Coding.objects.filter(pk__in=[c.pk for c in codings]).update(code=code)
    events = []
    for coding in codings:
        before = snapshot_coding(coding)
        coding.code = code
        events.append(
            coding_event(
                coding,
                actor=actor,
                action=Action.UPDATE,
                before=before,
                after=snapshot_coding(coding),
            )
        )
    audit_records(events)


def _drop_duplicate(coding: Coding, kept: Coding, *, actor) -> None:
    """Delete ``coding``, appending its memo to ``kept`` (same span, same coder)."""
    events = [
        coding_event(
            coding, actor=actor, action=Action.DELETE, before=snapshot_coding(coding)
        )
    ]
    if coding.memo and coding.memo not in kept.memo:
        kept_before = snapshot_coding(kept)
        kept.memo = f"{kept.memo}\n\n{coding.memo}".strip()
        kept.revision += 1
        kept.save(update_fields=["memo", "revision"])
        events.append(
            coding_event(
                kept,
                actor=actor,
                action=Action.UPDATE,
                before=kept_before,
                after=snapshot_coding(kept),
            )
        )
    audit_records(events)
    coding.delete()


def _adjudication_snapshots(source: Code) -> list[dict]:
    """Decisions on the source code (they go with it; an undo brings them back)."""
    return [
        {
            "document": a.document_id,
            "coder_a": a.coder_a_id,
            "coder_b": a.coder_b_id,
            "start": a.start,
            "end": a.end,
            "decision": a.decision,
            "consensus_coding_ids": a.consensus_coding_ids,
            "decided_by": a.decided_by_id,
            "decided_at": a.decided_at.isoformat(),
        }
        for a in Adjudication.objects.filter(code=source)
    ]


def _merge_children(source: Code, target: Code, *, actor, undoable: bool) -> dict:
    """Sub-codes move under ``target``; one with a sibling's name merges into it."""
    moved, merges = [], []
    for child in Code.objects.filter(parent=source):
        clash = Code.objects.filter(parent=target, name=child.name).first()
        if clash is not None:
            child_id = child.pk
            _merge(child, clash, actor=actor, undoable=undoable, nested=True)
            merges.append(_last_merge_event(source.project_id, child_id).pk)
            continue
        before = snapshot_code(child)
        child.parent = target
        child.save(update_fields=["parent"])
        audit_record(
            project_id=child.project_id,
            actor=actor,
            action=Action.UPDATE,
            entity=Entity.CODE,
            entity_id=child.pk,
            before=before,
            after=snapshot_code(child),
        )
        moved.append(child.pk)
    return {"children": moved, "child_merges": merges}


def _last_merge_event(project_id: int, code_id: int) -> AuditEvent:
    return AuditEvent.objects.filter(
        project_id=project_id,
        entity=Entity.CODE,
        entity_id=code_id,
        action=Action.MERGE,
    ).latest("at", "id")


# ---------------------------------------------------------------- undo


@transaction.atomic
def code_merge_undo(*, event: AuditEvent, actor) -> Code:
    """Put a merged code back: the code, its codings, sub-codes and decisions.

    Refused, with the reason, when anything since stands in the way (a code of the
    same name, a moved coding changed or deleted, the target gone). The role is
    read again now; the event row is locked so two clicks undo once.
    """
    require_role_now(actor, event.project_id, Cap.EDIT_CODEBOOK)
    event = AuditEvent.objects.select_for_update().get(pk=event.pk)
    if event.entity != Entity.CODE or event.action != Action.MERGE:
        raise _refused(_("this event is not a merge"))
    blocked = merge_undo_blocked(event)
    if blocked:
        raise ValidationError(
            {
                "non_field_errors": _("This merge cannot be undone: %(why)s.")
                % {"why": blocked}
            }
        )
    code = _undo(event, actor=actor)
    codings_changed(project_id=event.project_id)
    return code


def _undo(event: AuditEvent, *, actor) -> Code:
    before, after = event.before, event.after
    target = Code.objects.filter(
        pk=after.get("merged_into"), project_id=event.project_id
    ).first()
    if target is None:
        raise _refused(_("the code it was merged into has been deleted since"))
    code = _recreate_code(event.project_id, before)
    for nested_id in after.get("child_merges", []):
        nested = AuditEvent.objects.select_for_update().get(
            pk=nested_id, project_id=event.project_id
        )
        _undo(nested, actor=actor)
    _move_codings_back(after.get("codings", []), target, code, actor=actor)
    _move_children_back(after.get("children", []), target, code, actor=actor)
    _bring_back_dropped(after, code, actor=actor)
    _bring_back_adjudications(after.get("adjudications", []), code)
    if after.get("description") and target.description == code.description:
        target.description = ""
        target.save(update_fields=["description"])
    event.after = {**after, "undone": True}
    event.save(update_fields=["after"])
    audit_record(
        project_id=code.project_id,
        actor=actor,
        action=Action.RESTORE,
        entity=Entity.CODE,
        entity_id=code.pk,
        after={**snapshot_code(code), "merge_undone": event.pk},
    )
    return code


def _refused(why: str) -> ValidationError:
    return ValidationError(
        {"non_field_errors": _("This merge cannot be undone: %(why)s.") % {"why": why}}
    )


def _recreate_code(project_id: int, before: dict) -> Code:
    parent_id = before.get("parent")
    if (
        parent_id
        and not Code.objects.filter(pk=parent_id, project_id=project_id).exists()
    ):
        raise _refused(_("its parent code has been deleted since"))
    if Code.objects.filter(
        project_id=project_id, parent_id=parent_id, name=before["name"]
    ).exists():
        raise _refused(
            _("a code named “%(name)s” stands in its place now")
            % {"name": before["name"]}
        )
    if Code.objects.filter(pk=before["id"]).exists():
        raise _refused(_("the code exists again already"))
    shortcut = before.get("shortcut") or ""
    if (
        shortcut
        and Code.objects.filter(project_id=project_id, shortcut=shortcut).exists()
    ):
        shortcut = ""  # another code took the key since; the code comes back without
    return Code.objects.create(
        pk=before["id"],
        project_id=project_id,
        parent_id=parent_id,
        name=before["name"],
        description=before.get("description", ""),
        color=before["color"],
        shortcut=shortcut,
        **{field: before[field] for field in CODE_FIELDS if field in before},
    )


def _move_codings_back(ids: list[int], target: Code, code: Code, *, actor) -> None:
    codings = list(Coding.objects.select_for_update().filter(pk__in=ids, code=target))
    if len(codings) != len(ids):
        missing = len(ids) - len(codings)
        raise _refused(
            _("%(count)d of the codings that moved have been deleted or recoded since")
            % {"count": missing}
        )
    _recode(codings, code, actor=actor)


def _move_children_back(ids: list[int], target: Code, code: Code, *, actor) -> None:
    children = list(Code.objects.filter(pk__in=ids, parent=target))
    if len(children) != len(ids):
        raise _refused(_("a sub-code that moved along has been moved or deleted since"))
    for child in children:
        before = snapshot_code(child)
        child.parent = code
        child.save(update_fields=["parent"])
        audit_record(
            project_id=child.project_id,
            actor=actor,
            action=Action.UPDATE,
            entity=Entity.CODE,
            entity_id=child.pk,
            before=before,
            after=snapshot_code(child),
        )


def _bring_back_dropped(after: dict, code: Code, *, actor) -> None:
    """Duplicates dropped by the merge come back; the kept codings lose the memo
    they were given (unless someone edited it since)."""
    for kept_id, memo_before, memo_after in after.get("memos", []):
        Coding.objects.filter(pk=kept_id, memo=memo_after).update(memo=memo_before)
    for snapshot in after.get("dropped", []):
        coding_restore(snapshot={**snapshot, "code": code.pk}, actor=actor)


def _bring_back_adjudications(snapshots: list[dict], code: Code) -> None:
    """Decisions come back where their document and coders still exist."""
    users = set(
        get_user_model()
        .objects.filter(
            pk__in={
                s[key]
                for s in snapshots
                for key in ("coder_a", "coder_b", "decided_by")
            }
        )
        .values_list("pk", flat=True)
    )
    documents = set(
        code.project.documents.filter(
            pk__in={s["document"] for s in snapshots}
        ).values_list("pk", flat=True)
    )
    snapshots = [
        s
        for s in snapshots
        if s["document"] in documents and {s["coder_a"], s["coder_b"]} <= users
    ]
    Adjudication.objects.bulk_create(
        [
            Adjudication(
                document_id=s["document"],
                code=code,
                coder_a_id=s["coder_a"],
                coder_b_id=s["coder_b"],
                start=s["start"],
                end=s["end"],
                decision=s["decision"],
                consensus_coding_ids=s["consensus_coding_ids"],
                decided_by_id=s["decided_by"] if s.get("decided_by") in users else None,
                decided_at=parse_datetime(s["decided_at"]),
            )
            for s in snapshots
        ],
        ignore_conflicts=True,
    )
