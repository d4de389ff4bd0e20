"""Network builds from hand-made relation codings: ties and metrics against networkx
computed here independently; filters, blind coding, consensus, mentions, the task."""

from collections import defaultdict

import networkx as nx
import pytest
from django.urls import reverse

from coding.access import ProjectAccess
from coding.jobs.models import JobStatus
from coding.models import Code, Role
from coding.services.codings import coding_create
from coding.services.team import consensus_publish, consensus_user_for
from network.filters import NetworkFilters, network_scope
from network.models import ActorMetric, NetworkSnapshot, NetworkTie
from network.services import (
    network_build,
    network_request,
    network_snapshot_get_or_create,
)
from network.tasks import network_rebuild
from tests.conftest import client_for
from tests.factories import (
    make_actor,
    make_case,
    make_document,
    make_flow,
    make_membership,
    make_project,
    make_relation,
    make_user,
)

pytestmark = pytest.mark.django_db

TEXT = "Eerste zin over de stad. Tweede zin over J@M en de clubs. " * 4


def _world():
    """Five actors (E without ties), two coders, three documents, seven codings."""
    owner = make_user()
    project = make_project(owner=owner)
    c1, c2 = make_user(), make_user()
    for coder in (c1, c2):
        make_membership(project=project, user=coder, role=Role.CODER)
    d1 = make_document(
        project=project, text=TEXT, case=make_case(project=project, niveau="middenveld")
    )
    d2 = make_document(
        project=project, text=TEXT, case=make_case(project=project, niveau="politiek")
    )
    d3 = make_document(project=project, text=TEXT)
    actors = {
        name: make_actor(project=project, name=name, kind=kind)
        for name, kind in (
            ("A", "city"),
            ("B", "vzw"),
            ("C", "vzw"),
            ("D", "agency"),
            ("E", "association"),
        )
    }
    material = make_flow(project=project, key="material")
    knowledge = make_flow(project=project, key="knowledge")
    flows = {"material": material, "knowledge": knowledge}
    rows = [  # coder, document, source, target, flow, mutual, occasional
        (c1, d1, "A", "B", "material", False, False),
        (c2, d1, "A", "B", "material", False, True),
        (c1, d2, "A", "B", "material", False, True),
        (c1, d1, "B", "C", "knowledge", True, False),
        (c2, d2, "C", "B", "knowledge", False, False),
        (c1, d3, "A", "D", "knowledge", False, False),
        (c2, d3, "D", "C", "material", False, True),
    ]
    codings = []
    for n, (coder, document, source, target, flow, mutual, occasional) in enumerate(
        rows
    ):
        relation = make_relation(
            document=document,
            source=actors[source],
            target=actors[target],
            flow=flows[flow],
            coder=coder,
            start=n * 2,
            end=n * 2 + 20,
            mutual=mutual,
            occasional=occasional,
        )
        codings.append(
            (
                relation.coding_id,
                coder.pk,
                document.pk,
                source,
                target,
                flow,
                mutual,
                occasional,
            )
        )
    return {
        "project": project,
        "owner": owner,
        "coders": (c1, c2),
        "documents": (d1, d2, d3),
        "actors": actors,
        "codings": codings,
    }


def _build(world, filters=None, scope="all"):
    snapshot, _ = network_snapshot_get_or_create(
        project=world["project"], scope=scope, filters=filters or NetworkFilters()
    )
    return network_build(snapshot_id=snapshot.pk)


def _expected_ties(codings, names):
    """(source, target, flow) -> [weight, documents, occasional votes] by hand."""
    ties = defaultdict(lambda: [0, set(), 0])
    for _cid, _coder, document, source, target, flow, mutual, occasional in codings:
        for u, v in [(source, target)] + ([(target, source)] if mutual else []):
            tie = ties[(names[u], names[v], flow)]
            tie[0] += 1
            tie[1].add(document)
            tie[2] += int(occasional)
    return {k: (w, len(d), o) for k, (w, d, o) in ties.items()}


def _stored_ties(snapshot):
    return {
        (t.source_id, t.target_id, t.flow): (t.weight, t.documents, t.occasional_votes)
        for t in NetworkTie.objects.filter(snapshot=snapshot, layer="relation")
    }


def test_ties_and_metrics_match_networkx_computed_independently():
    world = _world()
    snapshot = _build(world)
    assert snapshot.status == JobStatus.DONE
    ids = {name: a.pk for name, a in world["actors"].items()}
    expected = _expected_ties(world["codings"], ids)
    assert _stored_ties(snapshot) == expected
    ab = NetworkTie.objects.get(
        snapshot=snapshot, source_id=ids["A"], target_id=ids["B"]
    )
    assert (ab.occasional, ab.occasional_votes, ab.structural_votes, ab.coders) == (
        True,
        2,
        1,
        2,
    )
    assert sorted(ab.coding_ids) == sorted(c[0] for c in world["codings"][:3])
    bc = NetworkTie.objects.get(
        snapshot=snapshot, source_id=ids["B"], target_id=ids["C"]
    )
    assert bc.mutual
    assert not bc.occasional

    reference = nx.DiGraph()
    reference.add_nodes_from(ids.values())
    for (u, v, _flow), (weight, _docs, _occ) in expected.items():
        if reference.has_edge(u, v):
            reference[u][v]["weight"] += weight
        else:
            reference.add_edge(u, v, weight=weight)
    undirected = nx.Graph()
    undirected.add_nodes_from(ids.values())
    for u, v, w in reference.edges(data="weight"):
        if undirected.has_edge(u, v):
            undirected[u][v]["weight"] += w
        else:
            undirected.add_edge(u, v, weight=w)
    betweenness = nx.betweenness_centrality(reference, normalized=True)
    closeness = nx.closeness_centrality(reference)
    constraint = nx.constraint(undirected, weight="weight")
    effective = nx.effective_size(undirected, weight="weight")
    eigenvector = nx.eigenvector_centrality(reference, weight="weight", max_iter=5000)
    metrics = {m.actor_id: m for m in ActorMetric.objects.filter(snapshot=snapshot)}
    assert set(metrics) == set(ids.values())
    for node in ids.values():
        m = metrics[node]
        assert m.in_degree == reference.in_degree(node)
        assert m.out_degree == reference.out_degree(node)
        assert m.degree == reference.degree(node)
        assert m.weighted_degree == reference.degree(node, weight="weight")
        assert m.betweenness == pytest.approx(betweenness[node])
        assert m.closeness == pytest.approx(closeness[node])
        assert m.eigenvector == pytest.approx(eigenvector[node], abs=1e-4)
        if undirected.degree(node):
            assert m.constraint == pytest.approx(constraint[node])
            assert m.effective_size == pytest.approx(effective[node])
        else:
            assert m.constraint is None
            assert m.effective_size is None
    assert metrics[ids["E"]].component == 1  # the isolated actor: second component
    summary = snapshot.summary
    assert summary["density"] == pytest.approx(nx.density(reference))
    assert summary["weak_components"] == nx.number_weakly_connected_components(
        reference
    )
    top = max(betweenness.values())
    assert summary["gatekeeper_ids"] == [n for n, b in betweenness.items() if b == top]
    assert summary["relation_codings"] == 7
    (gatekeeper,) = summary["gatekeeper_ids"]
    name = next(n for n, pk in ids.items() if pk == gatekeeper)
    assert summary["sentence_en"].startswith(f"{name} lies on")


def test_filters_select_the_codings():
    world = _world()
    ids = {name: a.pk for name, a in world["actors"].items()}
    c1, c2 = world["coders"]
    d1, d2, _d3 = world["documents"]
    codings = world["codings"]

    def expect(keep):
        return _expected_ties([c for c in codings if keep(c)], ids)

    cases = [
        (NetworkFilters(flows=("knowledge",)), lambda c: c[5] == "knowledge"),
        (NetworkFilters(coders=(c1.pk,)), lambda c: c[1] == c1.pk),
        (NetworkFilters(documents=(d1.pk,)), lambda c: c[2] == d1.pk),
        (
            NetworkFilters(attributes=(("niveau", "politiek"),)),
            lambda c: c[2] == d2.pk,
        ),
        (
            NetworkFilters(coders=(c2.pk,), flows=("material",)),
            lambda c: c[1] == c2.pk and c[5] == "material",
        ),
    ]
    for filters, keep in cases:
        assert _stored_ties(_build(world, filters)) == expect(keep), filters


def test_blind_coder_network_uses_only_their_codings():
    world = _world()
    project = world["project"]
    c1, c2 = world["coders"]
    ids = {name: a.pk for name, a in world["actors"].items()}
    access = ProjectAccess(project=project, user_id=c1.pk, role=Role.CODER)
    scope = network_scope(access)
    assert scope == f"coder:{c1.pk}"
    snapshot = _build(world, scope=scope)
    assert _stored_ties(snapshot) == _expected_ties(
        [c for c in world["codings"] if c[1] == c1.pk], ids
    )
    # Asking for the other coder's codings gives nothing, not their network.
    other = _build(world, NetworkFilters(coders=(c2.pk,)), scope=scope)
    assert _stored_ties(other) == {}
    # A supervisor's snapshot is a different row.
    everyone = _build(world)
    assert everyone.pk != snapshot.pk
    supervisor = ProjectAccess(
        project=project, user_id=world["owner"].pk, role=Role.OWNER
    )
    assert network_scope(supervisor) == "all"


def test_consensus_codings_take_the_relation_of_the_coding_they_adopt():
    world = _world()
    project = world["project"]
    c1, _c2 = world["coders"]
    consensus = consensus_user_for(project)
    first = world["codings"][0]  # c1: A -> B material in d1, span 0..20
    relation_coding = c1.codings.get(pk=first[0])
    coding_create(
        document=relation_coding.document,
        code=relation_coding.code,
        coder=consensus,
        start=relation_coding.start,
        end=relation_coding.end,
    )
    snapshot = _build(world, NetworkFilters(consensus=True))
    ids = {name: a.pk for name, a in world["actors"].items()}
    assert _stored_ties(snapshot) == {(ids["A"], ids["B"], "material"): (1, 1, 0)}
    # A blind coder sees it once the consensus is published, and not before.
    access = ProjectAccess(project=project, user_id=c1.pk, role=Role.CODER)
    assert "+consensus" not in network_scope(access)
    consensus_publish(project=project, published=True)
    project.refresh_from_db()
    access = ProjectAccess(project=project, user_id=c1.pk, role=Role.CODER)
    assert network_scope(access) == f"coder:{c1.pk}+consensus:{consensus.pk}"


def test_mentions_and_co_mentions_in_speaker_turns():
    project = make_project()
    text = (
        "Interviewer: Werkt de stad samen met J@M?\n\n"
        "Respondent: Ja, de stad en het Agentschap. J@M ook.\n\n"
        "Interviewer: En de clubs?\n"
    )
    document = make_document(project=project, text=text)
    assert document.turns.count() == 3
    stad = make_actor(
        project=project, name="Stad Mechelen", kind="city", aliases=["de stad"]
    )
    jam = make_actor(project=project, name="J@M vzw", aliases=["J@M"])
    agii = make_actor(project=project, name="Agentschap", aliases=["het Agentschap"])
    make_flow(project=project)
    snapshot = _build({"project": project}, NetworkFilters(co_mentions=True))
    mentions = dict(
        ActorMetric.objects.filter(snapshot=snapshot).values_list(
            "actor_id", "mentions"
        )
    )
    assert mentions == {stad.pk: 2, jam.pk: 2, agii.pk: 1}
    co = {
        (t.source_id, t.target_id): (t.weight, t.evidence_tuples())
        for t in NetworkTie.objects.filter(snapshot=snapshot, layer="co_mention")
    }
    first, second = sorted((stad.pk, jam.pk)), sorted((stad.pk, agii.pk))
    assert co[tuple(first)][0] == 2  # turns 1 and 2
    assert co[tuple(second)][0] == 1
    assert co[tuple(second)][1] == [(None, None, document.pk, 2)]
    # Co-mentions are a layer of their own: the metrics come from relations only.
    assert snapshot.summary["edges"] == 0


def _sent(messages) -> list[dict]:
    """The keyword arguments of the network builds sent to the broker so far."""
    return [kwargs for task, kwargs in messages() if task == network_rebuild.name]


def test_request_queues_one_build_after_commit_and_rebuilds_when_stale(
    django_capture_on_commit_callbacks, celery_messages
):
    world = _world()
    filters = NetworkFilters(flows=("material",))
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = network_request(
            project=world["project"], scope="all", filters=filters
        )
        again = network_request(project=world["project"], scope="all", filters=filters)
    assert again.pk == snapshot.pk
    assert _sent(celery_messages) == [{"snapshot_id": snapshot.pk}]
    snapshot.refresh_from_db()
    assert snapshot.badge(up_to_date=snapshot.built_since(None)) == "computing"
    network_rebuild(snapshot_id=snapshot.pk)  # the task, called as a function
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.DONE
    assert snapshot.seconds is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            network_request(
                project=world["project"], scope="all", filters=filters
            ).status
            == "done"
        )
    assert len(_sent(celery_messages)) == 1  # fresh: nothing queued
    c1 = world["coders"][0]
    d1 = world["documents"][0]
    with django_capture_on_commit_callbacks(execute=True):
        make_relation(
            document=d1,
            source=world["actors"]["C"],
            target=world["actors"]["D"],
            flow=make_flow(project=world["project"]),
            coder=c1,
            start=50,
            end=60,
        )
    with django_capture_on_commit_callbacks(execute=True):
        network_request(project=world["project"], scope="all", filters=filters)
    assert len(_sent(celery_messages)) == 2


def test_a_failed_enqueue_is_shown_and_a_missing_snapshot_is_skipped(
    django_capture_on_commit_callbacks, broker_down
):
    """No broker: the build is not failed, it stays queued and unsent (the reaper
    sends it again) and the page says no worker can be reached."""
    world = _world()
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = network_request(
            project=world["project"], scope="all", filters=NetworkFilters()
        )
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.QUEUED
    assert snapshot.unsent
    assert snapshot.waiting_for_worker
    assert snapshot.badge(up_to_date=snapshot.built_since(None)) == "stale"
    assert snapshot.error == ""
    status = client_for(world["owner"]).get(
        reverse("network:network_status", args=[world["project"].pk, snapshot.pk]),
        headers={"HX-Request": "true"},
    )
    assert "No worker can be reached right now" in status.content.decode()
    NetworkSnapshot.objects.filter(pk=snapshot.pk).delete()
    network_rebuild(snapshot_id=snapshot.pk)  # gone: logs and returns


def test_recoding_a_relation_coding_moves_its_tie():
    world = _world()
    project = world["project"]
    knowledge_code = Code.objects.get(project=project, flow_type__key="knowledge")
    first = world["codings"][0][0]
    from coding.services.codings import coding_update

    coding_update(coding=world["coders"][0].codings.get(pk=first), code=knowledge_code)
    snapshot = _build(world)
    ids = {name: a.pk for name, a in world["actors"].items()}
    ties = _stored_ties(snapshot)
    assert ties[(ids["A"], ids["B"], "material")][0] == 2
    assert ties[(ids["A"], ids["B"], "knowledge")][0] == 1


def test_evidence_lists_and_a_project_without_documents():
    world = _world()
    ids = {name: a.pk for name, a in world["actors"].items()}
    snapshot = _build(world)
    cb = NetworkTie.objects.get(
        snapshot=snapshot, source_id=ids["C"], target_id=ids["B"]
    )
    # B -> C was coded mutual by c1, C -> B one-way by c2: both support C -> B.
    support = sorted(c for c in world["codings"] if c[3:5] in {("B", "C"), ("C", "B")})
    assert cb.evidence == {
        "codings": [c[0] for c in support],
        "coders": [c[1] for c in support],
        "documents": [c[2] for c in support],
    }
    assert (cb.weight, cb.documents, cb.coders, cb.mutual) == (2, 2, 2, True)

    empty = make_project()
    make_actor(project=empty, name="Stad", kind="city")
    make_flow(project=empty)
    built = _build({"project": empty})
    assert built.status == JobStatus.DONE
    assert (built.summary["nodes"], built.summary["edges"]) == (1, 0)
    assert built.summary["relation_codings"] == 0
    assert not NetworkTie.objects.filter(snapshot=built).exists()
    assert ActorMetric.objects.get(snapshot=built).component == 0
