"""Where satellite apps plug into the core: the one way the core calls out.

The core (``coding``) never imports a satellite (``agreement``, ``analysis``,
``interop``, ``network``). Where it must reach one — what happens when codings
change, a coding's extra fields (in the trail and in the API), the document page's
tools, the demo project, the tables a backup carries, actor aliases, codebook file
formats, the relation cells of coded segments, the steps of the first-steps
checklist, a transcript just imported or read — the satellite registers a hook here
from its ``AppConfig.ready()`` and the core calls whatever is registered. Registering the same key twice keeps the
first (``ready()`` may run more than once in tests).

Every hook is a plain dataclass of callables, so a reader sees the whole contract in
this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest
    from rest_framework.serializers import Field

    from coding.access import ProjectAccess
    from coding.models import Coding, Document, Project
    from coding.services.codings import CodingSpec


class _Keyed(Protocol):
    key: str


HookT = TypeVar("HookT", bound=_Keyed)


class Hooks(list[HookT]):
    """An ordered list of hooks of one kind, unique by ``key``."""

    def register(self, hook: HookT) -> HookT:
        if all(known.key != hook.key for known in self):
            self.append(hook)
        return hook


@dataclass(frozen=True, slots=True)
class CodingsChangedHook:
    """Told, inside the writing transaction, that codings of a project changed.

    ``code_ids`` names the codes whose codings changed, or is ``None`` when any code
    may be affected (a document's case moved, a code was merged). Hooks must be cheap:
    they mark results stale and enqueue on commit, never compute.
    """

    key: str
    changed: Callable[[int, Sequence[int] | None], None]


@dataclass(frozen=True, slots=True)
class DemoStep:
    """Adds a satellite's part to the freshly created demo project.

    ``load(project, users)`` runs inside the demo's transaction after the core has
    loaded documents and codings; ``users`` maps demo user names to users.
    """

    key: str
    load: Callable[[Project, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class DocumentTool:
    """A tool on the document page (the network's relation form, say).

    ``context(request, access, document)`` returns what the tool's templates need; it
    is merged into the page's context under ``key`` (and each template gets it as
    ``tool``). ``head_template`` (in the page's ``<head>``), ``body_template`` (after
    the page's content) and ``palette_template`` (in the code palette's hint line)
    are included by the page when set. ``card_template`` (under a coding's heading)
    and ``card_actions_template`` (beside its buttons, for who may edit it) are
    included in each coding's card of the page's side panel, with the card's
    ``row`` (``row.coding``) and the panel's ``project``, ``document`` and
    ``layer_ids``.

    For the page's script: ``page_data(context)`` names ``data-*`` attributes of the
    ``#workbench`` element (``{"relation-url": url}`` becomes
    ``data-relation-url``), and ``code_fields(context)`` adds fields to each code of
    the palette (``{"flow": {code_id: "material"}}``; codes not named get ``""``).
    """

    key: str
    context: Callable[[HttpRequest, ProjectAccess, Document], dict[str, Any]]
    head_template: str = ""
    body_template: str = ""
    palette_template: str = ""
    card_template: str = ""
    card_actions_template: str = ""
    page_data: Callable[[dict[str, Any]], dict[str, str]] | None = None
    code_fields: Callable[[dict[str, Any]], dict[str, dict[int, str]]] | None = None


@dataclass(frozen=True, slots=True)
class BackupPart:
    """The rows a satellite keeps for a project, carried by a full backup.

    ``dump(project)`` returns JSON-ready rows; ``restore(project, rows, ids)`` writes
    them back into a new project, where ``ids`` maps each core table's old ids to new
    ones (``ids["coding.Coding"][old_id] == new_id``). Runs inside the restore's
    transaction: raise ``ValidationError`` to refuse the whole backup.
    """

    key: str
    dump: Callable[[Project], list[dict[str, Any]]]
    restore: Callable[[Project, list[dict[str, Any]], dict[str, dict[int, int]]], None]


@dataclass(frozen=True, slots=True)
class CodingExtra:
    """What another app keeps beside a coding (the network app: its relation
    fields), so that a deleted coding comes back whole from the trail or by undo.

    ``dump`` reads the extras of many codings in one query (id → fields);
    ``restore`` writes them back for a recreated coding, or raises a
    ``ValidationError`` that says why they cannot come back.
    """

    key: str
    dump: Callable[[Sequence[int]], dict[int, dict]]
    restore: Callable[[Coding, dict], None]


@dataclass(frozen=True, slots=True)
class AliasSource:
    """Names under which the codes of a project are mentioned in the transcripts
    (the network app: its actors and their aliases), for counting mentions.

    ``aliases(project_id)`` maps code ids to their names and aliases; an empty dict
    when the source knows none for the project (the codebook's names then serve).
    """

    key: str
    aliases: Callable[[int], dict[int, list[str]]]


@dataclass(frozen=True, slots=True)
class CodingApiExtra:
    """Fields another app adds to a coding in the REST API (the network app: a
    relation's actors, flow type, direction and regularity on ``/codings/``).

    Serializer fields (fresh instances on each call, for the answer and the schema):
    ``read_fields()`` are appended to the coding's output, ``create_fields()`` to
    the create input and ``update_fields()`` to the PATCH input;
    ``select_related`` is what the output needs loaded with each coding.

    Create: ``claims(item)`` says the item (validated input) carries this extra's
    fields, so it may leave ``code`` out; ``validate(item)`` then checks one item's
    fields against each other (raise DRF's ``ValidationError``). ``resolve(project,
    items)`` checks the fields of all items against the database (raise Django's
    ``ValidationError``; it may fill in an item's ``code``) and returns what
    ``create(specs, resolved, coder, many)`` needs to write the codings with their
    extras, all or none.

    PATCH: ``update(coding, values, actor)`` gets the values of ``update_fields``
    that were sent, inside the transaction that updated the coding.
    """

    key: str
    read_fields: Callable[[], dict[str, Field]]
    create_fields: Callable[[], dict[str, Field]]
    update_fields: Callable[[], dict[str, Field]]
    select_related: tuple[str, ...]
    claims: Callable[[dict[str, Any]], bool]
    validate: Callable[[dict[str, Any]], None]
    resolve: Callable[[Project, list[dict[str, Any]]], Any]
    create: Callable[[list[CodingSpec], Any, AbstractBaseUser, bool], list[Coding]]
    update: Callable[[Coding, dict[str, Any], AbstractBaseUser], None]


@dataclass(frozen=True, slots=True)
class CodebookFormat:
    """A codebook file format besides the core's CSV (the interop app: REFI-QDA
    ``.qdc``), for the codebook page's and the API's import.

    ``accepts(filename, data)`` says whether the file is of this format;
    ``load(project, data, filename, actor)`` adds its codes and returns
    ``{"created", "updated", "warnings"}``, or raises ``ValueError`` with a reason a
    researcher understands (nothing is written then).
    """

    key: str
    accepts: Callable[[str, bytes], bool]
    load: Callable[[Project, bytes, str, Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RelationColumns:
    """Where the relation cells of a coded segment come from (the network app).

    A segment record ends with five relation cells — source actor, target actor,
    flow, mutual, occasional — that the exports name as columns. ``lookups`` are the
    five ORM paths from a ``Coding`` to them; ``present(project_id)`` says cheaply
    whether a project has any, so projects without relations skip the joins.
    """

    key: str
    lookups: tuple[str, str, str, str, str]
    present: Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class FirstStep:
    """A step of the project page's first-steps checklist (``coding.first_steps``);
    the core has its own, satellites add theirs (agreement, export).

    ``position`` orders the steps (the core's are 10, 20, … 60); ``label`` is a
    translatable string; ``shown(access)`` says whether the member's role does this
    step; ``done(access)`` whether the project's state ticks it (for what this member
    may see, blind coding kept); ``url(project)`` is the page where it is done.
    """

    key: str
    position: int
    label: Any
    shown: Callable[[ProjectAccess], bool]
    done: Callable[[ProjectAccess], bool]
    url: Callable[[Project], str]


@dataclass(frozen=True, slots=True)
class DocumentsImportedHook:
    """Told, inside the import's transaction, that transcripts were imported (the
    privacy app: marks them for review and asks a worker for suggestions).

    ``imported(documents, actor)``; hooks must be cheap and enqueue on commit.
    """

    key: str
    imported: Callable[[Sequence[Document], Any], None]


@dataclass(frozen=True, slots=True)
class DocumentReadHook:
    """Told that a member read a transcript's text: its page was opened or the API
    gave it out (the privacy app: the access log owners read).

    ``read(document, user)``; hooks must be cheap (one insert).
    """

    key: str
    read: Callable[[Document, Any], None]


codings_changed_hooks: Hooks[CodingsChangedHook] = Hooks()
document_read_hooks: Hooks[DocumentReadHook] = Hooks()
documents_imported_hooks: Hooks[DocumentsImportedHook] = Hooks()
demo_steps: Hooks[DemoStep] = Hooks()
document_tools: Hooks[DocumentTool] = Hooks()
backup_parts: Hooks[BackupPart] = Hooks()
coding_extras: Hooks[CodingExtra] = Hooks()
alias_sources: Hooks[AliasSource] = Hooks()
codebook_formats: Hooks[CodebookFormat] = Hooks()
relation_columns: Hooks[RelationColumns] = Hooks()
coding_api_extras: Hooks[CodingApiExtra] = Hooks()
first_steps: Hooks[FirstStep] = Hooks()


def notify_document_read(document: Document, user: Any) -> None:
    """Call every registered ``DocumentReadHook``."""
    for hook in document_read_hooks:
        hook.read(document, user)


def notify_documents_imported(documents: Sequence[Document], actor: Any) -> None:
    """Call every registered ``DocumentsImportedHook`` (inside the import's transaction)."""
    if documents:
        for hook in documents_imported_hooks:
            hook.imported(documents, actor)


def notify_codings_changed(
    project_id: int, code_ids: Iterable[int] | None = None
) -> None:
    """Call every registered ``CodingsChangedHook`` (inside the caller's transaction)."""
    ids = None if code_ids is None else sorted(set(code_ids))
    for hook in codings_changed_hooks:
        hook.changed(project_id, ids)
