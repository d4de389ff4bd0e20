"""Restoring from the audit trail: bring back a deleted coding from its last snapshot.

``coding_restore`` (in ``coding.services.codings``) does the writing; this module
decides whether an event may be restored and, if not, says why in words a
supervisor can act on.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coding.access import Cap, require_role_now
from coding.models import AuditEvent, Code, CodebookVersion, Coding, Document
from coding.services.codings import coding_restore

Action = AuditEvent.Action
Entity = AuditEvent.Entity
SNAPSHOT_KEYS = ("document", "code", "coder", "start", "end")


def _deleted_name(project_id: int, entity: str, entity_id: int, key: str) -> str:
    """The last name (or title) the trail knows for a deleted code or document."""
    name = (
        AuditEvent.objects.filter(
            project_id=project_id,
            entity=entity,
            entity_id=entity_id,
            action=Action.DELETE,
        )
        .values_list(f"before__{key}", flat=True)
        .first()
    )
    return name or f"#{entity_id}"


def _text_changed_since(event: AuditEvent, document_id: int) -> bool:
    """Did the document's text change after the coding was deleted?

    A document's text can only change while it has no codings, so a span of a
    deleted coding may since point at other words.
    """
    changes = AuditEvent.objects.filter(
        project_id=event.project_id,
        entity=Entity.DOCUMENT,
        entity_id=document_id,
        action=Action.UPDATE,
        at__gte=event.at,
    ).values_list("before__checksum", "after__checksum")
    return any(before != after for before, after in changes)


def _already_there() -> ValidationError:
    return ValidationError(
        {
            "non_field_errors": _(
                "This coding exists again already (restored earlier or coded anew); "
                "nothing was restored."
            )
        }
    )


@transaction.atomic
def audit_restore_coding(*, event: AuditEvent, actor) -> Coding:
    """Recreate the coding a ``delete`` event recorded, and record a ``restore``.

    Only for ``entity == coding`` and ``action == delete``. The caller has checked
    that ``actor`` may supervise the event's project. Locks the event row, so two
    clicks on "Restore" make one coding.
    """
    _check_restorable(event)
    # The role counts as it is now, not as it was when the page was loaded.
    require_role_now(actor, event.project_id, Cap.SUPERVISE)
    # Lock the event: a second click waits here, then finds the coding back.
    list(AuditEvent.objects.select_for_update().filter(pk=event.pk).values("pk"))
    snapshot = _coding_snapshot(event)
    document = _document_still_there(event, snapshot)
    _check_code_and_coder(event, snapshot)
    _check_same_text(event, snapshot, document)
    _check_not_back_yet(snapshot)
    _forget_deleted_version(event, snapshot)
    return _restore(snapshot, actor=actor)


def _check_restorable(event: AuditEvent) -> None:
    if event.entity != Entity.CODING or event.action != Action.DELETE:
        raise ValidationError(
            {
                "non_field_errors": _(
                    "Only a deleted coding can be restored; this event is “%(action)s "
                    "%(entity)s”."
                )
                % {
                    "action": event.get_action_display(),
                    "entity": event.get_entity_display(),
                }
            }
        )


def _coding_snapshot(event: AuditEvent) -> dict:
    snapshot = dict(event.before or {})
    if any(not isinstance(snapshot.get(key), int) for key in SNAPSHOT_KEYS):
        raise ValidationError(
            {
                "non_field_errors": _(
                    "This event does not hold enough of the coding to restore it."
                )
            }
        )
    return snapshot


def _document_still_there(event: AuditEvent, snapshot: dict) -> Document:
    document = (
        Document.objects.without_text()
        .filter(pk=snapshot["document"], project_id=event.project_id)
        .first()
    )
    if document is None:
        title = _deleted_name(
            event.project_id, Entity.DOCUMENT, snapshot["document"], "title"
        )
        raise ValidationError(
            {
                "document": _(
                    "The document “%(title)s” has been deleted, so its coding cannot "
                    "come back."
                )
                % {"title": title}
            }
        )
    return document


def _check_code_and_coder(event: AuditEvent, snapshot: dict) -> None:
    if not Code.objects.filter(
        pk=snapshot["code"], project_id=event.project_id
    ).exists():
        name = _deleted_name(event.project_id, Entity.CODE, snapshot["code"], "name")
        raise ValidationError(
            {
                "code": _(
                    "The code “%(name)s” has been deleted (or merged into another); "
                    "add the coding again by hand if it is still wanted."
                )
                % {"name": name}
            }
        )
    if not get_user_model().objects.filter(pk=snapshot["coder"]).exists():
        raise ValidationError(
            {"coder": _("The coder of this coding no longer has an account.")}
        )


def _check_same_text(event: AuditEvent, snapshot: dict, document: Document) -> None:
    if snapshot["end"] > document.length or _text_changed_since(event, document.pk):
        raise ValidationError(
            {
                "document": _(
                    "The text of “%(title)s” changed after this coding was deleted, "
                    "so its span would mark other words."
                )
                % {"title": document.title}
            }
        )


def _check_not_back_yet(snapshot: dict) -> None:
    if Coding.objects.filter(
        document_id=snapshot["document"],
        code_id=snapshot["code"],
        coder_id=snapshot["coder"],
        start=snapshot["start"],
        end=snapshot["end"],
    ).exists():
        raise _already_there()


def _forget_deleted_version(event: AuditEvent, snapshot: dict) -> None:
    """A codebook version deleted since is not pointed at by the restored coding."""
    version_id = snapshot.get("codebook_version")
    if (
        version_id is not None
        and not CodebookVersion.objects.filter(
            pk=version_id, project_id=event.project_id
        ).exists()
    ):
        snapshot["codebook_version"] = None


def _restore(snapshot: dict, *, actor) -> Coding:
    try:
        with transaction.atomic():
            coding = coding_restore(snapshot=snapshot, actor=actor)
    except IntegrityError as error:  # a concurrent restore of the same coding won
        raise _already_there() from error
    if coding is None:  # document or code went in the meantime
        raise ValidationError(
            {"non_field_errors": _("The coding's document or code is gone.")}
        )
    return coding
