"""Actors and flow types of a project, kept in step with its codebook."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding.codebook_default import demo_codebook_nodes
from coding.models import Code, Project
from coding.services.codebook import code_create, code_update
from coding.services.codebook_merge import code_merge
from network import graph
from network.models import (
    Actor,
    ActorKind,
    FlowType,
    NetworkSnapshot,
    NetworkState,
    Relation,
)

ACTOR_ROOT = "Actoren"
ACTOR_ROOT_NAMES = {"actoren", "actors"}
RELATION_ROOT = "Relaties (netwerk)"
RELATION_ROOT_NAMES = {"relaties (netwerk)", "relaties", "relations"}
# The built-in flow types of Figuur 3, with the code each one carries by default.
BUILT_IN_FLOWS = (
    (graph.MATERIAL, "Materiële stroom", True),
    (graph.KNOWLEDGE, "Kennis en expertise", True),
    (graph.OTHER, "Andere relatie", False),
)
MAX_ALIASES = 50


def network_touch(*, project_id: int) -> None:
    """Record that actors or flow types changed, so stored networks become stale."""
    NetworkState.objects.update_or_create(
        project_id=project_id, defaults={"changed_at": timezone.now()}
    )


def _codebook_hints() -> tuple[dict[str, tuple[str, list[str]]], dict[str, str]]:
    """Actor kinds and aliases (of the demo's actors), and flow keys, that the regie
    codebook gives by name."""
    actors: dict[str, tuple[str, list[str]]] = {}
    flows: dict[str, str] = {}

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            if node.get("actor_kind"):
                actors[node["name"]] = (node["actor_kind"], node.get("aliases", []))
            if node.get("flow"):
                flows[node["name"]] = node["flow"]
            walk(node.get("children", []))

    walk(demo_codebook_nodes())
    return actors, flows


def clean_aliases(aliases, *, name: str = "") -> list[str]:
    """Trimmed, single-spaced, without repeats (ignoring case) or the name itself."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = re.split(r"[\n;]", aliases)
    if not isinstance(aliases, list | tuple):
        raise ValidationError({"aliases": _("Give the aliases as a list of names.")})
    seen = {name.casefold()} if name else set()
    cleaned = []
    for alias in aliases:
        if not isinstance(alias, str):
            raise ValidationError({"aliases": _("Every alias must be text.")})
        alias = " ".join(alias.split())
        if not alias or alias.casefold() in seen:
            continue
        if len(alias) > 200:
            raise ValidationError(
                {"aliases": _("An alias can have at most 200 characters.")}
            )
        seen.add(alias.casefold())
        cleaned.append(alias)
    if len(cleaned) > MAX_ALIASES:
        raise ValidationError(
            {
                "aliases": _("An actor can have at most %(n)d aliases.")
                % {"n": MAX_ALIASES}
            }
        )
    return cleaned


def _clean_kind(kind: str | None) -> str:
    kind = (kind or ActorKind.OTHER).strip()
    if kind not in ActorKind.values:
        raise ValidationError(
            {
                "kind": _("Choose one of: %(kinds)s.")
                % {"kinds": ", ".join(ActorKind.values)}
            }
        )
    return kind


def _root(project: Project, names: set[str]) -> Code | None:
    for code in Code.objects.filter(project=project, parent__isnull=True):
        if code.name.casefold() in names:
            return code
    return None


def actor_root(*, project: Project, create: bool = False, actor=None) -> Code | None:
    """The codebook's "Actoren" root, under which new actors go by default."""
    root = _root(project, ACTOR_ROOT_NAMES)
    if root is None and create:
        root = code_create(project=project, name=ACTOR_ROOT, actor=actor)
    return root


@transaction.atomic
def actors_from_codebook(*, project: Project) -> list[Actor]:
    """Make an actor of every leaf code under the "Actoren" root that is none yet.

    Kinds and aliases come from the regie codebook where the name matches (its actor
    codes carry ``actor_kind`` and ``aliases``); other actors start as kind "other".
    Returns the actors created.
    """
    root = actor_root(project=project)
    if root is None:
        return []
    codes = list(Code.objects.filter(project=project).only("id", "parent_id", "name"))
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)
    leaves = []
    stack = list(children[root.pk])
    while stack:
        code = stack.pop()
        if children[code.pk]:
            stack.extend(children[code.pk])
        else:
            leaves.append(code)
    taken = set(Actor.objects.filter(project=project).values_list("code_id", flat=True))
    hints, _flows = _codebook_hints()
    created = []
    for code in sorted(leaves, key=lambda c: c.pk):
        if code.pk in taken:
            continue
        kind, aliases = hints.get(code.name, (ActorKind.OTHER, []))
        created.append(
            Actor.objects.create(
                project=project,
                code=code,
                name=code.name,
                kind=kind if kind in ActorKind.values else ActorKind.OTHER,
                aliases=clean_aliases(aliases, name=code.name),
            )
        )
    if created:
        network_touch(project_id=project.pk)
    return created


@transaction.atomic
def flow_types_sync(
    *, project: Project, create_codes: bool = False, actor=None
) -> list[FlowType]:
    """Make a flow type of every relation code that is none yet; returns the new ones.

    Relation codes are the regie codebook's flow codes (by name) and every code under
    the "Relaties (netwerk)" root. With ``create_codes`` the built-in types
    (material, knowledge, other) get a code of their own where the codebook lacks one.
    """
    existing = list(FlowType.objects.filter(project=project))
    keys = {f.key for f in existing}
    root = _root(project, RELATION_ROOT_NAMES)
    shown_by_default = {key: shown for key, _name, shown in BUILT_IN_FLOWS}
    created = []
    for code, wanted in _relation_code_candidates(project, existing, root):
        key = _free_flow_key(wanted, keys)
        created.append(
            _flow_type_create(
                code,
                key,
                label=code.name,
                colour=graph.FLOW_COLOURS.get(key, graph.DEFAULT_FLOW_COLOUR),
                is_default=shown_by_default.get(key, False),
                order=len(existing) + len(created),
            )
        )
    if create_codes:
        created += _built_in_flow_types(
            project, keys, root, order=len(existing) + len(created), actor=actor
        )
    if created:
        network_touch(project_id=project.pk)
    return created


def _relation_code_candidates(
    project: Project, existing: list[FlowType], root: Code | None
) -> list[tuple[Code, str]]:
    """Relation codes without a flow type, each with the key it should get."""
    coded = {f.code_id for f in existing}
    _actors, hints = _codebook_hints()
    candidates = []
    for code in Code.objects.filter(project=project).order_by("sort_order", "id"):
        if code.pk in coded:
            continue
        if code.name in hints:
            candidates.append((code, hints[code.name]))
        elif root is not None and code.parent_id == root.pk:
            candidates.append((code, slugify(code.name)[:40] or f"flow-{code.pk}"))
    return candidates


def _free_flow_key(key: str, keys: set[str]) -> str:
    """``key``, or ``key-2``, ``key-3``... if taken; the result is added to ``keys``."""
    base, n = key, 2
    while key in keys or key == graph.CO_MENTION:
        key = f"{base[:36]}-{n}"
        n += 1
    keys.add(key)
    return key


def _flow_type_create(
    code: Code, key: str, *, label: str, colour: str, is_default: bool, order: int
) -> FlowType:
    return FlowType.objects.create(
        project_id=code.project_id,
        code=code,
        key=key,
        label=label,
        colour=colour,
        is_default=is_default,
        sort_order=order,
    )


def _built_in_flow_types(
    project: Project, keys: set[str], root: Code | None, *, order: int, actor
) -> list[FlowType]:
    """Flow types (with codes under the relations root) for the built-in keys the
    project lacks."""
    created = []
    for key, name, shown in BUILT_IN_FLOWS:
        if key in keys:
            continue
        if root is None:
            root = code_create(project=project, name=RELATION_ROOT, actor=actor)
        code = _built_in_flow_code(project, root, key, name, actor)
        keys.add(key)
        created.append(
            _flow_type_create(
                code,
                key,
                label=name,
                colour=graph.FLOW_COLOURS[key],
                is_default=shown,
                order=order + len(created),
            )
        )
    return created


def _built_in_flow_code(
    project: Project, root: Code, key: str, name: str, actor
) -> Code:
    """The code named for a built-in flow under the root, made if missing or taken."""
    code = Code.objects.filter(project=project, parent=root, name=name).first()
    if code is None or FlowType.objects.filter(code=code).exists():
        code = code_create(
            project=project,
            name=name if code is None else f"{name} ({key})",
            parent=root,
            color=graph.FLOW_COLOURS[key],
            actor=actor,
        )
    return code


def actor_names_sync(*, project: Project) -> int:
    """Copy codebook renames of actor codes onto the actors; returns how many."""
    renamed = 0
    for actor in (
        Actor.objects.filter(project=project)
        .exclude(name=F("code__name"))
        .select_related("code")
    ):
        actor.name = actor.code.name
        actor.save(update_fields=["name"])
        renamed += 1
    if renamed:
        network_touch(project_id=project.pk)
    return renamed


def network_setup(*, project: Project, create_codes: bool = False, actor=None) -> int:
    """Flow types and actors from the codebook, actor names in step with their codes
    (idempotent, a few queries when nothing changed); returns how many are new."""
    flows = flow_types_sync(project=project, create_codes=create_codes, actor=actor)
    actor_names_sync(project=project)
    return len(flows) + len(actors_from_codebook(project=project))


@transaction.atomic
def actor_create(
    *,
    project: Project,
    name: str,
    kind: str | None = None,
    aliases=None,
    parent: Code | None = None,
    actor=None,
) -> Actor:
    """A new actor with its own code (under ``parent``, by default "Actoren").

    ``actor`` is the user the audit trail names for the new code.
    """
    kind = _clean_kind(kind)
    if parent is None:
        parent = actor_root(project=project, create=True, actor=actor)
    elif parent.project_id != project.pk:
        raise ValidationError(
            {"parent": _("The parent code belongs to another project.")}
        )
    code = code_create(project=project, name=name, parent=parent, actor=actor)
    created = Actor.objects.create(
        project=project,
        code=code,
        name=code.name,
        kind=kind,
        aliases=clean_aliases(aliases, name=code.name),
    )
    network_touch(project_id=project.pk)
    return created


@transaction.atomic
def actor_update(
    *,
    actor: Actor,
    name: str | None = None,
    kind: str | None = None,
    aliases=None,
    user=None,
) -> Actor:
    """Rename (the code, audited), change the kind or the aliases of an actor."""
    current = Actor.objects.select_for_update().get(pk=actor.pk)
    fields = []
    if name is not None and name != current.code.name:
        current.code = code_update(code=current.code, name=name, actor=user)
        current.name = current.code.name
        fields.append("name")
    if kind is not None:
        current.kind = _clean_kind(kind)
        fields.append("kind")
    if aliases is not None:
        current.aliases = clean_aliases(aliases, name=current.code.name)
        fields.append("aliases")
    if fields:
        current.save(update_fields=fields)
    network_touch(project_id=current.project_id)
    return current


@dataclass(frozen=True)
class ActorMerge:
    actor: Actor  # the actor that remains
    moved: int  # relations now pointing at it
    dropped: int  # relations between the two, which would have become self-loops


@transaction.atomic
def actor_merge(*, source: Actor, target: Actor, user=None) -> ActorMerge:
    """Merge ``source`` into ``target``: relations, codings and names move along.

    Relations between the two would become an actor's flow to itself; their relation
    fields are dropped (the codings stay, as plain codings of their flow code). The
    source's code is merged into the target's (``code_merge``: its codings move,
    recorded in the audit trail); its name and aliases become the target's aliases.
    Stored networks of the project are removed: they refer to the merged actor.
    """
    if source.pk == target.pk:
        raise ValidationError({"target": _("An actor cannot be merged into itself.")})
    if source.project_id != target.project_id:
        raise ValidationError(
            {"target": _("Both actors must belong to the same project.")}
        )
    source = Actor.objects.select_for_update().get(pk=source.pk)
    target = Actor.objects.select_for_update().get(pk=target.pk)
    between = Q(source_actor=source, target_actor=target) | Q(
        source_actor=target, target_actor=source
    )
    dropped, _detail = Relation.objects.filter(between).delete()
    moved = Relation.objects.filter(source_actor=source).update(source_actor=target)
    moved += Relation.objects.filter(target_actor=source).update(target_actor=target)
    target.aliases = clean_aliases(
        [*target.aliases, source.name, *source.aliases], name=target.name
    )
    target.save(update_fields=["aliases"])
    NetworkSnapshot.objects.filter(project_id=target.project_id).delete()
    # The code merge belongs to the actor merge: the trail cannot undo it alone.
    code_merge(source=source.code, target=target.code, actor=user, undoable=False)
    network_touch(project_id=target.project_id)
    target.refresh_from_db()
    return ActorMerge(actor=target, moved=moved, dropped=dropped)
