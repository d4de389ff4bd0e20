"""REFI-QDA exchange: Regie's rows ⇄ the plain objects of ``interop.refi``.

Reading and writing files is ``interop.refi``'s job; this module maps. Export:
``project_to_refi`` (a member's view of a project) and ``codebook_to_refi``.
Import: ``import_preview`` says what a file would create without writing
anything, ``project_import_refi`` creates it in one transaction, and
``codebook_import_qdc`` adds a ``.qdc`` to a project's codebook through the
codebook service (``codebook_import_preview`` says first what it would change).
``interop.services.project_files.project_import_file`` is the one entry point for an
uploaded project: a Regie
backup (a ``.qdpx`` with a ``regie/`` folder) is restored by
``interop.services.backup``, any other ``.qdpx`` is imported as REFI-QDA.

How a REFI-QDA project becomes Regie rows:

* users are matched by name to existing accounts (user name, case-insensitive)
  that the importer may name (``nameable_accounts``: teammates, or anyone for an
  administrator); the others become inactive placeholder accounts without a usable password,
  named after the file's users. All of them become coders of the project; the
  importing user becomes its owner. Codings without a coder are the importer's.
* codes keep hierarchy, colour (inherited from the parent when missing) and
  description; notes on a code are appended to its description.
* text sources become documents (speaker turns detected as for any import);
  every selection's codings become codings of exactly the same characters (the
  reader already converted positions to code points of the normalised text), with
  the selection's description and notes as memo. A passage with a memo but no
  code gets the code "Memo (imported)", so the memo is not lost.
* cases become cases, their variables case attributes (as text); a source's own
  variables go to its case, or to a new case named after the source.
* notes on sources or on the whole project are added to the project description;
  sets have no place in Regie and are listed in the warnings.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coding.access import ProjectAccess
from coding.codebook_csv import CodebookRow
from coding.importing import detect_turns
from coding.models import (
    Case,
    Code,
    Coding,
    Document,
    Membership,
    Project,
    Role,
    SpeakerTurn,
)
from coding.registry import CodebookFormat
from coding.services.audit import (
    Action,
    Entity,
    audit_event,
    audit_records,
    codes_created,
    coding_event,
    snapshot_coding,
    snapshot_document,
    snapshot_membership,
)
from coding.services.changes import codings_changed
from coding.services.codebook import (
    DEFAULT_COLOR,
    codebook_import_file,
    codebook_import_rows,
)
from coding.services.codings import count_words
from interop.refi import (
    OFFSET_UNIT_LABELS,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiProject,
    RefiSelection,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    VariableType,
    iter_codes,
    read_qdc,
    read_qde,
    read_qdpx,
)
from interop.refi.model import GUID_NAMESPACE

User = get_user_model()
ORIGIN = "Regie 0.1"
MEMO_CODE_COLOR = "#c0c0c0"
BATCH = 5000
_USERNAME_BAD = re.compile(r"[^\w.@+-]+")


# ---------------------------------------------------------------------------
# GUIDs
# ---------------------------------------------------------------------------


def _project_salt(project: Project) -> str:
    # The creation time keeps GUIDs of two installations' "project 3" apart.
    return f"{project.pk}:{project.created_at.isoformat()}"


def regie_guid(project: Project, kind: str, pk: object) -> str:
    """A stable GUID for a row of ``project`` (same row, same GUID in every export)."""
    return str(
        uuid.uuid5(GUID_NAMESPACE, f"regie:{_project_salt(project)}:{kind}:{pk}")
    )


def user_guid(username: str) -> str:
    """Users get the same GUID in every project, so other tools can merge them."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"regie-user:{username}"))


# ---------------------------------------------------------------------------
# Export: rows → RefiProject / RefiCodebook
# ---------------------------------------------------------------------------


def _code_tree(project: Project) -> list[RefiCode]:
    codes = list(Code.objects.filter(project=project))
    by_parent: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        by_parent[code.parent_id].append(code)

    def build(parent_id: int | None) -> list[RefiCode]:
        return [
            RefiCode(
                guid=regie_guid(project, "code", code.pk),
                name=code.name,
                color=code.color.lower(),
                description=code.description,
                children=build(code.pk),
            )
            for code in sorted(
                by_parent.get(parent_id, []), key=lambda c: (c.sort_order, c.name, c.pk)
            )
        ]

    return build(None)


def codebook_to_refi(project: Project) -> RefiCodebook:
    """The project's codebook as a REFI-QDA codebook (hierarchy, colours, definitions)."""
    return RefiCodebook(codes=_code_tree(project), origin=ORIGIN)


def _text_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def project_to_refi(access: ProjectAccess) -> RefiProject:
    """Everything of the project this member may see, as a REFI-QDA project.

    Codings become text selections: one selection per passage, coder and memo
    (the memo is the selection's description), holding a coding per code.
    Blind coding applies: a coder's export holds only the codings they may see.
    """
    project = access.project
    usernames = _export_usernames(access)
    cases = list(Case.objects.filter(project=project).order_by("label", "pk"))
    documents = list(Document.objects.filter(project=project).order_by("pk"))
    selections = _selections(access, usernames)
    return RefiProject(
        name=project.name,
        users=[
            RefiUser(guid=user_guid(name), name=name)
            for _pk, name in sorted(usernames.items(), key=lambda item: item[1])
        ],
        codes=_code_tree(project),
        variables=_variables(project, cases),
        cases=_refi_cases(project, cases, documents),
        sources=[
            _refi_source(project, document, usernames, selections)
            for document in documents
        ],
        origin=ORIGIN,
        description=project.description,
    )


def _export_usernames(access: ProjectAccess) -> dict[int, str]:
    """User id → name of everyone an export names: members, the coders of the
    codings this member may see, those who imported a document."""
    project = access.project
    return dict(
        User.objects.values_list("pk", "username").filter(
            pk__in=set(project.memberships.values_list("user_id", flat=True))
            | set(
                access.visible_codings()
                .order_by()
                .values_list("coder_id", flat=True)
                .distinct()
            )
            | set(
                Document.objects.filter(
                    project=project, imported_by__isnull=False
                ).values_list("imported_by_id", flat=True)
            )
        )
    )


def _variables(project: Project, cases: list[Case]) -> list[RefiVariable]:
    names = sorted({name for case in cases for name in (case.attributes or {})})
    return [
        RefiVariable(
            guid=regie_guid(project, "variable", name),
            name=name,
            type=VariableType.TEXT,
        )
        for name in names
    ]


def _refi_cases(
    project: Project, cases: list[Case], documents: list[Document]
) -> list[RefiCase]:
    case_sources: dict[int, list[str]] = defaultdict(list)
    for document in documents:
        if document.case_id:
            case_sources[document.case_id].append(
                regie_guid(project, "document", document.pk)
            )
    return [
        RefiCase(
            guid=regie_guid(project, "case", case.pk),
            name=case.label,
            variables={
                name: _text_value(value)
                for name, value in (case.attributes or {}).items()
            },
            source_guids=case_sources.get(case.pk, []),
        )
        for case in cases
    ]


def _selections(
    access: ProjectAccess, usernames: dict[int, str]
) -> dict[int, list[RefiSelection]]:
    """Document id → its selections: one per passage, coder and memo, holding a
    coding per code."""
    project = access.project
    code_guids = {
        code_id: regie_guid(project, "code", code_id)
        for code_id in Code.objects.filter(project=project).values_list("pk", flat=True)
    }
    selections: dict[int, list[RefiSelection]] = defaultdict(list)
    groups: dict[tuple[int, int, int, int, str], RefiSelection] = {}
    codings = (
        access.visible_codings()
        .order_by("document_id", "start", "end", "coder_id", "id")
        .values_list("pk", "document_id", "code_id", "coder_id", "start", "end", "memo")
    )
    for pk, document_id, code_id, coder_id, start, end, memo in codings.iterator(
        chunk_size=BATCH
    ):
        key = (document_id, start, end, coder_id, memo)
        selection = groups.get(key)
        if selection is None:
            selection = groups[key] = RefiSelection(
                guid=regie_guid(project, "selection", pk),
                start=start,
                end=end,
                description=memo,
            )
            selections[document_id].append(selection)
        coder = usernames.get(coder_id)
        selection.codings.append(
            RefiCoding(code_guids[code_id], user_guid(coder) if coder else None)
        )
    return selections


def _refi_source(
    project: Project,
    document: Document,
    usernames: dict[int, str],
    selections: dict[int, list[RefiSelection]],
) -> RefiTextSource:
    return RefiTextSource(
        guid=regie_guid(project, "document", document.pk),
        name=document.title,
        text=document.text,
        creating_user=user_guid(usernames[document.imported_by_id])
        if document.imported_by_id in usernames
        else None,
        creation_datetime=document.imported_at,
        selections=selections.get(document.pk, []),
    )


# ---------------------------------------------------------------------------
# Reading an uploaded project file
# ---------------------------------------------------------------------------


def read_project_file(data: bytes, filename: str = "project.qdpx") -> RefiProject:
    """Read a ``.qdpx`` (or a bare ``.qde``); raises ``RefiError`` with a readable message."""
    if filename.lower().endswith(".qde") and not data.startswith(b"PK\x03\x04"):
        return read_qde(data, filename=filename)
    return read_qdpx(data)


# ---------------------------------------------------------------------------
# Import planning: who is who, what will be created
# ---------------------------------------------------------------------------


@dataclass
class UserPlan:
    """What one user of the file becomes: an existing account or a new placeholder."""

    guid: str
    name: str
    username: str
    existing_id: int | None  # None: a placeholder account will be created


def _username_from(name: str, fallback: str) -> str:
    cleaned = _USERNAME_BAD.sub("_", " ".join(name.split())).strip("_.")[:140]
    return cleaned or fallback


def nameable_accounts(importer, *, trusted: bool = False) -> set[int] | None:
    """The existing accounts an imported file may name as its users (``None``: any).

    A file's user names are only words: matched to anyone's account, an upload could
    attach codings and roles to a stranger. So an upload matches the importer's
    teammates (people who share a project with them) and the importer; other
    names become new placeholder accounts. Administrators (staff, or the command
    line: ``trusted``) match every account.
    """
    if trusted or importer.is_staff or importer.is_superuser:
        return None
    projects = Membership.objects.filter(user=importer).values("project_id")
    ids = set(
        Membership.objects.filter(project_id__in=projects).values_list(
            "user_id", flat=True
        )
    )
    ids.add(importer.pk)
    return ids


def plan_users(
    refi: RefiProject, importer, *, trusted: bool = False
) -> dict[str, UserPlan]:
    """Map every user GUID the file uses to an account (by name), without writing."""
    guids: dict[str, str] = {user.guid: user.name for user in refi.users}
    for source in refi.sources:
        for selection in source.selections:
            for coding in selection.codings:
                if coding.user_guid and coding.user_guid not in guids:
                    guids[coding.user_guid] = ""
    consensus_ids = set(
        Project.objects.filter(consensus_user__isnull=False).values_list(
            "consensus_user_id", flat=True
        )
    )
    nameable = nameable_accounts(importer, trusted=trusted)
    plans: dict[str, UserPlan] = {}
    taken: set[str] = set()
    for guid, name in guids.items():
        fallback = f"refi-user-{guid[:8]}"
        candidates = [n for n in (name.strip(), _username_from(name, fallback)) if n]
        found = None
        for candidate in dict.fromkeys(candidates):
            found = (
                User.objects.filter(username__iexact=candidate)
                .exclude(pk__in=consensus_ids)
                .order_by("pk")
                .first()
            )
            if found is not None:
                break
        if found is not None and (nameable is None or found.pk in nameable):
            plans[guid] = UserPlan(guid, name, found.username, found.pk)
            continue
        base = _username_from(name, fallback)
        username, number = base, 2
        while (
            username.lower() in taken
            or User.objects.filter(username__iexact=username).exists()
        ):
            username = f"{base}-{number}"
            number += 1
        taken.add(username.lower())
        plans[guid] = UserPlan(guid, name or username, username, None)
    # The importer is themselves whenever the file names them.
    for plan in plans.values():
        if plan.existing_id == importer.pk:
            plan.username = importer.username
    return plans


def _coding_count(refi: RefiProject) -> int:
    return sum(
        len(selection.codings) or int(bool(selection.description or selection.notes))
        for source in refi.sources
        for selection in source.selections
    )


def import_preview(refi: RefiProject, *, importer) -> dict:
    """What ``project_import_refi`` would create, as JSON-ready data; writes nothing.

    Warnings are rendered in the active language.
    """
    plans = plan_users(refi, importer)
    return {
        "name": refi.name,
        "origin": refi.origin,
        "counts": {
            "sources": len(refi.sources),
            "codes": len(iter_codes(refi.codes)),
            "codings": _coding_count(refi),
            "users": len(plans),
            "cases": len(refi.cases),
            "variables": len(refi.variables),
            "notes": len(refi.notes),
            "sets": len(refi.sets),
        },
        "users": [
            {
                "name": plan.name,
                "username": plan.username,
                "existing": plan.existing_id is not None,
            }
            for plan in plans.values()
        ],
        "sources": [
            {
                "name": source.name,
                "characters": len(source.text),
                "codings": sum(len(s.codings) for s in source.selections),
                "offset_unit": str(source.offset_unit),
                "offset_unit_label": str(OFFSET_UNIT_LABELS[source.offset_unit]),
                "warnings": [str(w) for w in source.warnings],
            }
            for source in refi.sources
        ],
        "warnings": [str(w) for w in refi.warnings] + _mapping_warnings(refi),
    }


def _mapping_warnings(refi: RefiProject) -> list[str]:
    """What Regie itself cannot take over (beyond what the reader reported)."""
    warnings: list[str] = []
    if refi.sets:
        warnings.append(
            _("Regie has no sets; these sets were not imported: %(names)s.")
            % {"names": ", ".join(f"“{s.name}”" for s in refi.sets)}
        )
    if any(case.description for case in refi.cases):
        warnings.append(
            _(
                "Case descriptions were not imported: Regie's cases have attributes only."
            )
        )
    memo_only = sum(
        1
        for source in refi.sources
        for selection in source.selections
        if not selection.codings and (selection.description or selection.notes)
    )
    if memo_only:
        warnings.append(
            ngettext(
                "%(count)d passage has a memo but no code; it gets the code “%(code)s”.",
                "%(count)d passages have a memo but no code; they get the code “%(code)s”.",
                memo_only,
            )
            % {"count": memo_only, "code": _("Memo (imported)")}
        )
    loose_notes = _loose_notes(refi)
    if loose_notes:
        warnings.append(
            ngettext(
                "%(count)d note belongs to a source or the whole project; it is added "
                "to the project description.",
                "%(count)d notes belong to a source or the whole project; they are added "
                "to the project description.",
                len(loose_notes),
            )
            % {"count": len(loose_notes)}
        )
    empty = [source.name for source in refi.sources if not source.text.strip()]
    if empty:
        warnings.append(
            _("Sources without text were not imported: %(names)s.")
            % {"names": ", ".join(f"“{n}”" for n in empty)}
        )
    return warnings


def _loose_notes(refi: RefiProject) -> list:
    code_guids = {code.guid for code in iter_codes(refi.codes)}
    selection_guids = {
        selection.guid for source in refi.sources for selection in source.selections
    }
    return [
        note
        for note in refi.notes
        if not any(t in code_guids or t in selection_guids for t in note.targets)
    ]


# ---------------------------------------------------------------------------
# Import: RefiProject → rows, in one transaction
# ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    project: Project
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _clean_code_name(name: str) -> str:
    return " ".join((name or "").split())[:200] or _("Unnamed code")


def _unique(name: str, taken: set[str], limit: int) -> str:
    candidate, number = name, 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = name[: limit - len(suffix)] + suffix
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _note_text(note) -> str:
    return f"{note.name}: {note.text}" if note.name else note.text


def _variable_text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _text_value(value)


def _create_codes(
    project: Project, refi: RefiProject, note_texts: dict[str, list[str]], actor
) -> dict[str, Code]:
    by_guid: dict[str, Code] = {}
    level = [(None, code) for code in refi.codes]
    order: dict[int, int] = {}
    while level:
        rows: list[Code] = []
        guids: list[str] = []
        taken: dict[int | None, set[str]] = defaultdict(set)
        next_level = []
        for parent, refi_code in level:
            parent_key = id(parent) if parent is not None else None
            index = order.get(parent_key, 0)
            order[parent_key] = index + 1
            description = "\n\n".join(
                part
                for part in [
                    refi_code.description.strip(),
                    *note_texts.get(refi_code.guid, []),
                ]
                if part
            )
            code = Code(
                project=project,
                parent=parent,
                name=_unique(_clean_code_name(refi_code.name), taken[parent_key], 200),
                description=description,
                color=(
                    refi_code.color or (parent.color if parent else DEFAULT_COLOR)
                ).lower(),
                sort_order=index,
            )
            rows.append(code)
            guids.append(refi_code.guid)
            next_level.extend((code, child) for child in refi_code.children)
        Code.objects.bulk_create(rows, batch_size=BATCH)
        by_guid.update(zip(guids, rows, strict=True))
        level = next_level
    codes_created(by_guid.values(), actor=actor)
    return by_guid


def _create_users(plans: dict[str, UserPlan]) -> dict[str, int]:
    """User id per GUID; placeholder accounts are created here."""
    ids: dict[str, int] = {}
    for plan in plans.values():
        if plan.existing_id is not None:
            ids[plan.guid] = plan.existing_id
            continue
        user = User(
            username=plan.username,
            first_name=plan.name[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        ids[plan.guid] = user.pk
    return ids


def _create_cases(
    project: Project, refi: RefiProject
) -> tuple[dict[str, Case], list[str]]:
    """Cases by GUID, plus the case GUID of every source (or ``""``)."""
    taken: set[str] = set()
    cases: dict[str, Case] = {}
    for refi_case in refi.cases:
        label = _unique(" ".join(refi_case.name.split())[:200] or _("Case"), taken, 200)
        cases[refi_case.guid] = Case(
            project=project,
            label=label,
            attributes={k: _variable_text(v) for k, v in refi_case.variables.items()},
        )
    case_of: dict[str, str] = {}
    for refi_case in refi.cases:
        for source_guid in refi_case.source_guids:
            case_of.setdefault(source_guid, refi_case.guid)
    for source in refi.sources:
        if not source.variables or not source.text.strip():
            continue
        values = {k: _variable_text(v) for k, v in source.variables.items()}
        guid = case_of.get(source.guid)
        if guid is None:
            guid = f"source:{source.guid}"
            label = _unique(
                " ".join(source.name.split())[:200] or _("Case"), taken, 200
            )
            cases[guid] = Case(project=project, label=label, attributes=values)
            case_of[source.guid] = guid
        else:
            attributes = cases[guid].attributes
            for key, value in values.items():
                attributes.setdefault(key, value)
    Case.objects.bulk_create(cases.values(), batch_size=BATCH)
    return cases, [case_of.get(source.guid, "") for source in refi.sources]


@transaction.atomic
def project_import_refi(
    *, refi: RefiProject, owner, name: str | None = None, trusted: bool = False
) -> ImportResult:
    """Create a new project from a REFI-QDA project, all or nothing.

    ``owner`` becomes the owner; see the module docstring for the mapping. Rows are
    written in bulk; the audit trail records every membership, code, document and
    coding as created by ``owner``.
    """
    now = timezone.now()
    project = Project.objects.create(
        name=" ".join((name or refi.name or "").split())[:200] or _("Imported project"),
        description=_description_with_loose_notes(refi),
        created_by=owner,
        created_at=now,
    )
    plans = plan_users(refi, owner, trusted=trusted)
    user_ids = _create_users(plans)
    memberships = _create_memberships(project, owner, user_ids)
    code_notes, selection_notes = _notes_by_target(refi)
    codes = _create_codes(project, refi, code_notes, owner)
    cases, source_cases = _create_cases(project, refi)
    documents = _create_documents(project, refi, cases, source_cases, owner, now)
    rows = _CodingRows(project, codes, owner, user_ids, selection_notes, now)
    for source, document in documents:
        rows.add_source(source, document)
    created = _create_codings(rows, owner)
    codings_changed(project_id=project.pk)
    return ImportResult(
        project=project,
        counts={
            "documents": len(documents),
            "codes": len(codes) + (rows.memo_code is not None),
            "codings": len(created),
            "cases": len(cases),
            "members": len(memberships),
            "placeholder_users": sum(
                1 for p in plans.values() if p.existing_id is None
            ),
        },
        warnings=[str(w) for w in refi.all_warnings()] + _mapping_warnings(refi),
    )


def _description_with_loose_notes(refi: RefiProject) -> str:
    """The project's description, with the notes attached to nothing Regie keeps
    (the project, a source) listed below it."""
    description = refi.description.strip()
    loose = _loose_notes(refi)
    if not loose:
        return description
    source_names = {source.guid: source.name for source in refi.sources}
    lines = []
    for note in loose:
        where = [source_names[t] for t in note.targets if t in source_names]
        suffix = f" ({', '.join(where)})" if where else ""
        lines.append(f"– {_note_text(note)}{suffix}")
    heading = _("Notes from the imported project:")
    return "\n\n".join(
        part for part in [description, heading + "\n" + "\n".join(lines)] if part
    )


def _create_memberships(
    project: Project, owner, user_ids: dict[str, int]
) -> list[Membership]:
    """The owner, then everyone the file names (as coders), recorded in the trail."""
    memberships = [Membership(project=project, user=owner, role=Role.OWNER)]
    for user_id in dict.fromkeys(user_ids.values()):
        if user_id != owner.pk:
            memberships.append(
                Membership(project=project, user_id=user_id, role=Role.CODER)
            )
    Membership.objects.bulk_create(memberships)
    audit_records(
        audit_event(
            project_id=project.pk,
            actor=owner,
            action=Action.CREATE,
            entity=Entity.MEMBERSHIP,
            entity_id=m.pk,
            coder_id=m.user_id,
            after=snapshot_membership(m),
        )
        for m in Membership.objects.filter(project=project).select_related("user")
    )
    return memberships


def _notes_by_target(
    refi: RefiProject,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Note texts by the code they are attached to, and by the selection."""
    code_notes: dict[str, list[str]] = defaultdict(list)
    selection_notes: dict[str, list[str]] = defaultdict(list)
    code_guids = {code.guid for code in iter_codes(refi.codes)}
    for note in refi.notes:
        for target in note.targets:
            if target in code_guids:
                code_notes[target].append(_note_text(note))
            else:
                selection_notes[target].append(_note_text(note))
    return code_notes, selection_notes


def _create_documents(
    project: Project,
    refi: RefiProject,
    cases: dict[str, Case],
    source_cases: list[str],
    owner,
    now: datetime,
) -> list[tuple[RefiTextSource, Document]]:
    """A document per source with text, its speaker turns, recorded in the trail."""
    documents: list[tuple[RefiTextSource, Document]] = []
    for source, case_guid in zip(refi.sources, source_cases, strict=True):
        if source.text.strip():
            case = cases[case_guid] if case_guid else None
            documents.append((source, _document(project, source, case, owner, now)))
    Document.objects.bulk_create([d for _s, d in documents], batch_size=100)
    SpeakerTurn.objects.bulk_create(
        (
            SpeakerTurn(
                document=document,
                number=number,
                speaker=turn.speaker[:200],
                start=turn.start,
                end=turn.end,
                started_at_ms=turn.started_at_ms,
                ended_at_ms=turn.ended_at_ms,
            )
            for _source, document in documents
            for number, turn in enumerate(detect_turns(document.text), start=1)
        ),
        batch_size=BATCH,
    )
    audit_records(
        audit_event(
            project_id=project.pk,
            actor=owner,
            action=Action.CREATE,
            entity=Entity.DOCUMENT,
            entity_id=document.pk,
            document_id=document.pk,
            after=snapshot_document(document),
        )
        for _source, document in documents
    )
    return documents


def _document(
    project: Project, source: RefiTextSource, case: Case | None, owner, now: datetime
) -> Document:
    text = source.text
    return Document(
        project=project,
        case=case,
        title=(" ".join(source.name.split()) or _("Untitled"))[:300],
        text=text,
        length=len(text),
        source_name=source.name[:300],
        source_format="qdpx",
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        word_count=count_words(text),
        imported_at=now,
        imported_by=owner,
    )


class _CodingRows:
    """The codings of an import: one per (passage, code, coder), the passage's
    memo on each; a passage with a memo and no code gets the memo code."""

    def __init__(
        self,
        project: Project,
        codes: dict[str, Code],
        owner,
        user_ids: dict[str, int],
        selection_notes: dict[str, list[str]],
        now: datetime,
    ) -> None:
        self.project = project
        self.codes = codes
        self.owner = owner
        self.user_ids = user_ids
        self.selection_notes = selection_notes
        self.now = now
        self.memo_code: Code | None = None
        self.rows: dict[tuple[int, int, int, int, int], Coding] = {}

    def add_source(self, source: RefiTextSource, document: Document) -> None:
        for selection in source.selections:
            memo = "\n\n".join(
                part
                for part in [
                    selection.description.strip(),
                    *self.selection_notes.get(selection.guid, []),
                ]
                if part
            )
            for code, coder_id in self._entries(selection, memo):
                self._add(document, selection, code, coder_id, memo)

    def _entries(self, selection, memo: str) -> list[tuple[Code, int]]:
        owner_id = self.owner.pk
        entries: list[tuple[Code, int]] = []
        for coding in selection.codings:
            coder_id = self.user_ids.get(coding.user_guid) if coding.user_guid else None
            entries.append((self.codes[coding.code_guid], coder_id or owner_id))
        if not entries and memo:
            if self.memo_code is None:
                self.memo_code = _memo_code(self.project, self.codes, self.owner)
            entries.append((self.memo_code, owner_id))
        return entries

    def _add(
        self, document: Document, selection, code: Code, coder_id: int, memo: str
    ) -> None:
        key = (document.pk, code.pk, coder_id, selection.start, selection.end)
        existing = self.rows.get(key)
        if existing is not None:
            if memo and memo not in existing.memo:
                existing.memo = "\n\n".join(p for p in [existing.memo, memo] if p)
            return
        self.rows[key] = Coding(
            document=document,
            code=code,
            coder_id=coder_id,
            start=selection.start,
            end=selection.end,
            memo=memo,
            word_count=count_words(document.text[selection.start : selection.end]),
            created_at=self.now,
            updated_at=self.now,
        )


def _create_codings(rows: _CodingRows, owner) -> list[Coding]:
    created = Coding.objects.bulk_create(rows.rows.values(), batch_size=BATCH)
    audit_records(
        coding_event(c, actor=owner, action=Action.CREATE, after=snapshot_coding(c))
        for c in created
    )
    return created


def _memo_code(project: Project, codes: dict[str, Code], actor) -> Code:
    roots = {c.name.casefold() for c in codes.values() if c.parent_id is None}
    code = Code.objects.create(
        project=project,
        name=_unique(_("Memo (imported)"), roots, 200),
        description=_("Passages that had a memo but no code in the imported project."),
        color=MEMO_CODE_COLOR,
        sort_order=len(roots),
    )
    codes_created([code], actor=actor)
    return code


# ---------------------------------------------------------------------------
# Codebook (.qdc) into an existing project
# ---------------------------------------------------------------------------


def codebook_rows_from_refi(codebook: RefiCodebook) -> list[CodebookRow]:
    """The codes of a REFI-QDA codebook as codebook rows (paths from the root)."""
    rows: list[CodebookRow] = []

    def walk(codes: list[RefiCode], prefix: tuple[str, ...]) -> None:
        for code in codes:
            path = (*prefix, _clean_code_name(code.name))
            rows.append(
                CodebookRow(
                    path=path,
                    description=code.description.strip(),
                    color=code.color or "",
                )
            )
            walk(code.children, path)

    walk(codebook.codes, ())
    return rows


@transaction.atomic
def codebook_import_qdc(*, project: Project, codebook: RefiCodebook, actor) -> dict:
    """Add a ``.qdc``'s codes to the codebook (existing codes are updated, none deleted).

    Returns ``{"created", "updated", "warnings"}``.
    """
    result = codebook_import_rows(
        project=project, rows=codebook_rows_from_refi(codebook), actor=actor
    )
    warnings = [str(w) for w in codebook.warnings]
    if codebook.sets:
        warnings.append(
            _("Regie has no sets; these sets were not imported: %(names)s.")
            % {"names": ", ".join(f"“{s.name}”" for s in codebook.sets)}
        )
    return {**result, "warnings": warnings}


def qdc_accepts(filename: str, data: bytes) -> bool:
    """A ``.qdc`` by name, or any XML: a CSV never starts with ``<``."""
    looks_like_xml = data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")
    return filename.lower().endswith(".qdc") or looks_like_xml


def qdc_load(project: Project, data: bytes, filename: str, actor) -> dict:
    """Read a ``.qdc`` and add its codes; a ``RefiError`` is a ``ValueError``."""
    return codebook_import_qdc(
        project=project, codebook=read_qdc(data, filename=filename), actor=actor
    )


QDC_FORMAT = CodebookFormat(key="qdc", accepts=qdc_accepts, load=qdc_load)


@dataclass
class CodebookPreview:
    """What a codebook import would do: the codes it adds and the codes it changes."""

    created: list[str] = field(default_factory=list)  # paths, in the file's order
    updated: list[tuple[str, list[str]]] = field(default_factory=list)  # path, changes
    warnings: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated)


def _code_paths(rows: list[tuple[int, int | None, str]]) -> dict[int, str]:
    parents = {pk: (parent_id, name) for pk, parent_id, name in rows}
    paths: dict[int, str] = {}

    def path(pk: int) -> str:
        if pk not in paths:
            parent_id, name = parents[pk]
            paths[pk] = f"{path(parent_id)} > {name}" if parent_id else name
        return paths[pk]

    for pk in parents:
        path(pk)
    return paths


def codebook_import_preview(
    *, project: Project, data: bytes, filename: str, actor
) -> CodebookPreview:
    """What ``codebook_import_file`` would add and change; nothing is kept.

    The import itself runs in a transaction that is rolled back, so the preview
    cannot differ from what the import does. Raises ``ValidationError`` like the
    import when the file cannot be read or a code cannot be added.
    """
    codes = Code.objects.filter(project=project).order_by("pk")
    before = {
        pk: (d, c) for pk, d, c in codes.values_list("pk", "description", "color")
    }
    with transaction.atomic():
        result = codebook_import_file(
            project=project, data=data, filename=filename, actor=actor
        )
        after = list(
            codes.values_list("pk", "parent_id", "name", "description", "color")
        )
        transaction.set_rollback(True)
    paths = _code_paths([(pk, parent_id, name) for pk, parent_id, name, *_ in after])
    preview = CodebookPreview(warnings=list(result["warnings"]))
    for pk, _parent_id, _name, description, color in after:
        if pk not in before:
            preview.created.append(paths[pk])
            continue
        changes = []
        if description != before[pk][0]:
            changes.append(_("definition"))
        if color != before[pk][1]:
            changes.append(_("colour"))
        if changes:
            preview.updated.append((paths[pk], changes))
    return preview
