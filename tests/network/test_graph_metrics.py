"""Actor network (pure): centralities, structural holes and the summary, against networkx.

Data: Figuur 3 of the thesis (``tests/network/figure3.py``).
"""

import math

import networkx as nx
import pytest

from network import graph as graph_module
from network.graph import (
    Actor,
    actor_metrics,
    build_graph,
    build_ties,
    initial_positions,
    network_summary,
)
from tests.network.figure3 import (
    ACTORS,
    CODINGS,
    EXPECTED_TIES,
    PAIR_WEIGHTS,
    STAD,
    K,
    M,
    by_actor,
    coding,
    figure3_graph,
    reference_digraph,
    reference_undirected,
)

# --- metrics ----------------------------------------------------------------------


def test_metrics_match_networkx_on_a_hand_built_graph():
    ref = reference_digraph()
    undirected = reference_undirected()
    betweenness = nx.betweenness_centrality(ref, normalized=True)
    closeness = nx.closeness_centrality(ref)
    eigenvector = nx.eigenvector_centrality(ref, weight="weight", max_iter=1000)
    constraint = nx.constraint(undirected, weight="weight")
    effective = nx.effective_size(undirected, weight="weight")

    metrics = actor_metrics(figure3_graph())
    assert [m.actor_id for m in metrics] == [a.id for a in ACTORS]
    for m in metrics:
        n = m.actor_id
        assert m.degree == ref.degree(n)
        assert m.in_degree == ref.in_degree(n)
        assert m.out_degree == ref.out_degree(n)
        assert m.neighbours == undirected.degree(n)
        assert m.weighted_in_degree == ref.in_degree(n, weight="weight")
        assert m.weighted_out_degree == ref.out_degree(n, weight="weight")
        assert m.weighted_degree == ref.degree(n, weight="weight")
        assert m.betweenness == pytest.approx(betweenness[n])
        assert m.closeness == pytest.approx(closeness[n])
        assert m.eigenvector == pytest.approx(eigenvector[n], abs=1e-6)
        assert m.constraint == pytest.approx(constraint[n])
        assert m.effective_size == pytest.approx(effective[n])
        assert m.component == 0
    stad = by_actor(metrics)[STAD]
    assert stad.name == "Stad Mechelen"
    assert stad.neighbours == 8
    assert stad.betweenness == max(m.betweenness for m in metrics)


def test_weighted_paths_use_inverse_weight_as_distance():
    ref = reference_digraph()
    betweenness = nx.betweenness_centrality(ref, weight="distance")
    closeness = nx.closeness_centrality(ref, distance="distance")
    for m in actor_metrics(figure3_graph(), weighted_paths=True):
        assert m.betweenness == pytest.approx(betweenness[m.actor_id])
        assert m.closeness == pytest.approx(closeness[m.actor_id])
    summary = network_summary(figure3_graph(), weighted_paths=True)
    assert summary.gatekeeper_betweenness == pytest.approx(max(betweenness.values()))


def test_structural_holes_match_networkx_on_an_uneven_graph():
    """Hubs, a triangle and a pendant: constraint and effective size as networkx."""
    pairs = {
        (1, 2): 5,
        (2, 1): 1,
        (1, 3): 2,
        (2, 3): 4,
        (3, 4): 1,
        (1, 5): 7,
        (5, 6): 3,
    }
    actors = [Actor(i, f"A{i}", "vzw") for i in range(1, 8)]  # 7 has no ties
    codings = []
    for (u, v), w in pairs.items():
        for _ in range(w):
            codings.append(coding(len(codings) + 1, 1, 1, u, v, K))
    undirected = nx.Graph()
    undirected.add_nodes_from(range(1, 8))
    for (u, v), w in pairs.items():
        old = undirected.get_edge_data(u, v, {"weight": 0})["weight"]
        undirected.add_edge(u, v, weight=old + w)
    constraint = nx.constraint(undirected, weight="weight")
    effective = nx.effective_size(undirected, weight="weight")
    metrics = by_actor(actor_metrics(build_graph(actors, build_ties(codings))))
    for n in range(1, 7):
        assert metrics[n].constraint == pytest.approx(constraint[n])
        assert metrics[n].effective_size == pytest.approx(effective[n])
    assert math.isnan(constraint[7])
    assert metrics[7].constraint is None
    assert metrics[7].effective_size is None
    assert metrics[7].component == 1


def test_eigenvector_falls_back_to_dense_solver(monkeypatch):
    expected = nx.eigenvector_centrality(
        reference_digraph(), weight="weight", max_iter=1000
    )
    monkeypatch.setattr(graph_module, "_power_iteration", lambda matrix: None)
    for m in actor_metrics(figure3_graph()):
        assert m.eigenvector == pytest.approx(expected[m.actor_id], abs=1e-5)


def test_networkx_loops_take_over_past_the_dense_limit(monkeypatch):
    """Past MAX_DENSE_ACTORS the slow networkx versions give the same numbers."""
    lonely = Actor(10, "Welzijnsschakels", "vzw")
    graph = build_graph([*ACTORS, lonely], build_ties(CODINGS))
    dense = by_actor(actor_metrics(graph))
    monkeypatch.setattr(graph_module, "MAX_DENSE_ACTORS", 0)
    for m in actor_metrics(graph):
        assert m.eigenvector == pytest.approx(dense[m.actor_id].eigenvector, abs=1e-6)
        assert m.constraint == pytest.approx(dense[m.actor_id].constraint)
        assert m.effective_size == pytest.approx(dense[m.actor_id].effective_size)
    assert dense[10].constraint is None


def test_eigenvector_is_none_without_cycles():
    """Material flows only go outwards from the city: no eigenvector centrality."""
    codings = [c for c in CODINGS if c.flow == M and c.source_actor_id == STAD]
    for m in actor_metrics(build_graph(ACTORS, build_ties(codings))):
        assert m.eigenvector is None


def test_summary_names_the_city_as_gatekeeper():
    ref = reference_digraph()
    share = nx.betweenness_centrality(ref)[STAD]
    graph = figure3_graph()
    summary = network_summary(graph)
    assert summary.nodes == 9
    assert summary.edges == len(EXPECTED_TIES)
    assert summary.actor_pairs == len(PAIR_WEIGHTS)
    assert summary.density == pytest.approx(len(PAIR_WEIGHTS) / (9 * 8))
    assert summary.weak_components == 1
    assert summary.strong_components == nx.number_strongly_connected_components(ref)
    assert summary.gatekeeper_ids == (STAD,)
    assert summary.gatekeeper_betweenness == pytest.approx(share)
    percent = round(share * 100)
    assert summary.sentence_en == (
        f"Stad Mechelen lies on {percent} % of the shortest paths between other "
        "actors: the gatekeeper of this network."
    )
    assert summary.sentence_nl == (
        f"Stad Mechelen ligt op {percent} % van de kortste paden tussen andere "
        "actoren: de gatekeeper van dit netwerk."
    )


def test_summary_shares_the_gatekeeper_role_on_a_tie():
    """Two brokers on a path A-B-C-D each sit between the others."""
    actors = [Actor(i, name, "vzw") for i, name in enumerate("ABCD", start=1)]
    codings = [
        coding(1, 1, 1, 1, 2, K, mutual=True),
        coding(2, 1, 1, 2, 3, K, mutual=True),
        coding(3, 1, 1, 3, 4, K, mutual=True),
    ]
    summary = network_summary(build_graph(actors, build_ties(codings)))
    assert summary.gatekeeper_ids == (2, 3)
    assert summary.gatekeeper_betweenness == pytest.approx(4 / 6)
    assert summary.sentence_en.startswith("B and C each lie on 67 % of the shortest")
    assert summary.sentence_nl.startswith("B en C liggen elk op 67 % van de kortste")


def test_network_without_ties_or_actors():
    graph = build_graph(ACTORS[:3], [])
    metrics = actor_metrics(graph)
    assert [(m.degree, m.betweenness, m.closeness) for m in metrics] == [(0, 0, 0)] * 3
    assert {m.eigenvector for m in metrics} == {None}
    assert {m.constraint for m in metrics} == {None}
    assert [m.component for m in metrics] == [0, 1, 2]
    summary = network_summary(graph, metrics=metrics)
    assert summary.gatekeeper_ids == ()
    assert summary.gatekeeper_betweenness is None
    assert summary.weak_components == 3
    assert "no gatekeeper" in summary.sentence_en
    assert "geen gatekeeper" in summary.sentence_nl

    empty = build_graph([], [])
    assert actor_metrics(empty) == []
    assert network_summary(empty).nodes == 0
    assert initial_positions(empty) == {}


def test_single_actor():
    graph = build_graph(ACTORS[:1], [])
    (m,) = actor_metrics(graph)
    assert (m.degree, m.weighted_degree, m.betweenness, m.component) == (0, 0, 0, 0)
    assert network_summary(graph).density == 0
    assert initial_positions(graph) == {STAD: (0.0, 0.0)}


def test_actor_without_ties_is_its_own_component():
    lonely = Actor(10, "Welzijnsschakels", "vzw")
    graph = build_graph([*ACTORS, lonely], build_ties(CODINGS))
    metrics = by_actor(actor_metrics(graph))
    assert metrics[10].component == 1
    assert metrics[10].degree == 0
    assert metrics[10].constraint is None
    assert metrics[STAD].component == 0
    assert network_summary(graph, metrics=list(metrics.values())).weak_components == 2
