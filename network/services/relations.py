"""Relation codings: a coding with the relation fields of the network.

Relation codings are codings: ``relation_create`` calls ``coding_create`` inside its
own transaction, so the audit trail, assignment progress and the frequency hooks fire
exactly as for any coding, and the relation row exists exactly when the coding does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Coding, Document, Project
from coding.services.audit import Action, coding_event, snapshot_codings_with_extras
from coding.services.changes import codings_changed
from coding.services.codings import (
    CodingSpec,
    coding_create,
    codings_create_bulk,
    trim_span,
    validate_span,
)
from network.models import Actor, FlowType, Relation


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


def relation_row(coding: Coding, spec: RelationSpec) -> Relation:
    """An unsaved relation row for a coding (saved alone or in bulk)."""
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
    relation = relation_row(coding, spec)
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
        relation_row(coding, relation)
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


RELATION_FIELDS = ("source_actor", "target_actor", "flow")

# A problem with one field of one item: (index, field, message).
ItemProblem = tuple[int, str, str]


def relation_specs_resolve(
    *, project: Project, items: list[dict]
) -> list[RelationSpec | None]:
    """Relation fields of API items (actor ids, a flow key) as specs, checked.

    An item with any of ``source_actor``, ``target_actor``, ``flow`` needs all three.
    Its ``code`` defaults to the flow type's code and must be that code if given
    (the item is changed in place). Errors name the item when there are several.
    """
    flows, actors = _relation_lookups(project, items)
    specs: list[RelationSpec | None] = []
    problems: list[ItemProblem] = []
    for index, item in enumerate(items):
        spec, found = _relation_item_resolve(item, flows, actors)
        specs.append(spec)
        problems.extend((index, field, message) for field, message in found)
    _raise_item_problems(problems, many=len(items) > 1)
    return specs


def _relation_lookups(
    project: Project, items: list[dict]
) -> tuple[dict[str, FlowType], dict[int, Actor]]:
    """The project's flow types by key, and the actors the items name by id."""
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
    return flows, actors


def _relation_item_resolve(
    item: dict, flows: dict[str, FlowType], actors: dict[int, Actor]
) -> tuple[RelationSpec | None, list[tuple[str, str]]]:
    """One item's relation spec (``None``: a plain coding, or unusable fields) and
    its problems as ``(field, message)``."""
    given = [f for f in RELATION_FIELDS if item.get(f) is not None]
    if not given:
        if item.get("code") is None:
            return None, [("code", _("Give a code (or a flow type)."))]
        return None, []
    missing = [f for f in RELATION_FIELDS if f not in given]
    if missing:
        message = _("A relation needs source_actor, target_actor and flow.")
        return None, [(missing[0], message)]
    flow = flows.get(item["flow"])
    source = actors.get(item["source_actor"])
    target = actors.get(item["target_actor"])
    problems = _relation_lookup_problems(item, flow, source, target)
    if flow is None or source is None or target is None:
        return None, problems
    problems += _relation_code_problems(item, flow)
    if source.pk == target.pk:
        problems.append(
            ("target_actor", _("Source and target must be different actors."))
        )
    spec = RelationSpec(
        flow=flow,
        source_actor=source,
        target_actor=target,
        mutual=bool(item.get("mutual", False)),
        occasional=bool(item.get("occasional", False)),
    )
    return spec, problems


def _relation_lookup_problems(
    item: dict, flow: FlowType | None, source: Actor | None, target: Actor | None
) -> list[tuple[str, str]]:
    """The flow key and actor ids the project does not know."""
    problems = []
    if flow is None:
        message = _("“%(key)s” is not a flow type of this project.") % {
            "key": item["flow"]
        }
        problems.append(("flow", message))
    for field, found in (("source_actor", source), ("target_actor", target)):
        if found is None:
            message = _("No actor %(id)s in this project.") % {"id": item[field]}
            problems.append((field, message))
    return problems


def _relation_code_problems(item: dict, flow: FlowType) -> list[tuple[str, str]]:
    """Fill in the item's code from its flow type, or check the code it gives."""
    if item.get("code") is None:
        item["code"] = flow.code_id
        return []
    if item["code"] == flow.code_id:
        return []
    message = _("A “%(flow)s” relation carries the code %(code)d (“%(name)s”).") % {
        "flow": flow.label,
        "code": flow.code_id,
        "name": flow.code.name,
    }
    return [("code", message)]


def _raise_item_problems(problems: list[ItemProblem], *, many: bool) -> None:
    """Several items: every problem, by item index; one item: its first problem,
    under its field."""
    if problems and many:
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
