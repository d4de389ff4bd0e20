"""Time the Celery task's service, ``network_build``, on 200,000 relation codings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/network_build.py [--codings N] [--actors N] [--documents N]

Where ``bench/network.py`` times the pure ``network.graph`` module, this times what a
worker does: read the relation codings of a snapshot's scope from PostgreSQL, count
actor mentions in the transcripts, build and measure the graph, and replace the
stored ties and metrics. It makes a throw-away project (removed at the end) with the
same seeded data shape as ``bench/network.py``, spread over real-length transcripts
(the demo interviews) and eight coders, then prints the time of each part (median of
five builds, and the best) and of reading the stored network back for the page, the
API and exports (best of three).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.network import make_data  # noqa: E402
from coding.demo.loader import DATA_DIR  # noqa: E402
from coding.models import Code, Coding, Project  # noqa: E402
from coding.services.documents import document_create_from_text  # noqa: E402
from coding.services.projects import project_create  # noqa: E402
from network import graph  # noqa: E402
from network.filters import NetworkFilters  # noqa: E402
from network.models import Actor, FlowType, Relation  # noqa: E402
from network.selectors import network_payload, stored_network  # noqa: E402
from network.services import (  # noqa: E402
    actor_root,
    flow_types_sync,
    network_build,
    network_snapshot_get_or_create,
)

RUNS = 3
BUILDS = 5
CODERS = 8


def best(function, runs: int = RUNS) -> tuple[float, object]:
    result, times = None, []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def populate(
    project: Project, users: list, n_codings: int, n_actors: int, n_documents: int
):
    """Documents, actors and relation codings, written in bulk (no services: the
    point is the build, and 200,000 audited inserts would take an hour)."""
    owner = users[0]
    texts = [p.read_text(encoding="utf-8") for p in sorted(DATA_DIR.glob("*.txt"))]
    documents = [
        document_create_from_text(
            project=project,
            title=f"Interview {i:03d}",
            text=texts[i % len(texts)],
            user=owner,
        )
        for i in range(n_documents)
    ]
    root = actor_root(project=project, create=True)
    pure_actors, pure_codings = make_data(n_codings, n_actors, 3)
    codes = Code.objects.bulk_create(
        Code(project=project, parent=root, name=a.name, color="#cccccc", sort_order=i)
        for i, a in enumerate(pure_actors)
    )
    actors = Actor.objects.bulk_create(
        Actor(project=project, code=code, name=a.name, kind=a.kind, aliases=[])
        for code, a in zip(codes, pure_actors, strict=True)
    )
    actor_of = {a.id: actor.pk for a, actor in zip(pure_actors, actors, strict=True)}
    flows = {f.key: f for f in flow_types_sync(project=project, create_codes=True)}
    now = timezone.now()
    # A coding is unique per (document, code, coder, span): give each its own span.
    next_start: dict[tuple, int] = defaultdict(int)
    rows, relations = [], []
    for c in pure_codings:
        document = documents[c.document_id % n_documents]
        flow = flows[c.flow]
        coder = users[c.coder_id % CODERS]
        key = (document.pk, flow.pk, coder.pk)
        start = next_start[key] % (document.length - 40)
        next_start[key] += 1
        rows.append(
            Coding(
                document=document,
                code=flow.code,
                coder=coder,
                start=start,
                end=start + 30,
                word_count=5,
                created_at=now,
                updated_at=now,
            )
        )
        relations.append(
            (
                actor_of[c.source_actor_id],
                actor_of[c.target_actor_id],
                flow,
                c.mutual,
                c.occasional,
            )
        )
    created = Coding.objects.bulk_create(rows, batch_size=5000)
    Relation.objects.bulk_create(
        (
            Relation(
                coding=coding,
                source_actor_id=source,
                target_actor_id=target,
                flow=flow,
                mutual=mutual,
                occasional=occasional,
            )
            for coding, (source, target, flow, mutual, occasional) in zip(
                created, relations, strict=True
            )
        ),
        batch_size=5000,
    )
    return len(created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--documents", type=int, default=300)
    args = parser.parse_args()

    User = get_user_model()
    users = [
        User.objects.get_or_create(username=f"bench-network-{i}")[0]
        for i in range(CODERS)
    ]
    project = project_create(name="bench: network", owner=users[0], codebook="empty")
    try:
        started = time.perf_counter()
        with transaction.atomic():
            total = populate(project, users, args.codings, args.actors, args.documents)
        setup = time.perf_counter() - started
        snapshot, _ = network_snapshot_get_or_create(
            project=project, scope="all", filters=NetworkFilters()
        )
        runs = []
        for _ in range(BUILDS):
            built = network_build(snapshot_id=snapshot.pk)
            runs.append({**built.summary["timings"], "total": built.seconds})
        t_stored, stored = best(lambda: stored_network(built))
        t_page, _ = best(lambda: stored_network(built, evidence=False))
        t_payload, _ = best(lambda: network_payload(built))
        t_gexf, _ = best(lambda: graph.to_gexf(stored.graph, metrics=stored.metrics))

        characters = sum(project.documents.values_list("length", flat=True)) // max(
            args.documents, 1
        )
        print(
            f"{total:,} relation codings, {Actor.objects.filter(project=project).count()} "
            f"actors, {args.documents} documents (~{characters:,} characters each), "
            f"{CODERS} coders -> {built.summary['edges']:,} ties, "
            f"{built.summary['actor_pairs']:,} actor pairs"
        )
        print(f"setup (bulk inserts, not timed below): {setup:.1f} s")
        print(f"gatekeeper: {built.summary['sentence_en']}")
        print(f"network_build, the task's service ({BUILDS} builds), seconds:")
        print(f"  {'':<38} {'median':>7} {'best':>7}")
        for phase in runs[0]:
            values = [run[phase] for run in runs]
            print(f"  {phase:<38} {median(values):7.3f} {min(values):7.3f}")
        print(f"reading the stored network back (best of {RUNS}), seconds:")
        for name, value in (
            ("stored_network, page (no evidence)", t_page),
            ("stored_network, with evidence", t_stored),
            ("network_payload (API JSON)", t_payload),
            ("to_gexf from the stored network", t_gexf),
        ):
            print(f"  {name:<38} {value:7.3f}")
    finally:
        started = time.perf_counter()
        with transaction.atomic():
            Relation.objects.filter(coding__document__project=project).delete()
            Coding.objects.filter(document__project=project).delete()
            FlowType.objects.filter(project=project).delete()
            project.delete()
        print(f"(clean-up {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
