"""Where satellite apps plug into the core: the one way the core calls out.

The core (``coding``) never imports a satellite (``agreement``, ``analysis``,
``interop``, ``network``). Where it must reach one — a coding's extra fields, what
happens when codings change, the demo project, the document page's tools, the tables
a backup carries — the satellite registers a hook here from its ``AppConfig.ready()``
and the core calls whatever is registered. Registering the same key twice keeps the
first (``ready()`` may run more than once in tests).

Every hook is a plain dataclass of callables, so a reader sees the whole contract in
this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from django.http import HttpRequest

    from coding.access import ProjectAccess
    from coding.models import Coding, Document, Project


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
    is merged into the page's context under ``key``. ``head_template`` and
    ``body_template`` are included by the page when set.
    """

    key: str
    context: Callable[[HttpRequest, ProjectAccess, Document], dict[str, Any]]
    head_template: str = ""
    body_template: str = ""


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


codings_changed_hooks: Hooks[CodingsChangedHook] = Hooks()
demo_steps: Hooks[DemoStep] = Hooks()
document_tools: Hooks[DocumentTool] = Hooks()
backup_parts: Hooks[BackupPart] = Hooks()
coding_extras: Hooks[CodingExtra] = Hooks()
alias_sources: Hooks[AliasSource] = Hooks()


def notify_codings_changed(
    project_id: int, code_ids: Iterable[int] | None = None
) -> None:
    """Call every registered ``CodingsChangedHook`` (inside the caller's transaction)."""
    ids = None if code_ids is None else sorted(set(code_ids))
    for hook in codings_changed_hooks:
        hook.changed(project_id, ids)
