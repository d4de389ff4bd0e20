"""Writes of the actor network, one module per subject:

- ``actors``: actors and flow types, kept in step with the codebook;
- ``relations``: relation codings (a coding plus its relation fields);
- ``demo``: the network's part of the demo project;
- ``snapshots``: network snapshots, their scheduling and their build.

The names below are the app's service API; import them from ``network.services``.
"""

from network.services.actors import (
    ACTOR_ROOT,
    ACTOR_ROOT_NAMES,
    BUILT_IN_FLOWS,
    MAX_ALIASES,
    RELATION_ROOT,
    RELATION_ROOT_NAMES,
    ActorMerge,
    actor_create,
    actor_merge,
    actor_names_sync,
    actor_root,
    actor_update,
    actors_from_codebook,
    clean_aliases,
    flow_types_sync,
    network_setup,
    network_touch,
)
from network.services.demo import network_demo_load
from network.services.relations import (
    RELATION_FIELDS,
    RELATION_UPDATE_FIELDS,
    RelationSpec,
    relation_codings_create,
    relation_codings_create_bulk,
    relation_create,
    relation_row,
    relation_specs_resolve,
    relation_update,
    relation_update_from_api,
)
from network.services.snapshots import (
    network_build,
    network_build_work,
    network_request,
    network_snapshot_get_or_create,
)

__all__ = [
    "ACTOR_ROOT",
    "ACTOR_ROOT_NAMES",
    "RELATION_ROOT",
    "RELATION_ROOT_NAMES",
    "BUILT_IN_FLOWS",
    "MAX_ALIASES",
    "network_touch",
    "clean_aliases",
    "actor_root",
    "actors_from_codebook",
    "flow_types_sync",
    "actor_names_sync",
    "network_setup",
    "actor_create",
    "actor_update",
    "ActorMerge",
    "actor_merge",
    "RelationSpec",
    "relation_row",
    "relation_create",
    "relation_update",
    "RELATION_UPDATE_FIELDS",
    "relation_update_from_api",
    "relation_codings_create_bulk",
    "relation_codings_create",
    "RELATION_FIELDS",
    "relation_specs_resolve",
    "network_demo_load",
    "network_snapshot_get_or_create",
    "network_request",
    "network_build",
    "network_build_work",
]
