"""The relation fields of a coding in the core's ``/codings/`` API.

Registered as a ``CodingApiExtra`` (see ``coding/registry.py``) from
``NetworkConfig.ready()``: the core's coding serializers append these fields and its
views call the functions below, so the core never imports the network app.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coding.models import Coding, Project
from coding.registry import CodingApiExtra
from coding.services.codings import CodingSpec
from network.api.serializers import RelationSerializer
from network.services import (
    RELATION_FIELDS,
    RelationSpec,
    relation_codings_create,
    relation_specs_resolve,
    relation_update_from_api,
)


def read_fields() -> dict[str, serializers.Field]:
    return {
        "relation": RelationSerializer(
            read_only=True,
            allow_null=True,
            help_text="For a relation coding: its actors, flow type, direction and "
            "regularity; null for other codings.",
        )
    }


def create_fields() -> dict[str, serializers.Field]:
    return {
        "source_actor": serializers.IntegerField(
            required=False, help_text="Relation coding: the actor the flow comes from."
        ),
        "target_actor": serializers.IntegerField(
            required=False, help_text="Relation coding: the actor the flow goes to."
        ),
        "flow": serializers.CharField(
            required=False,
            max_length=40,
            help_text="Relation coding: flow-type key (material, knowledge, other, or "
            "one of the project's own; see /projects/{id}/flows/).",
        ),
        "mutual": serializers.BooleanField(
            required=False, help_text="Relation coding: the flow goes both ways."
        ),
        "occasional": serializers.BooleanField(
            required=False,
            help_text="Relation coding: only some years or in some cases (soms).",
        ),
    }


def update_fields() -> dict[str, serializers.Field]:
    return {
        "source_actor": serializers.IntegerField(
            required=False, help_text="Relation coding only: a new source actor id."
        ),
        "target_actor": serializers.IntegerField(
            required=False, help_text="Relation coding only: a new target actor id."
        ),
        "mutual": serializers.BooleanField(
            required=False, help_text="Relation coding only: the flow goes both ways."
        ),
        "occasional": serializers.BooleanField(
            required=False,
            help_text="Relation coding only: only some years or in some cases (soms).",
        ),
    }


def claims(item: dict[str, Any]) -> bool:
    """The item names an actor or a flow type: it is a relation coding."""
    return any(item.get(field) is not None for field in RELATION_FIELDS)


def validate(item: dict[str, Any]) -> None:
    if not claims(item) and ("mutual" in item or "occasional" in item):
        raise serializers.ValidationError(
            _(
                "mutual and occasional belong to a relation coding: give "
                "source_actor, target_actor and flow too."
            )
        )


def resolve(project: Project, items: list[dict[str, Any]]) -> list[RelationSpec | None]:
    # Checks the relation fields; a relation item's code is its flow's.
    return relation_specs_resolve(project=project, items=items)


def create(
    specs: list[CodingSpec], resolved: list[RelationSpec | None], coder, many: bool
) -> list[Coding]:
    return relation_codings_create(
        specs=specs, relations=resolved, coder=coder, many=many
    )


def update(coding: Coding, values: dict[str, Any], actor) -> None:
    relation_update_from_api(coding=coding, values=values, actor=actor)


RELATION_API = CodingApiExtra(
    key="relation",
    read_fields=read_fields,
    create_fields=create_fields,
    update_fields=update_fields,
    select_related=("relation__flow",),
    claims=claims,
    validate=validate,
    resolve=resolve,
    create=create,
    update=update,
)
