"""Betweenness and closeness from ``network.paths`` against networkx's own loops.

Random directed graphs of several densities, with isolated actors, unreachable
parts and blocks of sources smaller than the graph, so every branch is walked.
"""

import random

import networkx as nx
import numpy as np
import pytest

from network.paths import betweenness_closeness


def _edges(graph: nx.DiGraph) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.array(list(graph.edges), dtype=np.intp).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def _random_graphs():
    rng = random.Random(20240517)
    for seed in range(40):
        size = rng.randint(3, 60)
        density = rng.choice((0.02, 0.05, 0.1, 0.3, 0.8))
        graph = nx.gnp_random_graph(size, density, seed=seed, directed=True)
        graph.add_nodes_from(range(size, size + rng.randint(0, 3)))  # isolated
        yield graph, rng.choice((1, 3, 7, 64))
    hubs = nx.DiGraph(nx.barabasi_albert_graph(120, 2, seed=1))  # both directions
    hubs.remove_edges_from([(u, v) for u, v in list(hubs.edges) if (u + v) % 3 == 0])
    yield hubs, 16


@pytest.mark.parametrize(("graph", "block"), list(_random_graphs()))
def test_betweenness_and_closeness_match_networkx(graph, block):
    sources, targets = _edges(graph)
    betweenness, closeness = betweenness_closeness(
        sources, targets, len(graph), block=block
    )
    expected_b = nx.betweenness_centrality(graph, normalized=True)
    expected_c = nx.closeness_centrality(graph)
    for node in graph:
        assert betweenness[node] == pytest.approx(expected_b[node], rel=1e-9, abs=1e-12)
    # Whole-number distances and networkx's arithmetic: the very same floats.
    assert closeness == [expected_c[node] for node in range(len(graph))]


@pytest.mark.parametrize("size", [0, 1, 2, 3])
def test_tiny_graphs(size):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from((i, i + 1) for i in range(size - 1))
    betweenness, closeness = betweenness_closeness(*_edges(graph), size)
    assert betweenness == pytest.approx(
        [nx.betweenness_centrality(graph)[n] for n in graph]
    )
    assert closeness == [nx.closeness_centrality(graph)[n] for n in graph]


def test_many_shortest_paths_are_counted_exactly():
    """A chain of 30 diamonds: 2**30 shortest paths from one end to the other."""
    graph = nx.DiGraph()
    for diamond in range(30):
        top, left, right, bottom = (3 * diamond + k for k in range(4))
        graph.add_edges_from(
            [(top, left), (top, right), (left, bottom), (right, bottom)]
        )
    betweenness, _closeness = betweenness_closeness(*_edges(graph), len(graph))
    expected = nx.betweenness_centrality(graph)
    for node in graph:
        assert betweenness[node] == pytest.approx(expected[node], rel=1e-9, abs=1e-12)
