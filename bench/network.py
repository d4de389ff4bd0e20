"""Time the actor network on a large project: 200,000 relation codings, 500 actors.

    .venv/bin/python bench/network.py [--codings N] [--actors N] [--hubs M]

No Django and no database: the pure ``network.graph`` module on generated data.
The data are seeded and shaped like a real study: a preferential-attachment network
(a few hubs, most actors with a handful of partners) plus a city that works with a
third of everyone; codings pile up unevenly on popular ties. Prints the time of each
step (best of a few runs), the build+metrics total against the 3 s target, and the
parts of ``actor_metrics`` so the bottleneck is visible.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx

from network.graph import (
    Actor,
    RelationCoding,
    _eigenvector,
    _structural_holes,
    _unweighted_paths,
    actor_metrics,
    build_graph,
    build_ties,
    combined_digraph,
    edges_csv,
    network_summary,
    nodes_csv,
    to_gexf,
    to_graphml,
)

SEED = 20240517
TARGET_SECONDS = 3.0
RUNS = 3
KINDS = ("agency", "vzw", "vzw", "association", "association")


def make_data(
    n_codings: int, n_actors: int, hubs: int
) -> tuple[list[Actor], list[RelationCoding]]:
    rng = random.Random(SEED)
    actors = [Actor(1, "Stad", "city", 0)]
    actors += [
        Actor(i, f"Actor {i}", KINDS[i % len(KINDS)], 0) for i in range(2, n_actors + 1)
    ]
    skeleton = nx.barabasi_albert_graph(n_actors, hubs, seed=SEED)
    pairs = {(u + 1, v + 1) for u, v in skeleton.edges()}
    for other in rng.sample(range(2, n_actors + 1), n_actors // 3):
        pairs.add((1, other))  # the city as gatekeeper
    # One entry per (relation, flow): direction, mutual share, occasional share.
    flows = []
    for u, v in sorted(pairs):
        city = 1 in (u, v)
        if rng.random() < 0.8:
            flows.append((u, v, "knowledge", 0.7, rng.choice((0.05, 0.1, 0.5)), city))
        if rng.random() < (0.7 if city else 0.3):
            flows.append((u, v, "material", 0.0, rng.choice((0.05, 0.5, 0.9)), city))
        if rng.random() < 0.1:
            flows.append((v, u, "other", 0.2, 0.3, city))
    rng.shuffle(flows)
    popularity = [
        (3.0 if f[5] else 1.0) / (rank + 1) ** 0.7 for rank, f in enumerate(flows)
    ]
    chosen = rng.choices(flows, weights=popularity, k=n_codings)
    codings = []
    for cid, (u, v, flow, mutual, occasional, _) in enumerate(chosen, start=1):
        source, target = (u, v) if mutual or rng.random() < 0.85 else (v, u)
        codings.append(
            RelationCoding(
                coding_id=cid,
                document_id=rng.randrange(300),
                coder_id=rng.randrange(8),
                source_actor_id=source,
                target_actor_id=target,
                flow=flow,
                mutual=rng.random() < mutual,
                occasional=rng.random() < occasional,
            )
        )
    return actors, codings


def best(function: Callable[[], object], runs: int = RUNS) -> tuple[float, object]:
    result = None
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--hubs", type=int, default=3, help="edges per new actor")
    args = parser.parse_args()

    actors, codings = make_data(args.codings, args.actors, args.hubs)
    rows: list[tuple[str, float]] = []

    t, ties = best(lambda: build_ties(codings))
    rows.append(("build_ties", t))
    t, graph = best(lambda: build_graph(actors, ties))
    rows.append(("build_graph", t))
    t, metrics = best(lambda: actor_metrics(graph))
    rows.append(("actor_metrics", t))
    t, summary = best(lambda: network_summary(graph, metrics=metrics))
    rows.append(("network_summary", t))
    build_and_metrics = sum(t for _, t in rows)
    for name, function in (
        ("to_gexf", lambda: to_gexf(graph, metrics=metrics)),
        ("to_graphml", lambda: to_graphml(graph, metrics=metrics)),
        ("edges_csv", lambda: edges_csv(graph)),
        ("nodes_csv", lambda: nodes_csv(graph, metrics=metrics)),
    ):
        rows.append((name, best(function)[0]))

    combined = combined_digraph(graph)
    parts = [
        ("combined_digraph", best(lambda: combined_digraph(graph))[0]),
        (
            "betweenness + closeness (used)",
            best(lambda: _unweighted_paths(combined, list(combined)))[0],
        ),
        (
            "networkx betweenness (exact)",
            best(lambda: nx.betweenness_centrality(combined))[0],
        ),
        (
            "betweenness (approx., k=100)",
            best(lambda: nx.betweenness_centrality(combined, k=100, seed=0))[0],
        ),
        (
            "betweenness (1/weight)",
            best(lambda: nx.betweenness_centrality(combined, weight="distance"), 1)[0],
        ),
        ("networkx closeness", best(lambda: nx.closeness_centrality(combined))[0]),
        ("eigenvector", best(lambda: _eigenvector(combined))[0]),
        ("constraint + effective size", best(lambda: _structural_holes(combined))[0]),
    ]

    print(
        f"{len(codings):,} codings, {len(actors)} actors -> {len(ties):,} ties, "
        f"{combined.number_of_edges():,} actor pairs "
        f"(max partners {max(m.neighbours for m in metrics)}, "
        f"median {sorted(m.neighbours for m in metrics)[len(metrics) // 2]})"
    )
    print(f"gatekeeper: {summary.sentence_en}")
    print(f"best of {RUNS} runs, seconds:")
    for name, seconds in rows:
        print(f"  {name:<30} {seconds:7.3f}")
    print(f"  {'total':<30} {sum(t for _, t in rows):7.3f}")
    verdict = "ok" if build_and_metrics <= TARGET_SECONDS else "OVER"
    print(
        f"build + metrics: {build_and_metrics:.3f} s "
        f"(target {TARGET_SECONDS:.0f} s: {verdict})"
    )
    print("inside actor_metrics:")
    for name, seconds in parts:
        print(f"  {name:<30} {seconds:7.3f}")


if __name__ == "__main__":
    main()
