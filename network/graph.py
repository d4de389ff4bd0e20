"""Pure actor-network code: relation codings in, ties, a graph, metrics and exports out.

No ORM and no requests here (services adapt rows to the dataclasses below), so the
page, the API, a Celery task and the benchmark all share one implementation. The
model is the thesis' Figuur 3 (§4.5): actors are nodes, every flow type ("material"
in red, "knowledge" in green, or a project's own key) is its own arrow, and an arrow
is dashed when the flow happens only some years or in some cases.

Choices made once, here, so that every caller gets the same answer:

* **Mutual codings** become two directed ties, one per direction, each counting the
  coding as support. Directed metrics (in/out degree, betweenness, closeness) then see
  the flow going both ways, as it does. ``Tie.mutual`` is true whenever the reverse tie
  of the same flow exists (from a mutual coding or from two one-way codings), and
  ``drawing_edges`` folds such a pair back into one double-headed arrow, as Figuur 3
  draws it.
* **Occasional or structural** is the majority of the supporting codings; the counts
  are kept. A tie goes to *occasional*: a solid arrow claims the flow happens every
  year, and an evenly split team has not shown that.
* **Paths** count steps by default: ``weight`` is the number of codings, which says
  how often interviews and coders touched a tie (the city is asked about everything),
  not how short the way between two actors is. ``weighted_paths=True`` uses
  ``1 / weight`` as the distance instead, so ties with more evidence are shorter.
* **Self-loops** (source == target) are dropped with a ``SelfLoopWarning``: an actor
  does not exchange with itself in Figuur 3, and a loop would inflate its degree.
"""

from __future__ import annotations

import io
import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, repeat
from operator import attrgetter, is_not, itemgetter
from typing import NamedTuple

import networkx as nx
import numpy as np

from coding.exports import iter_csv
from network import paths

MATERIAL = "material"
KNOWLEDGE = "knowledge"
OTHER = "other"
CO_MENTION = "co_mention"  # flow key and layer of the co-mention layer; reserved
RELATION = "relation"  # layer of ties that come from relation codings

OCCASIONAL = "occasional"
STRUCTURAL = "structural"
NOT_APPLICABLE = "n/a"

# Figuur 3: red for material flows, green for knowledge; others stay neutral.
FLOW_COLOURS = {
    MATERIAL: "#d62728",
    KNOWLEDGE: "#2ca02c",
    OTHER: "#7f7f7f",
    CO_MENTION: "#b0b0b0",
}
DEFAULT_FLOW_COLOUR = "#1f77b4"

# Node colours by actor kind (the page's drawing and its legend); colour-blind safe.
KIND_COLOURS = {
    "city": "#23527c",
    "agency": "#6a51a3",
    "vzw": "#c77c02",
    "association": "#2b8c8c",
    "other": "#6b6b6b",
}

# Order of the circle around the centre; unknown kinds follow, alphabetically.
KIND_ORDER = ("city", "agency", "vzw", "association")

# Up to this many actors eigenvector centrality and the structural-hole measures use
# dense numpy matrices (3,000 actors: 72 MB each); past it, networkx's own loops,
# which are slow but light. An interview study does not come near it.
MAX_DENSE_ACTORS = 3000


_new_tuple = tuple.__new__  # a namedtuple from a tuple, without Python-level calls
_CODING = itemgetter(0)
_CODER = itemgetter(1)


class SelfLoopWarning(UserWarning):
    """A relation coding from an actor to itself was left out."""


@dataclass(frozen=True, slots=True)
class RelationCoding:
    coding_id: int
    document_id: int
    coder_id: int
    source_actor_id: int
    target_actor_id: int
    flow: str
    mutual: bool = False
    occasional: bool = False


_FIELDS = (
    "coding_id",
    "document_id",
    "coder_id",
    "source_actor_id",
    "target_actor_id",
    "flow",
    "mutual",
    "occasional",
)


@dataclass(frozen=True, eq=False)
class RelationColumns:
    """Relation codings as parallel numpy arrays, one entry per coding.

    How the network build hands 200,000 database rows to ``build_ties`` without
    making an object of each; ``flow`` holds positions in ``flows`` (the keys; one
    may be listed twice).
    """

    coding: np.ndarray
    document: np.ndarray
    coder: np.ndarray
    source: np.ndarray
    target: np.ndarray
    flow: np.ndarray
    flows: tuple[str, ...]
    mutual: np.ndarray
    occasional: np.ndarray

    def __len__(self) -> int:
        return int(self.coding.size)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence]) -> RelationColumns:
        """From ``(coding, document, coder, source, target, flow key, mutual,
        occasional)`` rows, the order of ``RelationCoding``'s fields."""
        rows = list(rows)
        cells = list(zip(*rows, strict=True)) if rows else [()] * len(_FIELDS)
        return cls._from_cells(cells)

    @classmethod
    def from_codings(cls, codings: Iterable[RelationCoding]) -> RelationColumns:
        codings = list(codings)
        return cls._from_cells([list(map(attrgetter(f), codings)) for f in _FIELDS])

    @classmethod
    def _from_cells(cls, cells: list[Sequence]) -> RelationColumns:
        flows = tuple(dict.fromkeys(cells[5]))
        position = {key: i for i, key in enumerate(flows)}
        size = len(cells[0])
        return cls(
            *(np.fromiter(cells[i], np.int64, size) for i in range(5)),
            flow=np.fromiter(map(position.__getitem__, cells[5]), np.int64, size),
            flows=flows,
            mutual=np.fromiter(cells[6], bool, size),
            occasional=np.fromiter(cells[7], bool, size),
        )

    def __add__(self, other: RelationColumns) -> RelationColumns:
        flows = tuple(dict.fromkeys((*self.flows, *other.flows)))
        position = {key: i for i, key in enumerate(flows)}

        def moved(part: RelationColumns) -> np.ndarray:
            new = np.array([position[key] for key in part.flows], dtype=np.int64)
            return new[part.flow]

        def joined(name: str) -> np.ndarray:
            return np.concatenate((getattr(self, name), getattr(other, name)))

        return RelationColumns(
            *(joined(name) for name in ("coding", "document", "coder", "source")),
            target=joined("target"),
            flow=np.concatenate((moved(self), moved(other))),
            flows=flows,
            mutual=joined("mutual"),
            occasional=joined("occasional"),
        )


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    name: str
    kind: str
    mentions: int = 0


@dataclass(frozen=True, slots=True)
class CoMention:
    document_id: int
    turn_number: int
    actor_ids: frozenset[int]


class Evidence(NamedTuple):
    """One coding (or, for co-mentions, one turn) that supports a tie."""

    coding_id: int | None
    coder_id: int | None
    document_id: int
    turn_number: int | None = None


class EvidenceColumns(Sequence):
    """A tie's relation codings as parallel lists; ``Evidence`` made on demand.

    A sequence of ``Evidence`` like the tuple it stands for (and equal to it), but
    200,000 codings do not become 280,000 tuples (and as many visits of the garbage
    collector) that the build would only turn back into lists to store them.
    """

    __slots__ = ("codings", "coders", "documents")

    def __init__(self, codings: list, coders: list, documents: list) -> None:
        self.codings = codings
        self.coders = coders
        self.documents = documents

    def __len__(self) -> int:
        return len(self.codings)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        return Evidence(self.codings[index], self.coders[index], self.documents[index])

    def __iter__(self):
        rows = zip(self.codings, self.coders, self.documents, repeat(None))
        return map(_new_tuple, repeat(Evidence), rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EvidenceColumns):
            return (self.codings, self.coders, self.documents) == (
                other.codings,
                other.coders,
                other.documents,
            )
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"EvidenceColumns({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Tie:
    """Aggregated flow of one type from ``source`` to ``target``."""

    source: int
    target: int
    flow: str
    weight: int
    documents: int
    occasional: bool
    occasional_votes: int
    structural_votes: int
    mutual: bool
    evidence: Sequence[Evidence] = field(default=(), repr=False)
    layer: str = RELATION

    @property
    def regularity(self) -> str:
        if self.layer != RELATION:
            return NOT_APPLICABLE
        return OCCASIONAL if self.occasional else STRUCTURAL

    @property
    def coders(self) -> int:
        evidence = self.evidence
        if isinstance(evidence, EvidenceColumns):
            coders = set(evidence.coders)
        else:
            coders = set(map(_CODER, evidence))
        coders.discard(None)
        return len(coders)


@dataclass(frozen=True, slots=True)
class ActorMetrics:
    """Centralities of one actor; ``None`` where the measure is undefined."""

    actor_id: int
    name: str
    kind: str
    degree: int
    in_degree: int
    out_degree: int
    neighbours: int
    weighted_degree: int
    weighted_in_degree: int
    weighted_out_degree: int
    betweenness: float
    closeness: float
    eigenvector: float | None
    constraint: float | None
    effective_size: float | None
    component: int


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    nodes: int
    edges: int  # ties: one per flow type and direction
    actor_pairs: int  # ordered pairs linked by at least one flow
    density: float  # of the actor pairs, directed
    weak_components: int
    strong_components: int
    gatekeeper_ids: tuple[int, ...]
    gatekeeper_betweenness: float | None
    sentence_en: str
    sentence_nl: str


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    """One arrow on the page; ``both_ways`` draws heads at both ends."""

    source: int
    target: int
    flow: str
    layer: str
    both_ways: bool
    occasional: bool
    weight: int
    colour: str


# --- ties -------------------------------------------------------------------------


def build_ties(codings: Iterable[RelationCoding] | RelationColumns) -> list[Tie]:
    """Aggregate codings per (source, target, flow), sorted by that key.

    A mutual coding supports both directions. Self-loops are skipped with a
    ``SelfLoopWarning``; a repeated ``coding_id`` or the reserved flow key
    ``"co_mention"`` raises ``ValueError`` rather than silently double counting.
    ``codings`` may come as ``RelationColumns``, as the network build reads them.
    """
    # 200,000 codings in the benchmark: numpy sorts them into runs of one tie each,
    # so Python only loops over the ties.
    columns = (
        codings
        if isinstance(codings, RelationColumns)
        else RelationColumns.from_codings(codings)
    )
    _check_codings(columns)
    runs = _tie_runs(columns, keep=~_self_loops(columns))
    return _ties_of_runs(runs) if runs is not None else []


def _self_loops(columns: RelationColumns) -> np.ndarray:
    """Which codings go from an actor to itself (warned about, left out)."""
    loops = columns.source == columns.target
    if loops.any():
        warnings.warn(
            f"{int(loops.sum())} relation coding(s) from an actor to itself left out",
            SelfLoopWarning,
            stacklevel=3,
        )
    return loops


@dataclass(frozen=True, slots=True)
class _TieRuns:
    """Directed codings sorted by (source, target, flow, coding): one run per tie,
    ``starts[i]:ends[i]``, with the run's occasional votes."""

    keys: list[tuple[int, int, str]]
    starts: list[int]
    ends: list[int]
    votes: list[int]
    codings: list[int]
    coders: list[int]
    documents: list[int]


def _tie_runs(columns: RelationColumns, *, keep: np.ndarray) -> _TieRuns | None:
    """The kept codings, a mutual one also from target to source, in runs per
    (source, target, flow); ``None`` when there are none."""
    back = keep & columns.mutual  # a mutual coding also supports target -> source

    def directed(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
        return np.concatenate((forward[keep], backward[back]))

    flows = sorted(set(columns.flows))
    rank = np.array([flows.index(key) for key in columns.flows], dtype=np.intp)
    source = directed(columns.source, columns.target)
    target = directed(columns.target, columns.source)
    flow = rank[directed(columns.flow, columns.flow)]
    coding = directed(columns.coding, columns.coding)
    order = np.lexsort((coding, flow, target, source))  # by key, then coding id
    if not order.size:
        return None
    source, target, flow = source[order], target[order], flow[order]
    new = (source[1:] != source[:-1]) | (target[1:] != target[:-1])
    new |= flow[1:] != flow[:-1]
    starts = np.flatnonzero(np.concatenate(([True], new)))
    votes = np.add.reduceat(
        directed(columns.occasional, columns.occasional)[order].astype(np.int64), starts
    )
    return _TieRuns(
        keys=list(
            zip(
                source[starts].tolist(),
                target[starts].tolist(),
                [flows[r] for r in flow[starts].tolist()],
                strict=True,
            )
        ),
        starts=starts.tolist(),
        ends=np.append(starts[1:], order.size).tolist(),
        votes=votes.tolist(),
        codings=coding[order].tolist(),
        coders=directed(columns.coder, columns.coder)[order].tolist(),
        documents=directed(columns.document, columns.document)[order].tolist(),
    )


def _ties_of_runs(runs: _TieRuns) -> list[Tie]:
    present = set(runs.keys)
    ties = []
    for (s, t, f), a, b, occasional in zip(
        runs.keys, runs.starts, runs.ends, runs.votes, strict=True
    ):
        structural = b - a - occasional
        ties.append(
            Tie(
                source=s,
                target=t,
                flow=f,
                weight=b - a,
                documents=len(set(runs.documents[a:b])),
                # An even split goes to occasional: see the module docstring.
                occasional=occasional >= structural,
                occasional_votes=occasional,
                structural_votes=structural,
                mutual=(t, s, f) in present,
                evidence=EvidenceColumns(
                    runs.codings[a:b], runs.coders[a:b], runs.documents[a:b]
                ),
            )
        )
    return ties


def _check_codings(columns: RelationColumns) -> None:
    ids = np.sort(columns.coding)
    repeated = ids[1:][ids[1:] == ids[:-1]]
    if repeated.size:
        raise ValueError(f"coding {int(repeated[0])} appears twice")
    invalid = [i for i, key in enumerate(columns.flows) if not key or key == CO_MENTION]
    hits = np.flatnonzero(np.isin(columns.flow, invalid))
    if hits.size:
        at = int(hits[0])
        flow = columns.flows[int(columns.flow[at])]
        raise ValueError(
            f"coding {int(columns.coding[at])} has an invalid flow {flow!r}"
        )


def co_mention_ties(co_mentions: Iterable[CoMention]) -> list[Tie]:
    """Undirected ties between actors named in the same turn (source < target).

    ``weight`` is the number of distinct turns naming both; a turn listed twice
    counts once.
    """
    turns: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)
    for mention in co_mentions:
        turn = (mention.document_id, mention.turn_number)
        for a, b in combinations(sorted(mention.actor_ids), 2):
            turns[(a, b)].add(turn)
    ties = []
    for (a, b), where in sorted(turns.items()):
        ordered = sorted(where)
        ties.append(
            Tie(
                source=a,
                target=b,
                flow=CO_MENTION,
                weight=len(ordered),
                documents=len({doc for doc, _ in ordered}),
                occasional=False,
                occasional_votes=0,
                structural_votes=0,
                mutual=True,
                evidence=tuple(Evidence(None, None, d, t) for d, t in ordered),
                layer=CO_MENTION,
            )
        )
    return ties


# --- graph ------------------------------------------------------------------------


def build_graph(
    actors: Iterable[Actor],
    ties: Iterable[Tie],
    *,
    flows: Iterable[str] | None = None,
    co_mentions: Iterable[CoMention] | None = None,
) -> nx.MultiDiGraph:
    """One node per actor (also without ties) and one edge per tie, keyed by flow.

    A ``MultiDiGraph`` keeps material and knowledge between the same two actors as
    separate, separately coloured edges, which drawing and Gephi need; the metrics
    collapse it with ``combined_digraph``. ``flows`` keeps only those flow types.
    Co-mentions (raw, or ties from ``co_mention_ties`` among ``ties``) are added in
    both directions with the key and layer ``"co_mention"``; ``flows`` does not
    filter them. All attribute values are scalars, so the graph exports as is.
    Raises ``ValueError`` for a repeated actor id or a tie to an unknown actor.
    """
    graph = nx.MultiDiGraph()
    for actor in actors:
        if actor.id in graph:
            raise ValueError(f"actor {actor.id} appears twice")
        graph.add_node(
            actor.id, name=actor.name, kind=actor.kind, mentions=actor.mentions
        )
    wanted = (
        None if flows is None else {flows} if isinstance(flows, str) else set(flows)
    )
    for tie in ties:
        if tie.layer == CO_MENTION:
            _add_tie(graph, tie)
            _add_tie(graph, tie, reverse=True)
            continue
        if tie.flow == CO_MENTION:
            raise ValueError('"co_mention" is reserved for the co-mention layer')
        if wanted is None or tie.flow in wanted:
            _add_tie(graph, tie)
    for tie in co_mention_ties(co_mentions or ()):
        _add_tie(graph, tie)
        _add_tie(graph, tie, reverse=True)
    return graph


def _add_tie(graph: nx.MultiDiGraph, tie: Tie, *, reverse: bool = False) -> None:
    source, target = (tie.target, tie.source) if reverse else (tie.source, tie.target)
    for node in (source, target):
        if node not in graph:
            raise ValueError(f"tie refers to unknown actor {node}")
    graph.add_edge(
        source,
        target,
        key=tie.flow,
        layer=tie.layer,
        flow=tie.flow,
        weight=tie.weight,
        documents=tie.documents,
        coders=tie.coders,
        occasional=tie.occasional,
        regularity=tie.regularity,
        occasional_votes=tie.occasional_votes,
        structural_votes=tie.structural_votes,
        mutual=tie.mutual,
        coding_ids=";".join(map(str, _coding_ids(tie.evidence))),
    )


def _coding_ids(evidence: Sequence[Evidence]) -> Iterable[int]:
    if isinstance(evidence, EvidenceColumns):
        return evidence.codings
    return filter(partial(is_not, None), map(_CODING, evidence))


def combined_digraph(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """All flows between two actors as one directed edge.

    ``weight`` sums the flows' weights (codings); ``distance`` is ``1 / weight``.
    """
    weights: dict[tuple[int, int], int] = {}  # summed first: networkx's own
    for u, v, weight in graph.edges(data="weight", default=1):  # lookups are slow
        if u != v:
            weights[u, v] = weights.get((u, v), 0) + weight
    if any(weight <= 0 for weight in weights.values()):
        raise ValueError("edge weights must be positive")
    combined = nx.DiGraph()
    combined.add_nodes_from(graph.nodes(data=True))
    combined.add_edges_from(
        (u, v, {"weight": weight, "distance": 1.0 / weight})
        for (u, v), weight in weights.items()
    )
    return combined


# --- metrics ----------------------------------------------------------------------


def actor_metrics(
    graph: nx.MultiDiGraph, *, weighted_paths: bool = False
) -> list[ActorMetrics]:
    """Centralities per actor, in the graph's node order, on ``combined_digraph``.

    Degrees count partners (in + out, networkx's convention; ``neighbours`` counts
    each partner once), weighted degrees count codings. Betweenness (normalised,
    directed) and closeness (networkx's: how easily the others reach the actor, with
    the Wasserman-Faust correction for unreachable actors) walk steps, all sources at
    once in ``network.paths``, or ``1 / weight`` with ``weighted_paths`` (networkx's
    Dijkstra). Eigenvector centrality uses weights as strengths and is ``None``
    where it means nothing (no cycles at all). Burt's constraint and effective size
    use the undirected projection, with a pair's weights in both directions summed;
    they are ``None`` for actors without ties.
    """
    combined = combined_digraph(graph)
    nodes = list(combined.nodes)
    if not nodes:
        return []
    betweenness, closeness = _path_centralities(combined, nodes, weighted_paths)
    eigenvector = _eigenvector(combined)
    constraint, effective = _structural_holes(combined)
    components = _component_ids(combined)
    return [
        ActorMetrics(
            actor_id=node,
            name=str(combined.nodes[node].get("name", node)),
            kind=str(combined.nodes[node].get("kind", "")),
            **_degrees(combined, node),
            betweenness=float(betweenness[node]),
            closeness=float(closeness[node]),
            eigenvector=None if eigenvector is None else eigenvector[node],
            constraint=constraint[node],
            effective_size=effective[node],
            component=components[node],
        )
        for node in nodes
    ]


def _path_centralities(
    combined: nx.DiGraph, nodes: list[int], weighted_paths: bool
) -> tuple[dict, dict]:
    """Betweenness and closeness per node, by steps or by ``1 / weight``."""
    if weighted_paths:
        betweenness = nx.betweenness_centrality(
            combined, normalized=True, weight="distance"
        )
        closeness = nx.closeness_centrality(combined, distance="distance")
        return betweenness, closeness
    return _unweighted_paths(combined, nodes)


def _degrees(combined: nx.DiGraph, node: int) -> dict[str, int]:
    """Partners (in, out, distinct) and codings (weighted) of one actor."""
    in_degree = combined.in_degree(node)
    out_degree = combined.out_degree(node)
    weighted_in = int(combined.in_degree(node, weight="weight"))
    weighted_out = int(combined.out_degree(node, weight="weight"))
    return {
        "degree": in_degree + out_degree,
        "in_degree": in_degree,
        "out_degree": out_degree,
        "neighbours": len(
            set(combined.successors(node)).union(combined.predecessors(node))
        ),
        "weighted_degree": weighted_in + weighted_out,
        "weighted_in_degree": weighted_in,
        "weighted_out_degree": weighted_out,
    }


def _unweighted_paths(
    combined: nx.DiGraph, nodes: list[int]
) -> tuple[dict[int, float], dict[int, float]]:
    """Betweenness and closeness as networkx's, counting steps (``network.paths``)."""
    position = {node: i for i, node in enumerate(nodes)}
    pairs = np.array(
        [(position[u], position[v]) for u, v in combined.edges], dtype=np.intp
    ).reshape(-1, 2)
    betweenness, closeness = paths.betweenness_closeness(
        pairs[:, 0], pairs[:, 1], len(nodes)
    )
    return dict(zip(nodes, betweenness, strict=True)), dict(
        zip(nodes, closeness, strict=True)
    )


def _eigenvector(combined: nx.DiGraph) -> dict[int, float] | None:
    """Weighted in-eigenvector centrality, or ``None`` when it is undefined.

    Without a directed cycle the adjacency matrix is nilpotent: every eigenvalue is
    0 and power iteration would still "converge" on the sinks, so we say nothing.
    Otherwise this is ``nx.eigenvector_centrality`` (same start, shift, norm and
    tolerance) with numpy doing the products: a hub with partners on one side only
    is nearly bipartite, and networkx's Python loop then needs ~1,000 rounds (1.6 s
    on 500 actors). If that does not converge we solve the eigenproblem densely, as
    ``nx.eigenvector_centrality_numpy`` would (that one needs scipy, which Regie
    does not ship).
    """
    if combined.number_of_edges() == 0 or nx.is_directed_acyclic_graph(combined):
        return None
    nodes = list(combined.nodes)
    if len(nodes) > MAX_DENSE_ACTORS:
        try:
            values = nx.eigenvector_centrality(combined, max_iter=1000, weight="weight")
        except nx.PowerIterationFailedConvergence:
            return None
        return {node: float(value) for node, value in values.items()}
    matrix = nx.to_numpy_array(combined, nodelist=nodes, weight="weight")
    vector = _power_iteration(matrix)
    if vector is None:
        vector = _dense_eigenvector(matrix)
    if vector is None:
        return None
    return {node: float(value) for node, value in zip(nodes, vector, strict=True)}


def _power_iteration(
    matrix: np.ndarray, *, max_iter: int = 1000, tol: float = 1e-6
) -> np.ndarray | None:
    """networkx's power iteration on A + I (in-edges), or ``None`` if it stalls."""
    size = matrix.shape[0]
    incoming = matrix.T
    x = np.full(size, 1.0 / size)
    for _ in range(max_iter):
        last = x
        x = last + incoming @ last
        norm = np.linalg.norm(x) or 1.0
        x = x / norm
        if np.abs(x - last).sum() < size * tol:
            return x
    return None


def _dense_eigenvector(matrix: np.ndarray) -> np.ndarray | None:
    try:
        eigenvalues, eigenvectors = np.linalg.eig(matrix.T)
    except np.linalg.LinAlgError:
        return None
    index = int(np.argmax(eigenvalues.real))
    if eigenvalues[index].real <= 1e-12:
        return None
    vector = eigenvectors[:, index].real
    norm = np.sign(vector.sum()) * np.linalg.norm(vector)
    if norm == 0:
        return None
    return vector / norm


def _structural_holes(
    combined: nx.DiGraph,
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Burt's constraint and effective size, as networkx defines them with weights.

    networkx's versions loop over neighbours of neighbours in Python (seconds for a
    hub with a few hundred partners), so this computes the same formulas with dense
    matrices: with W the symmetric weights, P = W / row sums and M = W / row maxima,
    constraint(i) = sum over partners j of (P + P @ P)[i, j] ** 2 and
    effective size(i) = partners(i) - sum over partners j of (P @ M.T)[i, j].
    """
    nodes = list(combined.nodes)
    if len(nodes) > MAX_DENSE_ACTORS:
        return _structural_holes_networkx(combined)
    directed = nx.to_numpy_array(combined, nodelist=nodes, weight="weight")
    weights = directed + directed.T
    np.fill_diagonal(weights, 0.0)
    linked = weights > 0
    sums = weights.sum(axis=1)
    maxima = weights.max(axis=1) if len(nodes) else sums
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(sums[:, None] > 0, weights / sums[:, None], 0.0)
        relative = np.where(maxima[:, None] > 0, weights / maxima[:, None], 0.0)
    constraint_matrix = (share + share @ share) ** 2
    constraint_values = np.where(linked, constraint_matrix, 0.0).sum(axis=1)
    redundancy = np.where(linked, share @ relative.T, 0.0).sum(axis=1)
    effective_values = linked.sum(axis=1) - redundancy
    constraint: dict[int, float | None] = {}
    effective: dict[int, float | None] = {}
    for i, node in enumerate(nodes):
        isolated = not linked[i].any()
        constraint[node] = None if isolated else float(constraint_values[i])
        effective[node] = None if isolated else float(effective_values[i])
    return constraint, effective


def _structural_holes_networkx(
    combined: nx.DiGraph,
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    undirected = nx.Graph()
    undirected.add_nodes_from(combined)
    for u, v, weight in combined.edges(data="weight"):
        if undirected.has_edge(u, v):
            undirected[u][v]["weight"] += weight
        else:
            undirected.add_edge(u, v, weight=weight)
    constraint = nx.constraint(undirected, weight="weight")
    effective = nx.effective_size(undirected, weight="weight")

    def defined(value: float) -> float | None:
        return None if math.isnan(value) else float(value)

    return (
        {node: defined(value) for node, value in constraint.items()},
        {node: defined(value) for node, value in effective.items()},
    )


def _component_ids(combined: nx.DiGraph) -> dict[int, int]:
    """Weakly connected components numbered 0.. from the largest; ties by node order."""
    position = {node: i for i, node in enumerate(combined.nodes)}
    components = sorted(
        (
            sorted(c, key=position.__getitem__)
            for c in nx.weakly_connected_components(combined)
        ),
        key=lambda c: (-len(c), position[c[0]]),
    )
    return {node: number for number, c in enumerate(components) for node in c}


def network_summary(
    graph: nx.MultiDiGraph,
    *,
    metrics: Sequence[ActorMetrics] | None = None,
    weighted_paths: bool = False,
) -> NetworkSummary:
    """Counts, density and the gatekeeper: the actor(s) with the highest betweenness.

    Pass ``metrics`` from ``actor_metrics`` to avoid computing them twice. Actors
    whose betweenness equals the maximum (within rounding) share the role; with no
    actor between two others there is no gatekeeper.
    """
    if metrics is None:
        metrics = actor_metrics(graph, weighted_paths=weighted_paths)
    combined = combined_digraph(graph)
    top = max((m.betweenness for m in metrics), default=0.0)
    gatekeepers = []
    if top > 0:
        gatekeepers = [
            m
            for m in metrics
            if math.isclose(m.betweenness, top, rel_tol=1e-9, abs_tol=1e-12)
        ]
    sentence_en, sentence_nl = _gatekeeper_sentences([m.name for m in gatekeepers], top)
    return NetworkSummary(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        actor_pairs=combined.number_of_edges(),
        density=float(nx.density(combined)) if len(combined) > 1 else 0.0,
        weak_components=nx.number_weakly_connected_components(combined)
        if len(combined)
        else 0,
        strong_components=nx.number_strongly_connected_components(combined)
        if len(combined)
        else 0,
        gatekeeper_ids=tuple(m.actor_id for m in gatekeepers),
        gatekeeper_betweenness=top if gatekeepers else None,
        sentence_en=sentence_en,
        sentence_nl=sentence_nl,
    )


def _percent(share: float) -> str:
    """Whole percent, with one decimal where rounding would say 0 or 100."""
    value = share * 100
    if 0 < value < 1 or 99 < value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _join(names: Sequence[str], conjunction: str) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _gatekeeper_sentences(names: Sequence[str], share: float) -> tuple[str, str]:
    if not names:
        return (
            "No actor lies on a shortest path between two others: "
            "this network has no gatekeeper.",
            "Geen enkele actor ligt op een kortste pad tussen twee andere: "
            "dit netwerk heeft geen gatekeeper.",
        )
    en = _percent(share)
    nl = en.replace(".", ",")
    if len(names) == 1:
        return (
            f"{names[0]} lies on {en} % of the shortest paths between other actors: "
            "the gatekeeper of this network.",
            f"{names[0]} ligt op {nl} % van de kortste paden tussen andere actoren: "
            "de gatekeeper van dit netwerk.",
        )
    return (
        f"{_join(names, 'and')} each lie on {en} % of the shortest paths between "
        "other actors: together the gatekeepers of this network.",
        f"{_join(names, 'en')} liggen elk op {nl} % van de kortste paden tussen "
        "andere actoren: samen de gatekeepers van dit netwerk.",
    )


# --- exports ----------------------------------------------------------------------

METRIC_FIELDS = (
    "degree",
    "in_degree",
    "out_degree",
    "neighbours",
    "weighted_degree",
    "weighted_in_degree",
    "weighted_out_degree",
    "betweenness",
    "closeness",
    "eigenvector",
    "constraint",
    "effective_size",
    "component",
)
NODE_COLUMNS = ("id", "name", "kind", "mentions", *METRIC_FIELDS)
EDGE_COLUMNS = (
    "source",
    "source_name",
    "target",
    "target_name",
    "layer",
    "flow",
    "weight",
    "documents",
    "coders",
    "occasional",
    "regularity",
    "occasional_votes",
    "structural_votes",
    "mutual",
    "coding_ids",
)


def _export_graph(
    graph: nx.MultiDiGraph,
    metrics: Sequence[ActorMetrics] | None,
    *,
    unique_keys: bool,
) -> nx.MultiDiGraph:
    """A copy with metrics and a label on every node; undefined metrics are left out.

    GraphML takes the edge key as the edge id, which must be unique in the file, so
    ``unique_keys`` renumbers them (GEXF numbers ids itself and keeps the flow key).
    """
    if metrics is None:
        metrics = actor_metrics(graph)
    by_id = {m.actor_id: m for m in metrics}
    export = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        attributes = dict(data)
        attributes["label"] = str(data.get("name", node))
        if node in by_id:
            for name in METRIC_FIELDS:
                value = getattr(by_id[node], name)
                if value is not None:
                    attributes[name] = value
        export.add_node(node, **attributes)
    for number, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True)):
        export.add_edge(u, v, key=f"e{number}" if unique_keys else key, **data)
    return export


def to_gexf(
    graph: nx.MultiDiGraph, *, metrics: Sequence[ActorMetrics] | None = None
) -> bytes:
    """GEXF 1.2 for Gephi: flows, weights and regularity on edges, metrics on nodes."""
    buffer = io.BytesIO()
    nx.write_gexf(_export_graph(graph, metrics, unique_keys=False), buffer)
    return buffer.getvalue()


def to_graphml(
    graph: nx.MultiDiGraph, *, metrics: Sequence[ActorMetrics] | None = None
) -> bytes:
    """GraphML with typed keys; edge ids are ``e0``, ``e1``... (flow is an attribute)."""
    buffer = io.BytesIO()
    nx.write_graphml(_export_graph(graph, metrics, unique_keys=True), buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def edges_csv(graph: nx.MultiDiGraph, *, bom: bool = True) -> str:
    """One row per edge (tie); cells neutralised against CSV injection."""
    names = graph.nodes(data="name")
    rows = (
        [
            _cell(value)
            for value in (
                u,
                names[u],
                v,
                names[v],
                *(data.get(column) for column in EDGE_COLUMNS[4:]),
            )
        ]
        for u, v, data in graph.edges(data=True)
    )
    return "".join(iter_csv(EDGE_COLUMNS, rows, bom=bom))


def nodes_csv(
    graph: nx.MultiDiGraph,
    *,
    metrics: Sequence[ActorMetrics] | None = None,
    bom: bool = True,
) -> str:
    """One row per actor with its metrics; undefined metrics are empty cells."""
    if metrics is None:
        metrics = actor_metrics(graph)
    by_id = {m.actor_id: m for m in metrics}
    rows = []
    for node, data in graph.nodes(data=True):
        m = by_id.get(node)
        rows.append(
            [
                node,
                data.get("name"),
                data.get("kind"),
                data.get("mentions"),
                *(getattr(m, name) if m else None for name in METRIC_FIELDS),
            ]
        )
    return "".join(iter_csv(NODE_COLUMNS, rows, bom=bom))


# --- drawing ----------------------------------------------------------------------


def initial_positions(
    graph: nx.MultiDiGraph, *, radius: float = 1.0
) -> dict[int, tuple[float, float]]:
    """Start positions: the city in the centre, the others on a circle by kind.

    The centre is the actor of kind ``"city"`` with most partners, else the actor
    with most partners; ties go to the earlier node. The circle starts at the top
    and runs clockwise in screen coordinates (y grows downwards, as in SVG),
    ordered by ``KIND_ORDER``, then name. No randomness, so a page reload and a
    test see the same picture.
    """
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    combined = combined_digraph(graph)
    position = {node: i for i, node in enumerate(nodes)}

    def partners(node: int) -> int:
        return len(set(combined.successors(node)).union(combined.predecessors(node)))

    cities = [n for n in nodes if graph.nodes[n].get("kind") == "city"]
    centre = min(cities or nodes, key=lambda n: (-partners(n), position[n]))

    def circle_order(node: int) -> tuple:
        kind = str(graph.nodes[node].get("kind", ""))
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        name = str(graph.nodes[node].get("name", node))
        return (rank, kind, name.casefold(), position[node])

    ring = sorted((n for n in nodes if n != centre), key=circle_order)
    positions = {centre: (0.0, 0.0)}
    for i, node in enumerate(ring):
        angle = 2 * math.pi * i / len(ring)
        x = round(radius * math.sin(angle), 6) + 0.0  # + 0.0 turns -0.0 into 0.0
        y = round(-radius * math.cos(angle), 6) + 0.0
        positions[node] = (x, y)
    return positions


def drawing_edges(graph: nx.MultiDiGraph) -> list[DrawnEdge]:
    """Arrows as Figuur 3 draws them: a flow both ways is one double-headed arrow.

    The two directions fold together only when both are occasional or both are
    structural; otherwise each keeps its own (solid or dashed) arrow.
    """
    position = {node: i for i, node in enumerate(graph.nodes)}
    drawn = []
    done: set[tuple[int, int, str]] = set()
    for u, v, key, data in graph.edges(keys=True, data=True):
        if (u, v, key) in done:
            continue
        done.add((u, v, key))
        weight = data.get("weight", 1)
        both_ways = False
        back = graph.get_edge_data(v, u, key)
        if back is not None and bool(back.get("occasional")) == bool(
            data.get("occasional")
        ):
            both_ways = True
            weight += back.get("weight", 1)
            done.add((v, u, key))
        source, target = (u, v)
        if both_ways and position[v] < position[u]:
            source, target = v, u
        drawn.append(
            DrawnEdge(
                source=source,
                target=target,
                flow=data.get("flow", key),
                layer=data.get("layer", RELATION),
                both_ways=both_ways,
                occasional=bool(data.get("occasional")),
                weight=weight,
                colour=FLOW_COLOURS.get(data.get("flow", key), DEFAULT_FLOW_COLOUR),
            )
        )
    return drawn
