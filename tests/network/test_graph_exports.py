"""Actor network (pure): GEXF, GraphML and CSV exports, and the drawing.

Data: Figuur 3 of the thesis (``tests/network/figure3.py``).
"""

import csv
import io
import math

import networkx as nx
import pytest

from network.graph import (
    FLOW_COLOURS,
    Actor,
    actor_metrics,
    build_graph,
    build_ties,
    drawing_edges,
    edges_csv,
    initial_positions,
    nodes_csv,
    to_gexf,
    to_graphml,
)
from tests.network.figure3 import (
    ACTORS,
    AII,
    CODINGS,
    EXPECTED_TIES,
    INTRO,
    JAM,
    JEUGD,
    ROJM,
    SOB,
    SPORT,
    STAD,
    UNIA,
    K,
    M,
    by_actor,
    coding,
    figure3_graph,
)

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
