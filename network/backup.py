"""The network app's tables in a full backup (see ``coding.backup``): flow types,
actors and the relation fields of codings. Snapshots, ties and metrics are derived
(recomputed). Registered in this order from ``NetworkConfig.ready``: relations
point at actors and flow types."""

from __future__ import annotations

from coding.backup import ModelTable

FLOW_TYPES = ModelTable("flow_types", "network.FlowType", "project")
ACTORS = ModelTable("actors", "network.Actor", "project")
RELATIONS = ModelTable("relations", "network.Relation", "coding__document__project")

NETWORK_BACKUP = [FLOW_TYPES.part(), ACTORS.part(), RELATIONS.part()]
