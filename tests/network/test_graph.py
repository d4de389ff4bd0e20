"""Actor network from relation codings (pure): ties, graph, metrics, exports, layout.

The data follow the thesis' §4.5 and Figuur 3 (Mechelen): the city in the centre,
red material flows, green knowledge flows, dashed where a flow happens only in some
years. Reference metrics come from networkx on a graph written out by hand here.
"""

import csv
import io
import math

import networkx as nx
import pytest

from network import graph as graph_module
from network.graph import (
    CO_MENTION,
    FLOW_COLOURS,
    Actor,
    CoMention,
    Evidence,
    RelationCoding,
    SelfLoopWarning,
    actor_metrics,
    build_graph,
    build_ties,
    co_mention_ties,
    combined_digraph,
    drawing_edges,
    edges_csv,
    initial_positions,
    network_summary,
    nodes_csv,
    to_gexf,
    to_graphml,
)

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


# --- ties -------------------------------------------------------------------------


def test_ties_aggregate_codings_per_direction_and_flow():
    ties = build_ties(CODINGS)
    got = {
        (t.source, t.target, t.flow): (
            t.weight,
            t.documents,
            t.occasional,
            t.occasional_votes,
            t.structural_votes,
            t.mutual,
        )
        for t in ties
    }
    assert got == EXPECTED_TIES
    assert [(t.source, t.target, t.flow) for t in ties] == sorted(EXPECTED_TIES)


def test_occasional_majority_and_even_split():
    ties = {(t.source, t.target, t.flow): t for t in build_ties(CODINGS)}
    assert ties[STAD, SPORT, M].occasional  # 2 against 1
    assert not ties[STAD, ROJM, M].occasional  # 1 against 2
    split = ties[STAD, SOB, M]  # thesis says "some years" and "regular": 1-1
    assert (split.occasional_votes, split.structural_votes) == (1, 1)
    assert split.occasional
    assert split.regularity == "occasional"
    assert ties[STAD, ROJM, M].regularity == "structural"


def test_mutual_coding_supports_both_directions_with_its_evidence():
    ties = {(t.source, t.target, t.flow): t for t in build_ties(CODINGS)}
    assert ties[STAD, JAM, K].evidence == (Evidence(3, 1, 101),)
    assert ties[JAM, STAD, K].evidence == (Evidence(3, 1, 101), Evidence(4, 2, 102))
    assert ties[JAM, STAD, K].coders == 2
    # one-way codings in both directions make a mutual pair too
    assert ties[STAD, JAM, M].mutual
    assert ties[JAM, STAD, M].mutual
    assert not ties[STAD, AII, M].mutual
    assert not ties[AII, STAD, K].mutual


def test_self_loops_are_left_out_with_a_warning():
    codings = [coding(1, 1, 1, STAD, STAD, K), coding(2, 1, 1, STAD, JAM, K)]
    with pytest.warns(SelfLoopWarning, match="1 relation coding"):
        ties = build_ties(codings)
    assert [(t.source, t.target) for t in ties] == [(STAD, JAM)]


def test_no_codings_give_no_ties():
    assert build_ties([]) == []


def test_project_defined_flows_are_kept_and_invalid_input_refused():
    ties = build_ties([coding(1, 1, 1, STAD, UNIA, "advocacy")])
    assert ties[0].flow == "advocacy"
    with pytest.raises(ValueError, match="appears twice"):
        build_ties([coding(1, 1, 1, STAD, UNIA, K), coding(1, 1, 1, STAD, JAM, K)])
    with pytest.raises(ValueError, match="invalid flow"):
        build_ties([coding(1, 1, 1, STAD, UNIA, CO_MENTION)])


# --- graph ------------------------------------------------------------------------


def test_graph_has_every_actor_and_one_edge_per_tie():
    graph = figure3_graph()
    assert list(graph.nodes) == [a.id for a in ACTORS]
    assert graph.number_of_edges() == len(EXPECTED_TIES)
    assert graph.nodes[JAM] == {"name": "J@M vzw", "kind": "vzw", "mentions": 12}
    edge = graph.edges[STAD, SOB, M]
    assert edge["weight"] == 2
    assert edge["occasional"] is True
    assert edge["regularity"] == "occasional"
    assert edge["coding_ids"] == "16;17"
    assert edge["layer"] == "relation"


def test_flow_filter_keeps_only_those_flows():
    graph = figure3_graph(flows=[M])
    assert {k for _, _, k in graph.edges(keys=True)} == {M}
    assert graph.number_of_nodes() == len(ACTORS)
    assert graph.number_of_edges() == sum(1 for s, t, f in EXPECTED_TIES if f == M)


def test_graph_refuses_unknown_and_repeated_actors():
    with pytest.raises(ValueError, match="unknown actor"):
        build_graph(ACTORS[:2], build_ties(CODINGS))
    with pytest.raises(ValueError, match="appears twice"):
        build_graph([*ACTORS, ACTORS[0]], [])


def test_combined_digraph_sums_flows_between_two_actors():
    combined = combined_digraph(figure3_graph())
    assert {(u, v): w for u, v, w in combined.edges(data="weight")} == PAIR_WEIGHTS
    assert combined[STAD][UNIA]["distance"] == pytest.approx(0.25)


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


# --- co-mentions ------------------------------------------------------------------


def test_co_mention_ties_count_turns():
    mentions = [
        CoMention(101, 1, frozenset({STAD, JAM, ROJM})),
        CoMention(101, 1, frozenset({STAD, JAM})),  # same turn again
        CoMention(101, 2, frozenset({JAM, STAD})),
        CoMention(102, 5, frozenset({JAM, ROJM})),
        CoMention(102, 6, frozenset({UNIA})),  # alone: no tie
    ]
    ties = co_mention_ties(mentions)
    got = {(t.source, t.target): (t.weight, t.documents, t.mutual) for t in ties}
    assert got == {
        (STAD, JAM): (2, 1, True),
        (STAD, ROJM): (1, 1, True),
        (JAM, ROJM): (2, 2, True),
    }
    assert {t.flow for t in ties} == {CO_MENTION}
    jam_rojm = next(t for t in ties if (t.source, t.target) == (JAM, ROJM))
    assert jam_rojm.evidence == (
        Evidence(None, None, 101, 1),
        Evidence(None, None, 102, 5),
    )
    assert jam_rojm.regularity == "n/a"


def test_co_mentions_join_the_graph_in_both_directions():
    mentions = [CoMention(101, 1, frozenset({UNIA, SOB}))]
    graph = figure3_graph(flows=[], co_mentions=mentions)
    assert sorted(graph.edges(keys=True)) == [
        (UNIA, SOB, CO_MENTION),
        (SOB, UNIA, CO_MENTION),
    ]
    assert graph.edges[UNIA, SOB, CO_MENTION]["layer"] == CO_MENTION
    from_ties = build_graph(ACTORS, co_mention_ties(mentions), flows=[M])
    assert sorted(from_ties.edges(keys=True)) == sorted(graph.edges(keys=True))


# --- exports ----------------------------------------------------------------------


def test_gexf_round_trip_keeps_attributes():
    graph = figure3_graph()
    metrics = actor_metrics(graph)
    data = to_gexf(graph, metrics=metrics)
    back = nx.read_gexf(io.BytesIO(data), node_type=int)
    assert back.number_of_nodes() == 9
    assert back.number_of_edges() == len(EXPECTED_TIES)
    stad = back.nodes[STAD]
    assert stad["label"] == stad["name"] == "Stad Mechelen"
    assert stad["kind"] == "city"
    assert stad["betweenness"] == pytest.approx(by_actor(metrics)[STAD].betweenness)
    assert stad["component"] == 0
    edge = back.edges[STAD, SOB, M]
    assert edge["flow"] == M
    assert edge["weight"] == 2
    assert edge["occasional"] is True
    assert edge["regularity"] == "occasional"
    assert edge["mutual"] is False
    assert edge["documents"] == 2
    assert b'title="occasional" type="boolean"' in data
    assert b'title="betweenness" type="double"' in data


def test_graphml_round_trip_keeps_typed_attributes():
    graph = figure3_graph()
    data = to_graphml(graph)
    back = nx.read_graphml(io.BytesIO(data), node_type=int)
    assert back.number_of_edges() == len(EXPECTED_TIES)
    edges = {(u, v, d["flow"]): d for u, v, d in back.edges(data=True)}
    knowledge = edges[STAD, UNIA, K]
    assert knowledge["weight"] == 2
    assert knowledge["documents"] == 1
    assert knowledge["mutual"] is True
    assert knowledge["occasional"] is False
    assert knowledge["coding_ids"] == "11;12"
    assert back.nodes[UNIA]["name"] == "Unia"
    assert isinstance(back.nodes[UNIA]["closeness"], float)
    assert isinstance(back.nodes[UNIA]["in_degree"], int)
    ids = [key for _, _, key in back.edges(keys=True)]
    assert len(set(ids)) == len(ids)  # GraphML edge ids must be unique
    assert b'attr.name="mutual" attr.type="boolean"' in data


def test_exports_leave_out_undefined_metrics():
    graph = build_graph(ACTORS[:2], [])
    back = nx.read_graphml(io.BytesIO(to_graphml(graph)), node_type=int)
    assert "eigenvector" not in back.nodes[STAD]
    assert "constraint" not in back.nodes[STAD]
    assert back.nodes[STAD]["betweenness"] == 0.0
    assert nx.read_gexf(io.BytesIO(to_gexf(graph))).number_of_nodes() == 2


def test_csv_exports_have_headers_and_defuse_formulas():
    actors = [
        Actor(1, '=HYPERLINK("http://x")', "+city"),
        Actor(2, "@vzw", "-vzw"),
        Actor(3, "\tTab", "association"),
    ]
    codings = [coding(1, 1, 1, 1, 2, "=cmd", occasional=True), coding(2, 1, 1, 2, 3, K)]
    graph = build_graph(actors, build_ties(codings))
    edges = list(csv.reader(io.StringIO(edges_csv(graph, bom=False))))
    assert edges[0][:6] == [
        "source",
        "source_name",
        "target",
        "target_name",
        "layer",
        "flow",
    ]
    first = dict(zip(edges[0], edges[1], strict=True))
    assert first["source_name"] == '\'=HYPERLINK("http://x")'
    assert first["target_name"] == "'@vzw"
    assert first["flow"] == "'=cmd"
    assert first["occasional"] == "true"
    assert first["weight"] == "1"
    nodes = list(csv.reader(io.StringIO(nodes_csv(graph, bom=False))))
    assert nodes[0][:4] == ["id", "name", "kind", "mentions"]
    assert "betweenness" in nodes[0]
    rows = {row[0]: dict(zip(nodes[0], row, strict=True)) for row in nodes[1:]}
    assert rows["1"]["kind"] == "'+city"
    assert rows["2"]["kind"] == "'-vzw"
    assert rows["3"]["name"] == "'\tTab"
    assert rows["1"]["eigenvector"] == ""  # a path has no cycle: undefined
    assert edges_csv(graph).startswith("\ufeff")  # Excel reads UTF-8 names


# --- drawing ----------------------------------------------------------------------


def test_layout_puts_the_city_in_the_centre_and_orders_the_circle_by_kind():
    positions = initial_positions(figure3_graph())
    assert positions[STAD] == (0.0, 0.0)
    ring = [
        AII,  # agencies first, by name
        UNIA,
        INTRO,  # then vzw
        JAM,
        ROJM,
        SOB,
        JEUGD,  # then associations
        SPORT,
    ]
    assert positions[AII] == (0.0, -1.0)  # top of the circle, screen coordinates
    angles = [
        math.atan2(positions[n][0], -positions[n][1]) % (2 * math.pi) for n in ring
    ]
    assert angles == sorted(angles)
    for node in ring:
        assert math.hypot(*positions[node]) == pytest.approx(1.0)
    assert initial_positions(figure3_graph()) == positions


def test_layout_without_a_city_centres_the_best_connected_actor():
    actors = [a for a in ACTORS if a.kind != "city"]
    codings = [c for c in CODINGS if STAD not in (c.source_actor_id, c.target_actor_id)]
    positions = initial_positions(build_graph(actors, build_ties(codings)), radius=5)
    assert positions[JAM] == (0.0, 0.0)  # partners ROJM and Jeugdbewegingen
    assert math.hypot(*positions[UNIA]) == pytest.approx(5.0)


def test_drawing_folds_two_way_flows_into_one_arrow():
    drawn = drawing_edges(figure3_graph())
    folded = {(d.source, d.target, d.flow) for d in drawn if d.both_ways}
    assert (STAD, JAM, K) in folded
    assert (STAD, JAM, M) in folded  # material both ways, both structural
    assert len(drawn) == len(EXPECTED_TIES) - len(folded)
    intro = next(d for d in drawn if (d.source, d.target, d.flow) == (STAD, INTRO, M))
    assert intro.occasional
    assert not intro.both_ways
    assert intro.colour == FLOW_COLOURS[M]
    knowledge = next(
        d for d in drawn if (d.source, d.target, d.flow) == (STAD, UNIA, K)
    )
    assert knowledge.weight == 4
    assert knowledge.colour == FLOW_COLOURS[K]


def test_drawing_keeps_two_arrows_when_only_one_direction_is_occasional():
    codings = [
        coding(1, 1, 1, STAD, JAM, M),
        coding(2, 1, 1, JAM, STAD, M, occasional=True),
    ]
    drawn = drawing_edges(build_graph(ACTORS, build_ties(codings)))
    assert [(d.source, d.target, d.both_ways, d.occasional) for d in drawn] == [
        (STAD, JAM, False, False),
        (JAM, STAD, False, True),
    ]
