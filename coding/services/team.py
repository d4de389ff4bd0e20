"""Team coding: assignments, the consensus layer and adjudication of differences.

The consensus layer is the codings of a special, inactive user per project
(``Project.consensus_user``). Adjudication only ever *adds to* that layer; the coders'
own codings are never changed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.access import Cap, require_role_now
from coding.models import (
    Adjudication,
    Assignment,
    AssignmentStatus,
    Code,
    Coding,
    Document,
    Membership,
    Project,
)
from coding.services.audit import Action, Entity, audit_record, snapshot_assignment
from coding.services.codings import coding_create, coding_delete, validate_span

User = get_user_model()


@transaction.atomic
def consensus_user_for(project: Project):
    """The project's consensus coder, created on first use (never logs in)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.consensus_user_id:
        return project.consensus_user
    user = User(
        username=f"consensus-{project.pk}", is_active=False, first_name="Consensus"
    )
    user.set_unusable_password()
    user.save()
    project.consensus_user = user
    project.save(update_fields=["consensus_user"])
    return user


@transaction.atomic
def consensus_publish(*, project: Project, published: bool, actor=None) -> Project:
    if actor is not None:
        require_role_now(actor, project.pk, Cap.SUPERVISE)
    project.consensus_published = published
    project.save(update_fields=["consensus_published"])
    return project


def _audit_assignment(
    assignment: Assignment, *, actor, action, before=None, after=None
):
    audit_record(
        project_id=assignment.project_id,
        actor=actor,
        action=action,
        entity=Entity.ASSIGNMENT,
        entity_id=assignment.pk,
        document_id=assignment.document_id,
        coder_id=assignment.coder_id,
        before=before,
        after=after,
    )


@transaction.atomic
def assignment_create(*, document: Document, coder, actor=None) -> Assignment:
    """Give a document to a coder (a member who may code); no duplicates."""
    membership = Membership.objects.filter(
        project_id=document.project_id, user=coder
    ).first()
    if membership is None or not membership.role_enum.can_code():
        raise ValidationError(
            {
                "coder": _("%(user)s is not a coder in this project.")
                % {"user": coder.username}
            }
        )
    existing = Assignment.objects.filter(document=document, coder=coder).first()
    if existing is not None:
        return existing
    started = Coding.objects.filter(document=document, coder=coder).exists()
    assignment = Assignment.objects.create(
        project_id=document.project_id,
        document=document,
        coder=coder,
        status=AssignmentStatus.IN_PROGRESS
        if started
        else AssignmentStatus.NOT_STARTED,
        assigned_by=actor,
    )
    _audit_assignment(
        assignment,
        actor=actor,
        action=Action.CREATE,
        after=snapshot_assignment(assignment),
    )
    return assignment


@transaction.atomic
def assignment_set_status(
    *, assignment: Assignment, status: str, actor=None
) -> Assignment:
    if status not in AssignmentStatus.values:
        raise ValidationError(
            {"status": _("Unknown status “%(status)s”.") % {"status": status}}
        )
    before = snapshot_assignment(assignment)
    assignment.status = status
    assignment.updated_at = timezone.now()
    assignment.save(update_fields=["status", "updated_at"])
    _audit_assignment(
        assignment,
        actor=actor,
        action=Action.UPDATE,
        before=before,
        after=snapshot_assignment(assignment),
    )
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment, actor=None) -> None:
    _audit_assignment(
        assignment,
        actor=actor,
        action=Action.DELETE,
        before=snapshot_assignment(assignment),
    )
    assignment.delete()


def _consensus_spans(
    decision: str,
    a_spans: list[tuple[int, int]],
    b_spans: list[tuple[int, int]],
    edited,
) -> list[tuple[int, int]]:
    if decision == Adjudication.Decision.ACCEPT_A:
        return a_spans
    if decision == Adjudication.Decision.ACCEPT_B:
        return b_spans
    if decision == Adjudication.Decision.BOTH:
        return sorted(set(a_spans) | set(b_spans))
    if decision == Adjudication.Decision.EDITED:
        if edited is None:
            raise ValidationError(
                {"start": _("Give the start and end of the edited span.")}
            )
        return [edited]
    return []


@transaction.atomic
def adjudicate(
    *,
    document: Document,
    code: Code,
    coder_a,
    coder_b,
    unit_start: int,
    unit_end: int,
    decision: str,
    actor,
    edited_span: tuple[int, int] | None = None,
) -> Adjudication:
    """Decide one difference unit; the accepted spans go into the consensus layer.

    Deciding the same unit again replaces the consensus codings of the earlier
    decision. The two coders' own codings are read, never changed.
    """
    if actor is not None:  # the role counts as it is at the moment of deciding
        require_role_now(actor, document.project_id, Cap.SUPERVISE)
    if decision not in Adjudication.Decision.values:
        raise ValidationError({"decision": _("Unknown decision.")})
    if code.project_id != document.project_id:
        raise ValidationError({"code": _("The code belongs to another project.")})
    spans_a, spans_b = (
        _unit_spans(document, code, coder, unit_start, unit_end)
        for coder in (coder_a, coder_b)
    )
    if edited_span is not None:
        edited_span = validate_span(document, code, *edited_span)
    accepted = _consensus_spans(decision, spans_a, spans_b, edited_span)
    unit = {
        "document": document,
        "code": code,
        "coder_a": coder_a,
        "coder_b": coder_b,
        "start": unit_start,
        "end": unit_end,
    }
    adjudication = Adjudication.objects.select_for_update().filter(
        **unit
    ).first() or Adjudication(**unit)
    consensus = consensus_user_for(document.project)
    if adjudication.pk is not None:
        _drop_consensus_codings(adjudication, consensus, actor=actor)
    adjudication.decision = decision
    adjudication.consensus_coding_ids = _consensus_codings(
        document, code, consensus, accepted, actor=actor
    )
    adjudication.decided_by = actor
    adjudication.decided_at = timezone.now()
    adjudication.save()
    return adjudication


def _unit_spans(
    document: Document, code: Code, coder, unit_start: int, unit_end: int
) -> list[tuple[int, int]]:
    """One coder's spans of ``code`` overlapping the unit, in order."""
    return sorted(
        Coding.objects.filter(
            document=document,
            code=code,
            coder=coder,
            start__lt=unit_end,
            end__gt=unit_start,
        ).values_list("start", "end")
    )


def _drop_consensus_codings(adjudication: Adjudication, consensus, *, actor) -> None:
    """An earlier decision's consensus codings go before the new decision's come."""
    for old in Coding.objects.filter(
        pk__in=adjudication.consensus_coding_ids, coder=consensus
    ).select_related("document"):
        coding_delete(coding=old, actor=actor)


def _consensus_codings(
    document: Document,
    code: Code,
    consensus,
    spans: list[tuple[int, int]],
    *,
    actor,
) -> list[int]:
    """The consensus codings of ``spans`` (made where missing), as ids."""
    ids = []
    for start, end in spans:
        existing = Coding.objects.filter(
            document=document, code=code, coder=consensus, start=start, end=end
        ).first()
        coding = existing or coding_create(
            document=document,
            code=code,
            coder=consensus,
            start=start,
            end=end,
            actor=actor,
        )
        ids.append(coding.pk)
    return ids


@transaction.atomic
def accept_agreements(*, document: Document, coder_a, coder_b, units, actor) -> int:
    """Put every unit both coders coded identically into the consensus layer."""
    count = 0
    for unit in units:
        if unit.is_difference:
            continue
        code = Code.objects.get(pk=unit.code_id, project_id=document.project_id)
        adjudicate(
            document=document,
            code=code,
            coder_a=coder_a,
            coder_b=coder_b,
            unit_start=unit.start,
            unit_end=unit.end,
            decision=Adjudication.Decision.BOTH,
            actor=actor,
        )
        count += 1
    return count
