"""The vectorised parts of ``network.graph`` on random data, against plain Python and
networkx written out here: ties from numpy columns, and every actor metric."""

import random
import warnings
from collections import defaultdict

import networkx as nx
import pytest

from network.graph import (
    Actor,
    Evidence,
    EvidenceColumns,
    RelationCoding,
    RelationColumns,
    SelfLoopWarning,
    actor_metrics,
    build_graph,
    build_ties,
    combined_digraph,
    network_summary,
)

FLOWS = ("material", "knowledge", "advocacy", "Zorg", "ábc")


def _random_codings(seed: int, n: int = 400, actors: int = 12) -> list[RelationCoding]:
    rng = random.Random(seed)
    ids = rng.sample(range(1, 10 * n), n)  # unique, in no particular order
    return [
        RelationCoding(
            coding_id=cid,
            document_id=rng.randrange(1, 9),
            coder_id=rng.randrange(1, 4),
            source_actor_id=rng.randrange(1, actors + 1),
            target_actor_id=rng.randrange(1, actors + 1),
            flow=rng.choice(FLOWS[: rng.randint(1, len(FLOWS))]),
            mutual=rng.random() < 0.3,
            occasional=rng.random() < 0.4,
        )
        for cid in ids
    ]


def _reference_ties(codings) -> dict:
    """(source, target, flow) -> fields, aggregated the obvious way."""
    support = defaultdict(list)
    for c in codings:
        if c.source_actor_id == c.target_actor_id:
            continue
        pairs = [(c.source_actor_id, c.target_actor_id)]
        if c.mutual:
            pairs.append((c.target_actor_id, c.source_actor_id))
        for u, v in pairs:
            support[u, v, c.flow].append(c)
    ties = {}
    for (u, v, flow), items in support.items():
        items.sort(key=lambda c: c.coding_id)
        occasional = sum(c.occasional for c in items)
        ties[u, v, flow] = {
            "weight": len(items),
            "documents": len({c.document_id for c in items}),
            "coders": len({c.coder_id for c in items}),
            "occasional_votes": occasional,
            "structural_votes": len(items) - occasional,
            "occasional": 2 * occasional >= len(items),
            "mutual": (v, u, flow) in support,
            "evidence": [(c.coding_id, c.coder_id, c.document_id) for c in items],
        }
    return ties


@pytest.mark.parametrize("seed", range(12))
def test_ties_match_a_plain_aggregation(seed):
    codings = _random_codings(seed)
    expected = _reference_ties(codings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfLoopWarning)
        ties = build_ties(codings)
        from_columns = build_ties(RelationColumns.from_codings(codings))
    assert ties == from_columns
    assert [(t.source, t.target, t.flow) for t in ties] == sorted(expected)
    for tie in ties:
        want = expected[tie.source, tie.target, tie.flow]
        got = {name: getattr(tie, name) for name in want if name != "evidence"}
        got["evidence"] = [e[:3] for e in tie.evidence]
        assert got == want
        assert all(e.turn_number is None for e in tie.evidence)


def test_columns_from_rows_join_and_keep_their_flows():
    codings = _random_codings(1, n=50)
    rows = [
        (
            c.coding_id,
            c.document_id,
            c.coder_id,
            c.source_actor_id,
            c.target_actor_id,
            c.flow,
            c.mutual,
            c.occasional,
        )
        for c in codings
    ]
    first = RelationColumns.from_rows(rows[:20])
    second = RelationColumns.from_rows(rows[20:])
    joined = first + second + RelationColumns.from_rows([])
    assert len(joined) == len(codings)
    assert [joined.flows[i] for i in joined.flow] == [c.flow for c in codings]
    assert joined.coding.tolist() == [c.coding_id for c in codings]
    assert joined.mutual.tolist() == [c.mutual for c in codings]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfLoopWarning)
        assert build_ties(joined) == build_ties(codings)
    assert build_ties(RelationColumns.from_rows([])) == []


def test_errors_and_warnings_from_columns():
    ok = (1, 1, 1, 1, 2, "material", False, False)
    with pytest.raises(ValueError, match="coding 7 appears twice"):
        build_ties(RelationColumns.from_rows([ok, (7, *ok[1:]), (7, *ok[1:])]))
    with pytest.raises(ValueError, match="coding 2 has an invalid flow ''"):
        build_ties(RelationColumns.from_rows([ok, (2, 1, 1, 1, 2, "", False, False)]))
    loops = [
        (2, 1, 1, 3, 3, "material", True, False),
        (3, 1, 1, 4, 4, "other", False, False),
    ]
    with pytest.warns(SelfLoopWarning, match="2 relation coding"):
        ties = build_ties(RelationColumns.from_rows([ok, *loops]))
    assert [(t.source, t.target) for t in ties] == [(1, 2)]


def test_evidence_columns_behave_as_the_tuple_they_stand_for():
    evidence = EvidenceColumns([3, 4], [1, 2], [101, 102])
    as_tuple = (Evidence(3, 1, 101), Evidence(4, 2, 102))
    assert evidence == as_tuple
    assert as_tuple == evidence
    assert evidence != as_tuple[:1]
    assert hash(evidence) == hash(as_tuple)
    assert tuple(evidence) == as_tuple
    assert evidence[1] == Evidence(4, 2, 102)
    assert evidence[-1].document_id == 102
    assert evidence[:1] == as_tuple[:1]
    assert len(evidence) == 2
    assert Evidence(3, 1, 101) in evidence
    assert not EvidenceColumns([], [], [])


def _random_network(seed: int):
    rng = random.Random(seed)
    size = rng.randint(2, 30)
    actors = [
        Actor(i, f"A{i}", rng.choice(("city", "vzw"))) for i in range(1, size + 1)
    ]
    density = rng.choice((0.05, 0.15, 0.3))
    codings = []
    for u in range(1, size + 1):
        for v in range(1, size + 1):
            if u != v and rng.random() < density:
                for _ in range(rng.randint(1, 4)):
                    codings.append(
                        RelationCoding(
                            len(codings) + 1,
                            rng.randrange(5),
                            rng.randrange(3),
                            u,
                            v,
                            rng.choice(FLOWS[:2]),
                            rng.random() < 0.2,
                        )
                    )
    return build_graph(actors, build_ties(codings))


@pytest.mark.parametrize("seed", range(15))
def test_all_metrics_match_networkx_on_random_networks(seed):
    graph = _random_network(seed)
    reference = nx.DiGraph()
    reference.add_nodes_from(graph)
    for u, v, weight in graph.edges(data="weight"):
        old = reference.get_edge_data(u, v, {"weight": 0})["weight"]
        reference.add_edge(u, v, weight=old + weight)
    undirected = nx.Graph()
    undirected.add_nodes_from(graph)
    for u, v, weight in reference.edges(data="weight"):
        old = undirected.get_edge_data(u, v, {"weight": 0})["weight"]
        undirected.add_edge(u, v, weight=old + weight)
    assert {(u, v): w for u, v, w in combined_digraph(graph).edges(data="weight")} == {
        (u, v): w for u, v, w in reference.edges(data="weight")
    }
    betweenness = nx.betweenness_centrality(reference, normalized=True)
    closeness = nx.closeness_centrality(reference)
    constraint = nx.constraint(undirected, weight="weight")
    effective = nx.effective_size(undirected, weight="weight")
    try:
        eigenvector = nx.eigenvector_centrality(
            reference, weight="weight", max_iter=1000
        )
    except nx.PowerIterationFailedConvergence:
        eigenvector = None
    metrics = actor_metrics(graph)
    for m in metrics:
        n = m.actor_id
        assert m.betweenness == pytest.approx(betweenness[n], rel=1e-9, abs=1e-12)
        assert m.closeness == closeness[n]  # the same floats, not just close
        assert (m.in_degree, m.out_degree, m.degree) == (
            reference.in_degree(n),
            reference.out_degree(n),
            reference.degree(n),
        )
        assert m.weighted_degree == reference.degree(n, weight="weight")
        if undirected.degree(n):
            assert m.constraint == pytest.approx(constraint[n], rel=1e-9)
            assert m.effective_size == pytest.approx(effective[n], rel=1e-9)
        else:
            assert m.constraint is None
            assert m.effective_size is None
        if eigenvector is not None and m.eigenvector is not None:
            assert m.eigenvector == pytest.approx(eigenvector[n], abs=1e-5)
    top = max(betweenness.values())
    summary = network_summary(graph, metrics=metrics)
    if top > 0:
        assert set(summary.gatekeeper_ids) == {
            n for n, b in betweenness.items() if b == pytest.approx(top, rel=1e-9)
        }
