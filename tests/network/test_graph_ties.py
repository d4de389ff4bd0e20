"""Actor network from relation codings (pure): ties, the graph and co-mentions.

Data: Figuur 3 of the thesis (``tests/network/figure3.py``).
"""

import pytest

from network.graph import (
    CO_MENTION,
    CoMention,
    Evidence,
    SelfLoopWarning,
    build_graph,
    build_ties,
    co_mention_ties,
    combined_digraph,
)
from tests.network.figure3 import (
    ACTORS,
    AII,
    CODINGS,
    EXPECTED_TIES,
    JAM,
    PAIR_WEIGHTS,
    ROJM,
    SOB,
    SPORT,
    STAD,
    UNIA,
    K,
    M,
    coding,
    figure3_graph,
)

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
