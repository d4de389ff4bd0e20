"""The only permission gate: fetch an object *and* check the caller may use it.

A non-member gets ``Http404`` (no existence leak); a member without the capability
gets ``PermissionDenied``. Views, the API, tasks and commands all come through here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache, cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from coding.models import Code, Coding, Document, Membership, Project, Role
from coding.text_cache import VERSION_SQL, transcript_texts
from regie_site import sql


class Cap(enum.Enum):
    """What a request needs to do; mapped onto ``Role`` capabilities."""

    VIEW = "view"
    CODE = "code"
    EDIT_CODEBOOK = "edit_codebook"
    MANAGE_DOCUMENTS = "manage_documents"
    MANAGE_MEMBERS = "manage_members"
    SUPERVISE = "supervise"


def role_has(role: Role, need: Cap) -> bool:
    if need is Cap.VIEW:
        return True
    if need is Cap.CODE:
        return role.can_code()
    if need is Cap.EDIT_CODEBOOK:
        return role.can_edit_codebook()
    if need is Cap.MANAGE_DOCUMENTS:
        return role.can_manage_documents()
    if need is Cap.MANAGE_MEMBERS:
        return role.can_manage_members()
    if need is Cap.SUPERVISE:
        return role.can_supervise()
    raise ValueError(need)


DENIED_MESSAGES = {
    Cap.VIEW: _("You are not a member of this project."),
    Cap.CODE: _("Your role in this project does not allow coding."),
    Cap.EDIT_CODEBOOK: _("Only owners and supervisors can change the codebook."),
    Cap.MANAGE_DOCUMENTS: _("Only owners and supervisors can add or remove documents."),
    Cap.MANAGE_MEMBERS: _("Only the project's owners can manage its members."),
    Cap.SUPERVISE: _("Only owners and supervisors can do this."),
}


@dataclass(frozen=True)
class ProjectAccess:
    """A project together with the caller's membership in it."""

    project: Project
    user_id: int
    role: Role

    def can(self, need: Cap) -> bool:
        return role_has(self.role, need)

    @property
    def sees_all_codings(self) -> bool:
        return self.role.sees_all_codings(blind=self.project.blind_coding)

    def coder_scope(self) -> tuple[bool, tuple[int, ...]]:
        """Whose codings this member may see, as data: ``(True, hidden)`` is
        everyone's but ``hidden``'s, ``(False, shown)`` only ``shown``'s.

        Under blind coding that is one's own codings; under shared coding everyone's.
        The consensus layer is the supervisors' until they publish it, in both modes.
        """
        consensus_id = self.project.consensus_user_id
        if self.sees_all_codings:
            hidden_consensus = (
                consensus_id is not None
                and not self.project.consensus_published
                and not self.can(Cap.SUPERVISE)
            )
            return True, (consensus_id,) if hidden_consensus else ()
        shown = (self.user_id,)
        if consensus_id and self.project.consensus_published:
            shown += (consensus_id,)
        return False, shown

    def coding_filter(self, prefix: str = "") -> Q:
        """A ``Q`` on codings (reached through ``prefix``) this member may see."""
        return scope_filter(*self.coder_scope(), prefix=prefix)

    def sees_coder(self, coder_id: int) -> bool:
        """May this member see the codings (and name) of ``coder_id``?"""
        consensus_id = self.project.consensus_user_id
        if consensus_id is not None and coder_id == consensus_id:
            return self.project.consensus_published or self.can(Cap.SUPERVISE)
        return self.sees_all_codings or coder_id == self.user_id

    def can_edit_coding(self, coding: Coding) -> bool:
        """May this member change or remove ``coding`` (its memo, a relation's
        fields)? Coders their own; supervisors anyone's."""
        return self.can_edit_codings_of(coding.coder_id)

    def can_edit_codings_of(self, coder_id: int) -> bool:
        """May this member change, remove or bring back codings of ``coder_id``?"""
        if not self.can(Cap.CODE):
            return False
        return coder_id == self.user_id or self.can(Cap.SUPERVISE)

    @cached_property
    def document_ids(self) -> list[int]:
        """The project's document ids in title order, read once per access (one
        request or task); lists of segments are ordered the same way."""
        return list(
            Document.objects.filter(project_id=self.project.pk)
            .order_by("title", "pk")
            .values_list("pk", flat=True)
        )

    def visible_codings(self):
        """Codings this member may see: everyone's, or only their own when blind."""
        # The project's document ids as a list, not a join, and no filter at all
        # when everything is visible: at 200,000 codings the database can then
        # count and group them from an index alone (several times faster).
        return self.visible_codings_in(self.document_ids)

    def visible_codings_in(self, document_ids: list[int]):
        """``visible_codings`` of some of the project's documents (the caller
        checked they are the project's)."""
        codings = Coding.objects.filter(document_id__in=document_ids)
        visible = self.coding_filter()
        if visible == Q(pk__isnull=False):
            return codings
        return codings.filter(visible)


def scope_filter(everyone: bool, coders: tuple[int, ...], prefix: str = "") -> Q:
    """The ``Q`` of a ``ProjectAccess.coder_scope()`` (``Q(pk__isnull=False)``:
    every coding)."""
    if not everyone:
        return Q(**{f"{prefix}coder_id__in": coders})
    if coders:
        return ~Q(**{f"{prefix}coder_id__in": coders})
    return Q(**{f"{prefix}pk__isnull": False})


def _row_id(value) -> int:
    """An id as the statements take it; anything that names no row is a 404."""
    number = sql.row_id(value)
    if number is None:
        raise Http404
    return number


@cache
def _member_query() -> str:
    return (
        f"SELECT m.role, {sql.columns(Project, 'p')} FROM {sql.table(Membership)} m "
        f"JOIN {sql.table(Project)} p ON p.id = m.project_id "
        f"WHERE m.project_id = %s AND m.user_id = %s"
    )


def _member_role(user, project_id: int) -> tuple[Project, Role]:
    """The project and the caller's role in it (one hand-written statement: it
    runs on nearly every request)."""
    project_id = _row_id(project_id)
    if not user.is_authenticated:
        raise Http404
    with sql.prepared_cursor() as cursor:
        cursor.execute(_member_query(), [project_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return sql.instance(Project, row[1:]), Role(row[0])


def access_project(user, project_id: int, *, need: Cap = Cap.VIEW) -> ProjectAccess:
    project, role = _member_role(user, project_id)
    if not role_has(role, need):
        raise PermissionDenied(DENIED_MESSAGES[need])
    return ProjectAccess(project=project, user_id=user.pk, role=role)


def require_role_now(user, project_id: int, need: Cap) -> ProjectAccess:
    """The member's role read again, its row locked, at the moment an action writes.

    Call inside the action's transaction: a role changed between the request's
    first check (or an undo entry's push) and the write is the one that counts.
    """
    membership = (
        Membership.objects.select_for_update()
        .select_related("project")
        .filter(project_id=project_id, user_id=getattr(user, "pk", user))
        .first()
    )
    if membership is None:
        raise PermissionDenied(DENIED_MESSAGES[Cap.VIEW])
    role = Role(membership.role)
    if not role_has(role, need):
        raise PermissionDenied(DENIED_MESSAGES[need])
    return ProjectAccess(
        project=membership.project, user_id=membership.user_id, role=role
    )


def access_document(
    user, project_id: int, document_id: int, *, need: Cap = Cap.VIEW
) -> tuple[ProjectAccess, Document]:
    """The document with its text and the caller's membership, read in one
    query. The text comes from this process's cache (``coding.text_cache``) when
    it holds this version of the row: then the query reads no text."""
    texts = transcript_texts()
    if texts.holds(sql.row_id(document_id)):
        access, document, version = _document_access(
            user, project_id, document_id, need, with_text=False
        )
        text = texts.text(document.pk, version)
        if text is not None:
            document.text = text
            return access, document
    access, document, version = _document_access(
        user, project_id, document_id, need, with_text=True
    )
    texts.keep(document.pk, version, document.text)
    return access, document


_TEXT = ("text",)


def _document_access(
    user,
    project_id: int,
    document_id: int,
    need: Cap,
    *,
    with_text: bool,
) -> tuple[ProjectAccess, Document, str]:
    """The access, the document (its text deferred unless ``with_text``) and the
    row's version, by one statement: 404 for a non-member or a document that is
    not the project's, 403 without ``need``."""
    project_id, document_id = _row_id(project_id), _row_id(document_id)
    if not user.is_authenticated:
        raise Http404
    with sql.prepared_cursor() as cursor:
        params = {"user": user.pk, "document": document_id, "project": project_id}
        cursor.execute(_document_query(with_text), params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        access_project(user, project_id, need=need)  # 404 or 403 as for the project
        raise Http404
    role = Role(row[0])
    if not role_has(role, need):
        raise PermissionDenied(DENIED_MESSAGES[need])
    omit = () if with_text else _TEXT
    split = 1 + sql.width(Document, omit)
    document = sql.instance(Document, row[1:split], omit)
    after = split + sql.width(Project)
    document.project = sql.instance(Project, row[split:after])
    access = ProjectAccess(project=document.project, user_id=user.pk, role=role)
    return access, document, row[after]


@cache
def _document_query(with_text: bool) -> str:
    """The role (``NULL`` for a non-member), the document (without its text
    unless ``with_text``), its project, and the row's version."""
    omit = () if with_text else _TEXT
    return (
        f"SELECT m.role, {sql.columns(Document, 'd', omit)}, "
        f"{sql.columns(Project, 'p')}, {VERSION_SQL} "
        f"FROM {sql.table(Document)} d JOIN {sql.table(Project)} p ON p.id = d.project_id "
        f"LEFT JOIN {sql.table(Membership)} m ON m.project_id = d.project_id "
        f"AND m.user_id = %(user)s WHERE d.id = %(document)s "
        f"AND d.project_id = %(project)s"
    )


def access_code(
    user, project_id: int, code_id: int, *, need: Cap = Cap.VIEW
) -> tuple[ProjectAccess, Code]:
    access = access_project(user, project_id, need=need)
    code = Code.objects.filter(pk=code_id, project_id=project_id).first()
    if code is None:
        raise Http404
    return access, code


def access_coding(
    user, coding_id: int, *, need: Cap = Cap.VIEW, project_id: int | None = None
) -> tuple[ProjectAccess, Coding]:
    """A coding the caller may see; changing it needs its coder or a supervisor.

    Under blind coding another coder's coding does not exist for the caller (404),
    so not even its existence leaks through an error message.
    """
    coding = (
        Coding.objects.select_related("document", "code").filter(pk=coding_id).first()
    )
    if coding is None:
        raise Http404
    if project_id is not None and coding.document.project_id != project_id:
        raise Http404
    access = access_project(user, coding.document.project_id, need=Cap.VIEW)
    if not access.sees_coder(coding.coder_id):
        raise Http404
    if need is not Cap.VIEW:
        if not access.can(Cap.CODE):
            raise PermissionDenied(DENIED_MESSAGES[Cap.CODE])
        if coding.coder_id != user.pk and not access.can(Cap.SUPERVISE):
            raise PermissionDenied(_("You can only change your own codings."))
    return access, coding
