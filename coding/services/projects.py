"""Projects and their memberships."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.models import Membership, Project, Role
from coding.services.audit import Action, Entity, audit_record, snapshot_membership
from coding.services.codebook import codebook_load_default

User = get_user_model()


@transaction.atomic
def project_create(
    *,
    name: str,
    owner,
    description: str = "",
    codebook: str = "regie",
    blind_coding: bool = True,
) -> Project:
    """Create a project owned by ``owner``, starting from the regie codebook or empty."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A project needs a name.")})
    if codebook not in {"regie", "empty"}:
        raise ValidationError(
            {"codebook": _("Choose the regie codebook or an empty one.")}
        )
    project = Project.objects.create(
        name=name[:200],
        description=description,
        created_by=owner,
        blind_coding=blind_coding,
    )
    membership = Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    _audit_membership(
        membership,
        actor=owner,
        action=Action.CREATE,
        after=snapshot_membership(membership),
    )
    if codebook == "regie":
        codebook_load_default(project=project, actor=owner)
    return project


def _audit_membership(
    membership: Membership, *, actor, action: str, before=None, after=None
):
    audit_record(
        project_id=membership.project_id,
        actor=actor,
        action=action,
        entity=Entity.MEMBERSHIP,
        entity_id=membership.pk,
        coder_id=membership.user_id,
        before=before,
        after=after,
    )


@transaction.atomic
def membership_set(
    *, project: Project, username: str, role: str, actor=None
) -> Membership:
    """Add a user to the project or change their role; keeps at least one owner."""
    username = (username or "").strip()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(
            {"username": _("There is no user “%(name)s”.") % {"name": username}}
        )
    membership = (
        Membership.objects.select_for_update()
        .filter(project=project, user=user)
        .first()
    )
    if membership is None:
        membership = Membership.objects.create(project=project, user=user, role=role)
        _audit_membership(
            membership,
            actor=actor,
            action=Action.CREATE,
            after=snapshot_membership(membership),
        )
        return membership
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(project=project, leaving=membership)
    before = snapshot_membership(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    _audit_membership(
        membership,
        actor=actor,
        action=Action.UPDATE,
        before=before,
        after=snapshot_membership(membership),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor=None) -> None:
    if membership.role == Role.OWNER:
        _ensure_another_owner(project=membership.project, leaving=membership)
    _audit_membership(
        membership,
        actor=actor,
        action=Action.DELETE,
        before=snapshot_membership(membership),
    )
    membership.delete()


def _ensure_another_owner(*, project: Project, leaving: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.OWNER)
        .exclude(pk=leaving.pk)
    )
    if not others.exists():
        raise ValidationError(
            {"role": _("A project needs at least one owner; add another owner first.")}
        )


@transaction.atomic
def project_update(
    *, project: Project, name: str, description: str, blind_coding: bool
) -> Project:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A project needs a name.")})
    project.name = name[:200]
    project.description = description
    project.blind_coding = blind_coding
    project.save(update_fields=["name", "description", "blind_coding"])
    return project
