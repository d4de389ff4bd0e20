"""Read-models of the actor network: stored snapshots as graphs, payloads and quotes.

A stored snapshot is turned back into the pure module's objects (``graph.Tie``,
``graph.ActorMetrics``) so the page, the API, the command and the exports all go
through ``network.graph`` and show the same network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import networkx as nx
from django.db.models import F
from django.db.models.functions import Substr
from django.utils import translation

from coding.access import ProjectAccess
from coding.selectors_changes import visible_codings_changed_at
from network import graph
from network.filters import ALL, scope_coding_filter
from network.models import Actor, ActorMetric, FlowType, NetworkSnapshot, NetworkState

METRIC_FIELDS = graph.METRIC_FIELDS


def network_changed_at(*, project_id: int, scope: str = ALL):
    """When codings seen in ``scope``, actors or flow types last changed (``None``:
    never). A blind coder's scope counts only its own (and published consensus)
    codings' changes, so another coder's work does not make their network stale."""
    times = [
        visible_codings_changed_at(project_id, scope_coding_filter(scope)),
        NetworkState.objects.filter(project_id=project_id)
        .values_list("changed_at", flat=True)
        .first(),
    ]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def flow_types(project_id: int) -> list[FlowType]:
    return list(FlowType.objects.filter(project_id=project_id).select_related("code"))


def actors(project_id: int) -> list[Actor]:
    return list(Actor.objects.filter(project_id=project_id))


@dataclass(frozen=True)
class StoredNetwork:
    """A snapshot's results as ``network.graph`` objects."""

    snapshot: NetworkSnapshot
    actors: dict[int, Actor]
    graph: nx.MultiDiGraph
    metrics: list[graph.ActorMetrics]
    mentions: dict[int, int]
    ties: list[graph.Tie]


def stored_network(
    snapshot: NetworkSnapshot, *, evidence: bool = True
) -> StoredNetwork:
    """Rebuild the graph of a computed snapshot from its stored ties and metrics.

    Every current actor is a node (an actor added since the build is an isolated
    one, without metrics, until the next build). Without ``evidence`` the ties'
    coding lists stay in the database (the drawing does not need them; with
    200,000 codings they are most of the reading time), so ``Tie.coders`` is 0.
    """
    tie_rows = snapshot.ties.order_by("id")
    if not evidence:
        tie_rows = tie_rows.defer("evidence")
    by_id = {a.pk: a for a in Actor.objects.filter(project_id=snapshot.project_id)}
    rows = {
        m.actor_id: m
        for m in ActorMetric.objects.filter(snapshot=snapshot).order_by("actor_id")
    }
    mentions = {actor_id: m.mentions for actor_id, m in rows.items()}
    nodes = [
        graph.Actor(a.pk, a.name, a.kind, mentions.get(a.pk, 0))
        for a in sorted(by_id.values(), key=lambda a: a.pk)
    ]
    ties = [
        graph.Tie(
            source=t.source_id,
            target=t.target_id,
            flow=t.flow,
            weight=t.weight,
            documents=t.documents,
            occasional=t.occasional,
            occasional_votes=t.occasional_votes,
            structural_votes=t.structural_votes,
            mutual=t.mutual,
            evidence=tuple(map(graph.Evidence._make, t.evidence_tuples()))
            if evidence
            else (),
            layer=t.layer,
        )
        for t in tie_rows
        if t.source_id in by_id and t.target_id in by_id
    ]
    network = graph.build_graph(nodes, ties)
    metrics = [
        graph.ActorMetrics(
            actor_id=actor_id,
            name=by_id[actor_id].name,
            kind=by_id[actor_id].kind,
            **{name: getattr(m, name) for name in METRIC_FIELDS},
        )
        for actor_id, m in rows.items()
        if actor_id in by_id
    ]
    return StoredNetwork(snapshot, by_id, network, metrics, mentions, ties)


def gatekeeper_sentence(summary: dict) -> str:
    """The gatekeeper sentence in the active language (Dutch or English)."""
    language = (translation.get_language() or "en").split("-")[0]
    if language == "nl":
        return summary.get("sentence_nl", "")
    return summary.get("sentence_en", "")


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    """A computed snapshot's summary, as the page, the API and the command show it
    (the snapshot stores it as JSON in ``NetworkSnapshot.summary``)."""

    nodes: int
    edges: int
    actor_pairs: int
    density: float
    weak_components: int
    strong_components: int
    relation_codings: int
    co_mention_ties: int
    gatekeepers: list[int]
    gatekeeper_betweenness: float | None
    gatekeeper_sentence: str  # in the active language

    def as_json(self) -> dict:
        return asdict(self)


def snapshot_summary(snapshot: NetworkSnapshot) -> NetworkSummary:
    s = snapshot.summary or {}
    return NetworkSummary(
        nodes=s.get("nodes", 0),
        edges=s.get("edges", 0),
        actor_pairs=s.get("actor_pairs", 0),
        density=s.get("density", 0.0),
        weak_components=s.get("weak_components", 0),
        strong_components=s.get("strong_components", 0),
        relation_codings=s.get("relation_codings", 0),
        co_mention_ties=s.get("co_mention_ties", 0),
        gatekeepers=list(s.get("gatekeeper_ids", [])),
        gatekeeper_betweenness=s.get("gatekeeper_betweenness"),
        gatekeeper_sentence=gatekeeper_sentence(s),
    )


def summary_payload(snapshot: NetworkSnapshot) -> dict:
    """The summary as JSON (``NetworkSummarySerializer``)."""
    return snapshot_summary(snapshot).as_json()


def network_payload(snapshot: NetworkSnapshot, *, changed_at=None) -> dict:
    """What ``GET /api/v1/projects/{id}/network/`` and ``manage.py network --json``
    return: the snapshot's key, its summary, nodes with metrics and edges."""
    stored = stored_network(snapshot)
    by_actor = {m.actor_id: m for m in stored.metrics}
    nodes = []
    for actor in sorted(stored.actors.values(), key=lambda a: a.pk):
        m = by_actor.get(actor.pk)
        nodes.append(
            {
                "id": actor.pk,
                "name": actor.name,
                "kind": actor.kind,
                "code": actor.code_id,
                "mentions": stored.mentions.get(actor.pk, 0),
                **{name: getattr(m, name) if m else None for name in METRIC_FIELDS},
            }
        )
    edges = [
        {
            "source": tie.source,
            "target": tie.target,
            "flow": tie.flow,
            "layer": tie.layer,
            "occasional": tie.occasional,
            "regularity": tie.regularity,
            "mutual": tie.mutual,
            "weight": tie.weight,
            "documents": tie.documents,
            "coders": tie.coders,
            "evidence_count": len(tie.evidence),
            "occasional_votes": tie.occasional_votes,
            "structural_votes": tie.structural_votes,
            "coding_ids": [
                e.coding_id for e in tie.evidence if e.coding_id is not None
            ],
        }
        for tie in stored.ties
    ]
    return {
        "project": snapshot.project_id,
        "snapshot": snapshot.pk,
        "status": snapshot.status,
        "freshness": snapshot.badge(up_to_date=snapshot.built_since(changed_at)),
        "computed_at": snapshot.computed_at.isoformat()
        if snapshot.computed_at
        else None,
        "filters": snapshot.filters,
        "summary": summary_payload(snapshot),
        "nodes": nodes,
        "edges": edges,
    }


def drawing_payload(stored: StoredNetwork, flows: dict[str, FlowType]) -> dict:
    """Nodes with start positions and metrics, and Figuur 3's arrows, for the page."""
    positions = graph.initial_positions(stored.graph, radius=260.0)
    by_actor = {m.actor_id: m for m in stored.metrics}
    nodes = []
    for node in stored.graph.nodes:
        actor = stored.actors[node]
        m = by_actor.get(node)
        x, y = positions.get(node, (0.0, 0.0))
        nodes.append(
            {
                "id": node,
                "name": actor.name,
                "kind": actor.kind,
                "colour": graph.KIND_COLOURS.get(
                    actor.kind, graph.KIND_COLOURS["other"]
                ),
                "x": x,
                "y": y,
                "mentions": stored.mentions.get(node, 0),
                "degree": m.degree if m else 0,
                "weighted_degree": m.weighted_degree if m else 0,
                "betweenness": m.betweenness if m else 0.0,
            }
        )
    edges = []
    for number, edge in enumerate(graph.drawing_edges(stored.graph)):
        flow = flows.get(edge.flow)
        edges.append(
            {
                "id": f"e{number}",
                "source": edge.source,
                "target": edge.target,
                "flow": edge.flow,
                "label": flow.label if flow else edge.flow,
                "layer": edge.layer,
                "both_ways": edge.both_ways,
                "occasional": edge.occasional,
                "weight": edge.weight,
                "colour": flow.colour
                if flow and edge.layer == graph.RELATION
                else edge.colour,
            }
        )
    return {"nodes": nodes, "edges": edges}


@dataclass(frozen=True)
class Quote:
    coding_id: int
    document_id: int
    document_title: str
    start: int
    end: int
    text: str
    coder: str  # empty when the caller may not see who coded it
    memo: str
    flow: str
    source: str
    target: str
    mutual: bool
    occasional: bool


def quotes(
    access: ProjectAccess, coding_ids: list[int], *, limit: int = 200
) -> list[Quote]:
    """The relation codings behind a tie or an actor, as far as the caller may see
    them (blind coding is applied again here, whatever the snapshot holds)."""
    rows = (
        access.visible_codings()
        .filter(pk__in=coding_ids)
        .select_related(
            "document",
            "coder",
            "relation__flow",
            "relation__source_actor",
            "relation__target_actor",
        )
        .defer("document__text")
        .annotate(quote=Substr("document__text", F("start") + 1, F("end") - F("start")))
        .order_by("document__title", "start", "id")[:limit]
    )
    consensus_id = access.project.consensus_user_id
    result = []
    for coding in rows:
        relation = getattr(coding, "relation", None)
        if coding.coder_id == consensus_id:
            coder = translation.gettext("consensus")
        elif access.sees_coder(coding.coder_id):
            coder = coding.coder.username
        else:
            coder = ""
        result.append(
            Quote(
                coding_id=coding.pk,
                document_id=coding.document_id,
                document_title=coding.document.title,
                start=coding.start,
                end=coding.end,
                text=coding.quote,
                coder=coder,
                memo=coding.memo,
                flow=relation.flow.label if relation else "",
                source=relation.source_actor.name if relation else "",
                target=relation.target_actor.name if relation else "",
                mutual=relation.mutual if relation else False,
                occasional=relation.occasional if relation else False,
            )
        )
    return result


def flow_keys_by_code(project_id: int) -> dict[int, str]:
    """``{code id: flow key}`` of the project's relation codes (for the palette)."""
    return dict(
        FlowType.objects.filter(project_id=project_id).values_list("code_id", "key")
    )
