"""The relation fields in the audit trail: a deleted relation coding keeps them in
its ``delete`` event, so that restoring it (or undoing the deletion) brings back the
relation and not a plain flow coding."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coding.models import Coding
from coding.registry import CodingExtra
from network.models import Actor, FlowType, Relation

RELATION_KEY = "relation"


def relation_dump(coding_ids: Sequence[int]) -> dict[int, dict]:
    return {
        row.pop("coding_id"): row
        for row in Relation.objects.filter(coding_id__in=coding_ids).values(
            "coding_id", "source_actor", "target_actor", "flow", "mutual", "occasional"
        )
    }


def relation_restore(coding: Coding, fields: dict) -> None:
    """Recreate the relation of a restored coding, if its actors and flow type are
    still in the coding's project."""
    project_id = coding.document.project_id
    actors = Actor.objects.filter(
        project_id=project_id,
        pk__in=[fields.get("source_actor"), fields.get("target_actor")],
    ).in_bulk()
    flow = FlowType.objects.filter(project_id=project_id, pk=fields.get("flow")).first()
    source, target = (
        actors.get(fields.get("source_actor")),
        actors.get(fields.get("target_actor")),
    )
    if source is None or target is None or flow is None:
        raise ValidationError(
            {
                "non_field_errors": _(
                    "This relation coding cannot come back: its actors or its flow "
                    "type have been removed or merged since. Code the relation anew."
                )
            }
        )
    Relation.objects.create(
        coding=coding,
        source_actor=source,
        target_actor=target,
        flow=flow,
        mutual=bool(fields.get("mutual")),
        occasional=bool(fields.get("occasional")),
    )


RELATION_EXTRA = CodingExtra(
    key=RELATION_KEY, dump=relation_dump, restore=relation_restore
)
