"""Figuur 3 of the thesis (Mechelen) as test data for the pure network module.

The data follow the thesis' §4.5 and Figuur 3: the city in the centre, red
material flows, green knowledge flows, dashed where a flow happens only in some
years. Reference metrics come from networkx on a graph written out by hand here.
"""

import networkx as nx

from network.graph import Actor, RelationCoding, build_graph, build_ties

STAD, AII, JAM, ROJM, INTRO, UNIA, SOB, SPORT, JEUGD = range(1, 10)
M, K = "material", "knowledge"

ACTORS = [
    Actor(STAD, "Stad Mechelen", "city", 40),
    Actor(AII, "Agentschap Integratie en Inburgering", "agency", 9),
    Actor(JAM, "J@M vzw", "vzw", 12),
    Actor(ROJM, "ROJM vzw", "vzw", 8),
    Actor(INTRO, "Groep INTRO", "vzw", 6),
    Actor(UNIA, "Unia", "agency", 7),
    Actor(SOB, "Samenlevingsopbouw", "vzw", 5),
    Actor(SPORT, "Sportverenigingen", "association", 4),
    Actor(JEUGD, "Jeugdbewegingen", "association", 4),
]


def coding(cid, doc, coder, source, target, flow, *, mutual=False, occasional=False):
    return RelationCoding(cid, doc, coder, source, target, flow, mutual, occasional)


# Interviews 101 (city) .. 107 (Samenlevingsopbouw), two coders.
CODINGS = [
    coding(1, 101, 1, STAD, JAM, M),
    coding(2, 102, 2, STAD, JAM, M),
    coding(3, 101, 1, STAD, JAM, K, mutual=True),
    coding(4, 102, 2, JAM, STAD, K),
    coding(5, 102, 1, JAM, STAD, M),  # a youth worker seconded to the city
    coding(6, 101, 1, STAD, AII, M),  # the city pays the seconded coordinator
    coding(7, 103, 2, STAD, AII, M),
    coding(8, 103, 2, AII, STAD, K),
    coding(9, 101, 1, STAD, UNIA, M),  # accommodation in the town hall
    coding(10, 106, 2, STAD, UNIA, M),
    coding(11, 106, 2, STAD, UNIA, K, mutual=True),
    coding(12, 106, 1, UNIA, STAD, K, mutual=True),
    coding(13, 105, 1, STAD, INTRO, M, occasional=True),  # one-off grant
    coding(14, 105, 2, STAD, INTRO, M, occasional=True),
    coding(15, 105, 1, INTRO, STAD, K, mutual=True),
    coding(16, 101, 1, STAD, SOB, M, occasional=True),  # "sommige jaren"
    coding(17, 107, 2, STAD, SOB, M),  # "voor haar reguliere werking": 1-1
    coding(18, 107, 2, STAD, SOB, K, mutual=True),
    coding(19, 104, 1, STAD, ROJM, M),
    coding(20, 104, 2, STAD, ROJM, M),
    coding(21, 101, 2, STAD, ROJM, M, occasional=True),  # outvoted
    coding(22, 104, 1, ROJM, STAD, K, mutual=True),
    coding(23, 101, 1, STAD, SPORT, K, mutual=True),
    coding(24, 101, 1, STAD, SPORT, M, occasional=True),  # diversity clause
    coding(25, 101, 2, STAD, SPORT, M, occasional=True),
    coding(26, 102, 2, STAD, SPORT, M),
    coding(27, 101, 1, STAD, JEUGD, K, mutual=True),
    coding(28, 101, 2, STAD, JEUGD, M),
    coding(29, 104, 1, ROJM, JAM, M),  # the youth centre's building
    coding(30, 102, 2, ROJM, JAM, M),
    coding(31, 103, 1, AII, INTRO, K, mutual=True),  # OKAN youngsters
    coding(32, 105, 2, INTRO, AII, K),
    coding(33, 102, 1, JAM, JEUGD, K, mutual=True),
]

# (source, target, flow): weight, documents, occasional, votes occ/struct, mutual
EXPECTED_TIES = {
    (STAD, JAM, M): (2, 2, False, 0, 2, True),
    (JAM, STAD, M): (1, 1, False, 0, 1, True),
    (STAD, JAM, K): (1, 1, False, 0, 1, True),
    (JAM, STAD, K): (2, 2, False, 0, 2, True),
    (STAD, AII, M): (2, 2, False, 0, 2, False),
    (AII, STAD, K): (1, 1, False, 0, 1, False),
    (STAD, UNIA, M): (2, 2, False, 0, 2, False),
    (STAD, UNIA, K): (2, 1, False, 0, 2, True),
    (UNIA, STAD, K): (2, 1, False, 0, 2, True),
    (STAD, INTRO, M): (2, 1, True, 2, 0, False),
    (STAD, INTRO, K): (1, 1, False, 0, 1, True),
    (INTRO, STAD, K): (1, 1, False, 0, 1, True),
    (STAD, SOB, M): (2, 2, True, 1, 1, False),
    (STAD, SOB, K): (1, 1, False, 0, 1, True),
    (SOB, STAD, K): (1, 1, False, 0, 1, True),
    (STAD, ROJM, M): (3, 2, False, 1, 2, False),
    (STAD, ROJM, K): (1, 1, False, 0, 1, True),
    (ROJM, STAD, K): (1, 1, False, 0, 1, True),
    (STAD, SPORT, K): (1, 1, False, 0, 1, True),
    (SPORT, STAD, K): (1, 1, False, 0, 1, True),
    (STAD, SPORT, M): (3, 2, True, 2, 1, False),
    (STAD, JEUGD, K): (1, 1, False, 0, 1, True),
    (JEUGD, STAD, K): (1, 1, False, 0, 1, True),
    (STAD, JEUGD, M): (1, 1, False, 0, 1, False),
    (ROJM, JAM, M): (2, 2, False, 0, 2, False),
    (AII, INTRO, K): (1, 1, False, 0, 1, True),
    (INTRO, AII, K): (2, 2, False, 0, 2, True),
    (JAM, JEUGD, K): (1, 1, False, 0, 1, True),
    (JEUGD, JAM, K): (1, 1, False, 0, 1, True),
}

# All flows between two actors summed, worked out by hand from EXPECTED_TIES.
PAIR_WEIGHTS = {
    (STAD, JAM): 3,
    (JAM, STAD): 3,
    (STAD, AII): 2,
    (AII, STAD): 1,
    (STAD, UNIA): 4,
    (UNIA, STAD): 2,
    (STAD, INTRO): 3,
    (INTRO, STAD): 1,
    (STAD, SOB): 3,
    (SOB, STAD): 1,
    (STAD, ROJM): 4,
    (ROJM, STAD): 1,
    (STAD, SPORT): 4,
    (SPORT, STAD): 1,
    (STAD, JEUGD): 2,
    (JEUGD, STAD): 1,
    (ROJM, JAM): 2,
    (AII, INTRO): 1,
    (INTRO, AII): 2,
    (JAM, JEUGD): 1,
    (JEUGD, JAM): 1,
}


def reference_digraph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in ACTORS)
    for (u, v), w in PAIR_WEIGHTS.items():
        graph.add_edge(u, v, weight=w, distance=1 / w)
    return graph


def reference_undirected() -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(a.id for a in ACTORS)
    for (u, v), w in PAIR_WEIGHTS.items():
        if graph.has_edge(u, v):
            graph[u][v]["weight"] += w
        else:
            graph.add_edge(u, v, weight=w)
    return graph


def figure3_graph(**kwargs) -> nx.MultiDiGraph:
    return build_graph(ACTORS, build_ties(CODINGS), **kwargs)


def by_actor(metrics):
    return {m.actor_id: m for m in metrics}
