"""Writes of the actor network: actors, flow types, relation codings, network builds.

Relation codings are codings: ``relation_create`` calls ``coding_create`` inside its
own transaction, so the audit trail, assignment progress and the frequency hooks fire
exactly as for any coding, and the relation row exists exactly when the coding does.

``network_build`` is what the Celery task (``network.tasks.network_rebuild``), the API
and the ``network`` command run: it reads the codings of a snapshot's scope and
filters, hands plain rows to the pure ``network.graph`` module and replaces the
snapshot's stored ties and metrics in one transaction (idempotent).
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding.access import ProjectAccess
from coding.analysis.mentions import compile_aliases
from coding.codebook_default import DEFAULT_CODEBOOK_FILE
from coding.models import Code, Coding, Document, Project, Role, SpeakerTurn
from coding.segments import SegmentFilter, filtered_codings
from coding.services.audit import Action, coding_event, snapshot_codings_with_extras
from coding.services.changes import codings_changed
from coding.services.codebook import (
    code_create,
    code_merge,
    code_update,
)
from coding.services.codings import (
    CodingSpec,
    coding_create,
    codings_create_bulk,
    trim_span,
    validate_span,
)
from network import bulk, graph
from network.filters import NetworkFilters, scope_coding_filter
from network.models import (
    Actor,
    ActorKind,
    ActorMetric,
    FlowType,
    NetworkSnapshot,
    NetworkState,
    NetworkTie,
    Relation,
    SnapshotStatus,
)
from network.selectors import network_changed_at

logger = logging.getLogger(__name__)

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
# A queued or running build older than this is taken for lost (its worker died).
STUCK_AFTER = timedelta(minutes=15)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


# --- actors and flow types ----------------------------------------------------------


def network_touch(*, project_id: int) -> None:
    """Record that actors or flow types changed, so stored networks become stale."""
    NetworkState.objects.update_or_create(
        project_id=project_id, defaults={"changed_at": timezone.now()}
    )


def _codebook_hints() -> tuple[dict[str, tuple[str, list[str]]], dict[str, str]]:
    """Actor kinds and aliases, and flow keys, that the regie codebook gives by name."""
    actors: dict[str, tuple[str, list[str]]] = {}
    flows: dict[str, str] = {}

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            if node.get("actor_kind"):
                actors[node["name"]] = (node["actor_kind"], node.get("aliases", []))
            if node.get("flow"):
                flows[node["name"]] = node["flow"]
            walk(node.get("children", []))

    with DEFAULT_CODEBOOK_FILE.open(encoding="utf-8") as handle:
        walk(json.load(handle))
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
    coded = {f.code_id for f in existing}
    _actors, hints = _codebook_hints()
    root = _root(project, RELATION_ROOT_NAMES)
    candidates = []
    for code in Code.objects.filter(project=project).order_by("sort_order", "id"):
        if code.pk in coded:
            continue
        if code.name in hints:
            candidates.append((code, hints[code.name]))
        elif root is not None and code.parent_id == root.pk:
            candidates.append((code, slugify(code.name)[:40] or f"flow-{code.pk}"))
    created = []
    order = len(existing)
    built_in = {key: (name, shown) for key, name, shown in BUILT_IN_FLOWS}
    for code, key in candidates:
        base, n = key, 2
        while key in keys or key == graph.CO_MENTION:
            key = f"{base[:36]}-{n}"
            n += 1
        keys.add(key)
        created.append(
            FlowType.objects.create(
                project=project,
                code=code,
                key=key,
                label=code.name,
                colour=graph.FLOW_COLOURS.get(key, graph.DEFAULT_FLOW_COLOUR),
                is_default=built_in.get(key, ("", False))[1],
                sort_order=order,
            )
        )
        order += 1
    if create_codes:
        for key, name, shown in BUILT_IN_FLOWS:
            if key in keys:
                continue
            if root is None:
                root = code_create(project=project, name=RELATION_ROOT, actor=actor)
            code = Code.objects.filter(project=project, parent=root, name=name).first()
            if code is None or FlowType.objects.filter(code=code).exists():
                code = code_create(
                    project=project,
                    name=name if code is None else f"{name} ({key})",
                    parent=root,
                    color=graph.FLOW_COLOURS[key],
                    actor=actor,
                )
            keys.add(key)
            created.append(
                FlowType.objects.create(
                    project=project,
                    code=code,
                    key=key,
                    label=name,
                    colour=graph.FLOW_COLOURS[key],
                    is_default=shown,
                    sort_order=order,
                )
            )
            order += 1
    if created:
        network_touch(project_id=project.pk)
    return created


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
    code_merge(source=source.code, target=target.code, actor=user)  # source goes
    network_touch(project_id=target.project_id)
    target.refresh_from_db()
    return ActorMerge(actor=target, moved=moved, dropped=dropped)


# --- relation codings ---------------------------------------------------------------


@dataclass(frozen=True)
class RelationSpec:
    """The relation fields of a coding to create (from a form, the API or a file)."""

    flow: FlowType
    source_actor: Actor
    target_actor: Actor
    mutual: bool = False
    occasional: bool = False


def _check_relation(project_id: int, spec: RelationSpec) -> None:
    errors = {}
    if spec.flow.project_id != project_id:
        errors["flow"] = _("The flow type belongs to another project.")
    for field in ("source_actor", "target_actor"):
        if getattr(spec, field).project_id != project_id:
            errors[field] = _("The actor belongs to another project.")
    if spec.source_actor.pk == spec.target_actor.pk:
        errors["target_actor"] = _("Source and target must be different actors.")
    if errors:
        raise ValidationError(errors)


def _relation(coding: Coding, spec: RelationSpec) -> Relation:
    return Relation(
        coding=coding,
        source_actor=spec.source_actor,
        target_actor=spec.target_actor,
        flow=spec.flow,
        mutual=bool(spec.mutual),
        occasional=bool(spec.occasional),
    )


@transaction.atomic
def relation_create(
    *,
    document: Document,
    coder,
    start,
    end,
    spec: RelationSpec,
    memo: str = "",
    trim_whitespace: bool = False,
    actor=None,
) -> Relation:
    """Code a span as a relation: a coding with the flow type's code, plus its fields.

    The coding comes from ``coding_create`` (audit trail, assignment progress and
    frequency hooks included). One coder can give a span one relation per flow type,
    since a coding is unique per span, code and coder.
    """
    _check_relation(document.project_id, spec)
    code = spec.flow.code
    first, last = validate_span(document, code, start, end)
    if trim_whitespace:
        first, last = trim_span(document.text, first, last)
    if Coding.objects.filter(
        document=document, code=code, coder=coder, start=first, end=last
    ).exists():
        raise ValidationError(
            {
                "non_field_errors": _(
                    "You have already coded this passage as “%(flow)s”. A passage "
                    "takes one relation per flow type: select a slightly different "
                    "span for another one."
                )
                % {"flow": spec.flow.label}
            }
        )
    coding = coding_create(
        document=document,
        code=code,
        coder=coder,
        start=start,
        end=end,
        memo=memo,
        trim_whitespace=trim_whitespace,
        actor=actor,
    )
    relation = _relation(coding, spec)
    relation.save()
    return relation


@transaction.atomic
def relation_update(
    *,
    relation: Relation,
    source_actor: Actor,
    target_actor: Actor,
    mutual: bool,
    occasional: bool,
    actor=None,
) -> Relation:
    """Change who gives to whom and how often; the span and flow type stay (a
    different flow type is another code: remove the coding and code it anew).

    Recorded in the trail as an update of the coding, with the relation fields
    before and after; the network of the project becomes stale.
    """
    coding = relation.coding
    _check_relation(
        coding.document.project_id,
        RelationSpec(
            flow=relation.flow,
            source_actor=source_actor,
            target_actor=target_actor,
            mutual=mutual,
            occasional=occasional,
        ),
    )
    (before,) = snapshot_codings_with_extras([coding])
    relation.source_actor = source_actor
    relation.target_actor = target_actor
    relation.mutual = bool(mutual)
    relation.occasional = bool(occasional)
    relation.save()
    Coding.objects.filter(pk=coding.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    coding.refresh_from_db(fields=["revision", "updated_at"])
    (after,) = snapshot_codings_with_extras([coding])
    coding_event(
        coding, actor=actor, action=Action.UPDATE, before=before, after=after
    ).save()
    codings_changed(project_id=coding.document.project_id, code_ids=[coding.code_id])
    return relation


RELATION_UPDATE_FIELDS = ("source_actor", "target_actor", "mutual", "occasional")


def relation_update_from_api(*, coding: Coding, values: dict, actor=None) -> Relation:
    """The API's PATCH of a coding's relation fields (actor ids); the fields not
    given keep their values."""
    relation = (
        Relation.objects.select_related("flow", "source_actor", "target_actor")
        .filter(coding_id=coding.pk)
        .first()
    )
    if relation is None:
        raise ValidationError(
            {
                "non_field_errors": _(
                    "This coding is not a relation coding, so it has no actors, "
                    "direction or regularity to change."
                )
            }
        )
    relation.coding = coding
    wanted = [values[f] for f in ("source_actor", "target_actor") if f in values]
    actors = Actor.objects.filter(
        project_id=coding.document.project_id, pk__in=wanted
    ).in_bulk()
    errors = {
        field: _("No actor %(id)s in this project.") % {"id": values[field]}
        for field in ("source_actor", "target_actor")
        if field in values and values[field] not in actors
    }
    if errors:
        raise ValidationError(errors)
    return relation_update(
        relation=relation,
        source_actor=actors.get(values.get("source_actor"), relation.source_actor),
        target_actor=actors.get(values.get("target_actor"), relation.target_actor),
        mutual=values.get("mutual", relation.mutual),
        occasional=values.get("occasional", relation.occasional),
        actor=actor,
    )


@transaction.atomic
def relation_codings_create_bulk(
    *, specs: list[CodingSpec], relations: list[RelationSpec | None], coder, actor=None
) -> list[Coding]:
    """``codings_create_bulk`` with relation fields on the items that have them.

    All or nothing; errors name the item (0-based index).
    """
    if len(specs) != len(relations):
        raise ValueError("one relation (or None) per coding spec")
    problems = []
    for index, (spec, relation) in enumerate(zip(specs, relations, strict=True)):
        if relation is None:
            continue
        try:
            _check_relation(spec.document.project_id, relation)
            if spec.code.pk != relation.flow.code_id:
                raise ValidationError(
                    {"code": _("The code must be the flow type's code.")}
                )
        except ValidationError as error:
            message = " ".join(str(m) for ms in error.message_dict.values() for m in ms)
            problems.append(
                _("Item %(index)d: %(message)s") % {"index": index, "message": message}
            )
    if problems:
        raise ValidationError({"items": problems})
    created = codings_create_bulk(specs=specs, coder=coder, actor=actor)
    Relation.objects.bulk_create(
        _relation(coding, relation)
        for coding, relation in zip(created, relations, strict=True)
        if relation is not None
    )
    return created


def relation_codings_create(
    *,
    specs: list[CodingSpec],
    relations: list[RelationSpec | None],
    coder,
    many: bool,
) -> list[Coding]:
    """The API's write: one relation coding through ``relation_create``, a list
    through ``relation_codings_create_bulk`` (items without relation fields are
    plain codings)."""
    if many or relations[0] is None:
        return relation_codings_create_bulk(
            specs=specs, relations=relations, coder=coder
        )
    spec = specs[0]
    relation = relation_create(
        document=spec.document,
        coder=coder,
        start=spec.start,
        end=spec.end,
        spec=relations[0],
        memo=spec.memo,
    )
    return [relation.coding]


def relation_specs_resolve(
    *, project: Project, items: list[dict]
) -> list[RelationSpec | None]:
    """Relation fields of API items (actor ids, a flow key) as specs, checked.

    An item with any of ``source_actor``, ``target_actor``, ``flow`` needs all three.
    Its ``code`` defaults to the flow type's code and must be that code if given
    (the item is changed in place). Errors name the item when there are several.
    """
    flows = {
        f.key: f
        for f in FlowType.objects.filter(project=project).select_related("code")
    }
    wanted = {
        item.get(field)
        for item in items
        for field in ("source_actor", "target_actor")
        if item.get(field) is not None
    }
    actors = {a.pk: a for a in Actor.objects.filter(project=project, pk__in=wanted)}
    specs: list[RelationSpec | None] = []
    problems: list[tuple[int, str, str]] = []
    for index, item in enumerate(items):
        given = [
            f
            for f in ("source_actor", "target_actor", "flow")
            if item.get(f) is not None
        ]
        if not given:
            specs.append(None)
            if item.get("code") is None:
                problems.append((index, "code", _("Give a code (or a flow type).")))
            continue
        missing = [
            f for f in ("source_actor", "target_actor", "flow") if f not in given
        ]
        if missing:
            problems.append(
                (
                    index,
                    missing[0],
                    _("A relation needs source_actor, target_actor and flow."),
                )
            )
            specs.append(None)
            continue
        flow = flows.get(item["flow"])
        source = actors.get(item["source_actor"])
        target = actors.get(item["target_actor"])
        if flow is None:
            problems.append(
                (
                    index,
                    "flow",
                    _("“%(key)s” is not a flow type of this project.")
                    % {"key": item["flow"]},
                )
            )
        for field, found in (("source_actor", source), ("target_actor", target)):
            if found is None:
                problems.append(
                    (
                        index,
                        field,
                        _("No actor %(id)s in this project.") % {"id": item[field]},
                    )
                )
        if flow is None or source is None or target is None:
            specs.append(None)
            continue
        if item.get("code") is None:
            item["code"] = flow.code_id
        elif item["code"] != flow.code_id:
            problems.append(
                (
                    index,
                    "code",
                    _("A “%(flow)s” relation carries the code %(code)d (“%(name)s”).")
                    % {
                        "flow": flow.label,
                        "code": flow.code_id,
                        "name": flow.code.name,
                    },
                )
            )
        if source.pk == target.pk:
            problems.append(
                (
                    index,
                    "target_actor",
                    _("Source and target must be different actors."),
                )
            )
        specs.append(
            RelationSpec(
                flow=flow,
                source_actor=source,
                target_actor=target,
                mutual=bool(item.get("mutual", False)),
                occasional=bool(item.get("occasional", False)),
            )
        )
    if problems and len(items) > 1:
        raise ValidationError(
            {
                "items": [
                    _("Item %(index)d: %(message)s") % {"index": i, "message": m}
                    for i, _field, m in problems
                ]
            }
        )
    if problems:
        raise ValidationError({problems[0][1]: problems[0][2]})
    return specs


# --- the demo -----------------------------------------------------------------------


@transaction.atomic
def network_demo_load(*, project: Project, users: dict) -> int:
    """Actors and flow types from the codebook, and the demo's relation fields.

    Every demo coding entry with ``"relation"`` (see ``coding/demo/data``) gives each
    of its coders' codings the relation; returns how many relations were added.
    """
    from coding.demo.loader import _demo_files, _find

    network_setup(project=project)
    actors = {a.name: a for a in Actor.objects.filter(project=project)}
    flows = {f.code.name: f for f in FlowType.objects.filter(project=project)}
    documents = {d.title: d for d in Document.objects.filter(project=project)}
    rows = []
    for transcript, spec_path in _demo_files():
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        document = documents[spec["title"]]
        for entry in spec["codings"]:
            fields = entry.get("relation")
            if not fields:
                continue
            flow = flows[entry["code"]]
            quotes = entry.get("quotes") or dict.fromkeys(
                entry["coders"], entry["quote"]
            )
            for coder, quote in quotes.items():
                start, end = _find(
                    document.text, quote, entry.get("nth", 1), transcript.name
                )
                coding = Coding.objects.get(
                    document=document,
                    code=flow.code,
                    coder=users[coder],
                    start=start,
                    end=end,
                )
                rows.append(
                    _relation(
                        coding,
                        RelationSpec(
                            flow=flow,
                            source_actor=actors[fields["source"]],
                            target_actor=actors[fields["target"]],
                            mutual=fields.get("mutual", False),
                            occasional=fields.get("occasional", False),
                        ),
                    )
                )
    Relation.objects.bulk_create(rows)
    network_touch(project_id=project.pk)
    return len(rows)


# --- network snapshots and the build ------------------------------------------------


def network_snapshot_get_or_create(
    *, project: Project, scope: str, filters: NetworkFilters, user=None
) -> tuple[NetworkSnapshot, bool]:
    """The snapshot row of a key (created as queued, not yet sent to a worker)."""
    return NetworkSnapshot.objects.get_or_create(
        project=project,
        scope=scope,
        filters_key=filters.key,
        defaults={
            "filters": filters.as_json(),
            "requested_by": user if getattr(user, "is_authenticated", False) else None,
            "status": SnapshotStatus.QUEUED,
        },
    )


def network_request(
    *, project: Project, scope: str, filters: NetworkFilters, user=None
) -> NetworkSnapshot:
    """The snapshot for a key; a build is queued when there is none or it is stale.

    A failed build is not retried here (the page offers to try again), so a broken
    broker or a bug does not cost every page view a new attempt.
    """
    snapshot, created = network_snapshot_get_or_create(
        project=project, scope=scope, filters=filters, user=user
    )
    if created:
        transaction.on_commit(lambda: _enqueue(snapshot.pk))
        return snapshot
    if snapshot.status == SnapshotStatus.DONE and (
        snapshot.badge(network_changed_at(project_id=project.pk)) == "stale"
    ):
        network_schedule(snapshot_id=snapshot.pk)
        snapshot.refresh_from_db()
    return snapshot


def network_schedule(*, snapshot_id: int) -> bool:
    """Queue a build unless one is queued or running already; True when queued now.

    The task is sent after the commit. If no broker answers, the snapshot is marked
    failed with a message, and the page offers to try again.
    """
    now = timezone.now()
    claimed = (
        NetworkSnapshot.objects.filter(pk=snapshot_id)
        .filter(
            ~Q(status__in=[SnapshotStatus.QUEUED, SnapshotStatus.RUNNING])
            | Q(requested_at__lt=now - STUCK_AFTER)
        )
        .update(status=SnapshotStatus.QUEUED, requested_at=now, error="")
    )
    if not claimed:
        return False
    transaction.on_commit(lambda: _enqueue(snapshot_id))
    return True


def _enqueue(snapshot_id: int) -> None:
    from network.tasks import network_rebuild

    try:
        network_rebuild.apply_async(kwargs={"snapshot_id": snapshot_id})
    except Exception:  # the broker is down: say so; nothing else is lost
        logger.warning("could not queue network build %s", snapshot_id, exc_info=True)
        NetworkSnapshot.objects.filter(
            pk=snapshot_id, status=SnapshotStatus.QUEUED
        ).update(
            status=SnapshotStatus.FAILED,
            error="No worker could be reached to build the network.",
        )


def _scoped_codings(snapshot: NetworkSnapshot, filters: NetworkFilters):
    project = snapshot.project
    everything = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
    coders = filters.coders
    if filters.consensus:
        coders = (project.consensus_user_id or 0,)
    codings = filtered_codings(
        everything,
        SegmentFilter(
            coders=coders, documents=filters.documents, attributes=filters.attributes
        ),
    )
    return codings.filter(scope_coding_filter(snapshot.scope))


# Columns of the relation codings read for a build, as ``graph.RelationColumns``
# takes them (the flow as a flow type id, made a key below).
_RELATION_FIELDS = (
    "id",
    "document_id",
    "coder_id",
    "relation__source_actor_id",
    "relation__target_actor_id",
    "flow_type",
    "relation__mutual",
    "relation__occasional",
)


def _relation_columns(
    snapshot: NetworkSnapshot, filters: NetworkFilters
) -> graph.RelationColumns:
    """The relation codings of the snapshot's scope and filters, as columns.

    The flow is that of the coding's code when it is a flow code (a recoded
    relation follows its new code), else the relation's own. 200,000 rows come as
    integers straight into numpy (``network.bulk``), not as ORM rows.
    """
    codings = (
        _scoped_codings(snapshot, filters)
        .filter(relation__isnull=False)
        .annotate(flow_type=Coalesce("code__flow_type__id", "relation__flow_id"))
        .order_by()
    )
    if filters.flows:
        codings = codings.annotate(
            flow_key=Coalesce("code__flow_type__key", "relation__flow__key")
        ).filter(flow_key__in=filters.flows)
    table = bulk.integer_columns(codings, _RELATION_FIELDS)
    flow_ids = np.unique(table[:, 5]).tolist()
    key_of = dict(FlowType.objects.filter(pk__in=flow_ids).values_list("id", "key"))
    columns = graph.RelationColumns(
        *np.ascontiguousarray(table[:, :5].T),
        flow=np.searchsorted(flow_ids, table[:, 5]),
        flows=tuple(key_of[i] for i in flow_ids),
        mutual=table[:, 6].astype(bool),
        occasional=table[:, 7].astype(bool),
    )
    consensus = _consensus_rows(snapshot, filters)
    return (
        columns + graph.RelationColumns.from_rows(consensus) if consensus else columns
    )


def _consensus_rows(snapshot: NetworkSnapshot, filters: NetworkFilters) -> list[tuple]:
    """Relations of consensus codings, adopted from the coders' relation codings.

    Adjudication copies a span and its code into the consensus layer, not the
    relation fields; a consensus coding of a flow code takes them from the coders'
    relation codings of the same code it overlaps: the same span first, else the
    fields most of them agree on (then the earliest coding).
    """
    consensus_id = snapshot.project.consensus_user_id
    if not consensus_id:
        return []
    orphans = list(
        _scoped_codings(snapshot, filters)
        .filter(coder_id=consensus_id, relation__isnull=True)
        .filter(code__flow_type__isnull=False)
        .values_list(
            "id", "document_id", "code_id", "start", "end", "code__flow_type__key"
        )
    )
    if filters.flows:
        orphans = [o for o in orphans if o[5] in filters.flows]
    if not orphans:
        return []
    candidates: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in (
        Relation.objects.filter(
            coding__document_id__in={o[1] for o in orphans},
            coding__code_id__in={o[2] for o in orphans},
        )
        .exclude(coding__coder_id=consensus_id)
        .order_by("coding_id")
        .values_list(
            "coding__document_id",
            "coding__code_id",
            "coding__start",
            "coding__end",
            "source_actor_id",
            "target_actor_id",
            "mutual",
            "occasional",
        )
    ):
        candidates[(row[0], row[1])].append(row)
    adopted = []
    for coding_id, document_id, code_id, start, end, flow in orphans:
        near = [
            c for c in candidates[(document_id, code_id)] if c[2] < end and c[3] > start
        ]
        if not near:
            continue
        same = [c for c in near if (c[2], c[3]) == (start, end)]
        pool = same or near
        votes = Counter(c[4:] for c in pool)
        best = max(votes.values())
        fields = next(c[4:] for c in pool if votes[c[4:]] == best)
        adopted.append(
            (
                coding_id,
                document_id,
                consensus_id,
                fields[0],
                fields[1],
                flow,
                fields[2],
                fields[3],
            )
        )
    return adopted


def _mentions(
    project: Project, filters: NetworkFilters, actors: list[Actor]
) -> tuple[Counter, list[graph.CoMention]]:
    """How often each actor is named (name or alias) in the filtered documents, and
    which actors are named together in one speaker turn (or paragraph, where a
    transcript has no turns)."""
    owner: dict[int, list[str]] = {}
    taken: set[str] = set()
    for actor in actors:
        names = []
        for name in [actor.name, *actor.aliases]:
            key = " ".join(name.split()).casefold()
            if key and key not in taken:  # an alias claimed twice goes to the first
                taken.add(key)
                names.append(name)
        if names:
            owner[actor.pk] = names
    counts: Counter = Counter()
    co_mentions: list[graph.CoMention] = []
    if not owner:
        return counts, co_mentions
    try:
        matcher = compile_aliases(owner)
    except ValueError:
        logger.warning("actor aliases of project %s do not compile", project.pk)
        return counts, co_mentions
    documents = Document.objects.filter(project=project)
    if filters.documents:
        documents = documents.filter(pk__in=filters.documents)
    for name, value in filters.attributes:
        documents = documents.filter(**{f"case__attributes__{name}": value})
    turns: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if filters.co_mentions:
        for document_id, number, start in (
            SpeakerTurn.objects.filter(document__in=documents)
            .order_by("document_id", "start")
            .values_list("document_id", "number", "start")
        ):
            turns[document_id].append((start, number))
    for document_id, text in documents.values_list("id", "text").iterator(
        chunk_size=50
    ):
        found = matcher.finditer(text)
        counts.update(actor_id for _s, _e, actor_id in found)
        if not filters.co_mentions or not found:
            continue
        units = turns.get(document_id) or _paragraphs(text)
        starts = [u[0] for u in units]
        named: dict[int, set[int]] = defaultdict(set)
        for start, _end, actor_id in found:
            at = bisect.bisect_right(starts, start) - 1
            if at >= 0:
                named[units[at][1]].add(actor_id)
        co_mentions += [
            graph.CoMention(document_id, number, frozenset(ids))
            for number, ids in sorted(named.items())
            if len(ids) > 1
        ]
    return counts, co_mentions


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, number) of the blank-line separated paragraphs, numbered from 1."""
    starts = [0, *(m.end() for m in _BLANK_LINE.finditer(text))]
    return [(start, number) for number, start in enumerate(starts, 1)]


def _evidence_json(tie: graph.Tie) -> dict:
    """Parallel lists (see ``NetworkTie.evidence``)."""
    evidence = tie.evidence
    if isinstance(evidence, graph.EvidenceColumns):  # as build_ties makes them
        return {
            "codings": evidence.codings,
            "coders": evidence.coders,
            "documents": evidence.documents,
        }
    codings, coders, documents, turns = (
        zip(*evidence, strict=True) if evidence else ((), (), (), ())
    )
    if tie.layer == graph.CO_MENTION:
        return {"documents": list(documents), "turns": list(turns)}
    return {
        "codings": list(codings),
        "coders": list(coders),
        "documents": list(documents),
    }


_TIE_FIELDS = (
    "snapshot_id",
    "source_id",
    "target_id",
    "flow",
    "layer",
    "weight",
    "documents",
    "coders",
    "occasional",
    "occasional_votes",
    "structural_votes",
    "mutual",
    "evidence",
)
_METRIC_FIELDS = ("snapshot_id", "actor_id", "mentions", *graph.METRIC_FIELDS)


def _tie_values(snapshot_id: int, tie: graph.Tie) -> tuple:
    return (
        snapshot_id,
        tie.source,
        tie.target,
        tie.flow,
        tie.layer,
        tie.weight,
        tie.documents,
        tie.coders,
        tie.occasional,
        tie.occasional_votes,
        tie.structural_votes,
        tie.mutual,
        _evidence_json(tie),
    )


def _metric_values(snapshot_id: int, m: graph.ActorMetrics, mentions: int) -> tuple:
    return (
        snapshot_id,
        m.actor_id,
        mentions,
        *(getattr(m, name) for name in graph.METRIC_FIELDS),
    )


def network_build(*, snapshot_id: int) -> NetworkSnapshot | None:
    """Compute a snapshot from scratch and replace its stored results.

    Returns ``None`` when the snapshot is gone. Failures are stored on the snapshot
    (status ``failed``) and re-raised.
    """
    started = timezone.now()
    clock = time.perf_counter()
    with transaction.atomic():
        snapshot = (
            NetworkSnapshot.objects.select_for_update()
            .select_related("project")
            .filter(pk=snapshot_id)
            .first()
        )
        if snapshot is None:
            return None
        snapshot.status = SnapshotStatus.RUNNING
        snapshot.started_at = started
        snapshot.save(update_fields=["status", "started_at"])
    timings: dict[str, float] = {}
    lap = time.perf_counter()

    def done(phase: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        timings[phase] = round(now - lap, 3)
        lap = now

    try:
        filters = NetworkFilters.from_json(snapshot.filters)
        codings = _relation_columns(snapshot, filters)
        done("read_codings")
        actors = list(Actor.objects.filter(project=snapshot.project).order_by("id"))
        counts, co_mentions = _mentions(snapshot.project, filters, actors)
        done("mentions")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", graph.SelfLoopWarning)
            ties = graph.build_ties(codings)
        relations = graph.build_graph(
            [graph.Actor(a.pk, a.name, a.kind, counts.get(a.pk, 0)) for a in actors],
            ties,
        )
        metrics = graph.actor_metrics(relations)
        summary = graph.network_summary(relations, metrics=metrics)
        co_ties = graph.co_mention_ties(co_mentions)
        done("graph_and_metrics")
        stored = asdict(summary)
        stored["gatekeeper_ids"] = list(summary.gatekeeper_ids)
        stored["relation_codings"] = len(codings)
        stored["co_mention_ties"] = len(co_ties)
        stored["timings"] = timings
        with transaction.atomic():
            if (
                not NetworkSnapshot.objects.select_for_update()
                .filter(pk=snapshot_id)
                .exists()
            ):
                return None
            snapshot.ties.all().delete()
            snapshot.metrics.all().delete()
            bulk.insert_rows(
                NetworkTie,
                _TIE_FIELDS,
                (_tie_values(snapshot.pk, tie) for tie in [*ties, *co_ties]),
            )
            bulk.insert_rows(
                ActorMetric,
                _METRIC_FIELDS,
                (
                    _metric_values(snapshot.pk, m, counts.get(m.actor_id, 0))
                    for m in metrics
                ),
            )
            done("store")
            snapshot.status = SnapshotStatus.DONE
            snapshot.computed_at = started
            snapshot.seconds = round(time.perf_counter() - clock, 3)
            snapshot.summary = stored
            snapshot.error = ""
            snapshot.save(
                update_fields=["status", "computed_at", "seconds", "summary", "error"]
            )
    except Exception as error:
        NetworkSnapshot.objects.filter(pk=snapshot_id).update(
            status=SnapshotStatus.FAILED, error=str(error)[:2000]
        )
        raise
    return snapshot
