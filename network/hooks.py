"""What the network app plugs into the core (``coding/registry.py``).

Registered from ``NetworkConfig.ready()``: the relation form on the document page,
the network's part of the demo, the actors' aliases for counting mentions and the
relation cells of coded segments. (The
relation fields of a coding are ``network.audit.RELATION_EXTRA`` for the trail and
``network.api.codings.RELATION_API`` for the API.)
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from coding.access import ProjectAccess
from coding.models import Document, Project
from coding.registry import AliasSource, DemoStep, DocumentTool, RelationColumns
from network.models import Actor, Relation
from network.selectors import flow_keys_by_code
from network.services import network_demo_load


def relation_tool_context(
    request: HttpRequest, access: ProjectAccess, document: Document
) -> dict[str, Any]:
    """Where the page's script fetches the relation form, and which codes are
    relation codes (choosing one opens the form, its flow type preselected)."""
    return {
        "relation_url": reverse(
            "network:workbench_relation_form", args=[access.project.pk, document.pk]
        ),
        "flows": flow_keys_by_code(access.project.pk),
    }


RELATION_TOOL = DocumentTool(
    key="relation_tool",
    context=relation_tool_context,
    head_template="network/partials/workbench_head.html",
    palette_template="network/partials/palette_relation.html",
    card_template="network/partials/card_relation.html",
    card_actions_template="network/partials/card_relation_actions.html",
    page_data=lambda tool: {"relation-url": tool["relation_url"]},
    code_fields=lambda tool: {"flow": tool["flows"]},
)


def demo_load_network(project: Project, users: dict[str, Any]) -> None:
    network_demo_load(project=project, users=users)  # actors and relation fields


NETWORK_DEMO = DemoStep(key="network", load=demo_load_network)


def actor_aliases(project_id: int) -> dict[int, list[str]]:
    """``{actor code id: aliases}`` of the project's actors (names not repeated:
    the reader puts the code's name first); empty while it has no actors."""
    return {
        code_id: list(aliases or [])
        for code_id, aliases in Actor.objects.filter(project_id=project_id).values_list(
            "code_id", "aliases"
        )
    }


ACTOR_ALIASES = AliasSource(key="network_actors", aliases=actor_aliases)


def project_has_relations(project_id: int) -> bool:
    """Asked via the actors: starting from the codings, PostgreSQL may scan every
    coding to find none."""
    return Relation.objects.filter(source_actor__project_id=project_id).exists()


RELATION_COLUMNS = RelationColumns(
    key="relation",
    lookups=(
        "relation__source_actor__name",
        "relation__target_actor__name",
        "relation__flow__key",
        "relation__mutual",
        "relation__occasional",
    ),
    present=project_has_relations,
)
