"""The network API: actors, relation codings through /codings/, the network as JSON
and as GEXF, GraphML and CSV (read back with networkx), blind coding, roles."""

import csv
import io

import networkx as nx
import pytest
from rest_framework.test import APIClient

from coding.models import Code, Coding
from network.models import Actor, FlowType, Relation
from tests.factories import make_actor, make_document, make_flow, make_relation

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(project, members):
    document = make_document(project=project)
    stad = make_actor(
        project=project, name="Stad Mechelen", kind="city", aliases=["de stad"]
    )
    jam = make_actor(project=project, name="J@M vzw", aliases=["J@M"])
    rojm = make_actor(project=project, name="ROJM vzw")
    material = make_flow(project=project, key="material")
    knowledge = FlowType.objects.get(project=project, key="knowledge")
    make_relation(
        document=document,
        source=stad,
        target=jam,
        flow=material,
        coder=members["coder"],
        start=0,
        end=20,
    )
    make_relation(
        document=document,
        source=stad,
        target=jam,
        flow=material,
        coder=members["coder2"],
        start=0,
        end=20,
        occasional=True,
    )
    make_relation(
        document=document,
        source=rojm,
        target=jam,
        flow=knowledge,
        coder=members["coder2"],
        start=30,
        end=50,
        mutual=True,
    )
    return {
        "document": document,
        "stad": stad,
        "jam": jam,
        "rojm": rojm,
        "material": material,
        "knowledge": knowledge,
    }


def test_actors_list_and_create(project, members):
    url = f"/api/v1/projects/{project.pk}/actors/"
    response = api(members["owner"]).post(
        url,
        {"name": "Unia", "kind": "agency", "aliases": ["Unia Mechelen"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    actor = Actor.objects.get(pk=body["id"])
    assert body == {
        "id": actor.pk,
        "name": "Unia",
        "kind": "agency",
        "aliases": ["Unia Mechelen"],
        "code": actor.code_id,
    }
    assert Code.objects.get(pk=actor.code_id).parent.name == "Actoren"
    listed = api(members["viewer"]).get(url)
    assert listed.status_code == 200
    assert [a["name"] for a in listed.json()] == ["Unia"]
    assert (
        api(members["coder"]).post(url, {"name": "X"}, format="json").status_code == 403
    )
    assert api(members["outsider"]).get(url).status_code == 404
    bad = api(members["owner"]).post(url, {"name": "Y", "kind": "bank"}, format="json")
    assert bad.status_code == 400
    parent = api(members["owner"]).post(
        url, {"name": "Y", "parent": 999999}, format="json"
    )
    assert parent.status_code == 400
    assert "parent" in parent.json()["errors"]


def test_flows_list(project, members, world):
    response = api(members["coder"]).get(f"/api/v1/projects/{project.pk}/flows/")
    assert [f["key"] for f in response.json()] == ["material", "knowledge", "other"]


def test_post_a_relation_coding(project, members, world):
    url = f"/api/v1/projects/{project.pk}/codings/"
    document = world["document"]
    item = {
        "document": document.pk,
        "start": 60,
        "end": 80,
        "source_actor": world["stad"].pk,
        "target_actor": world["rojm"].pk,
        "flow": "knowledge",
        "mutual": True,
    }
    response = api(members["coder"]).post(url, item, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == world["knowledge"].code_id
    assert body["relation"] == {
        "source_actor": world["stad"].pk,
        "target_actor": world["rojm"].pk,
        "flow": "knowledge",
        "mutual": True,
        "occasional": False,
    }
    relation = Relation.objects.get(coding_id=body["id"])
    assert relation.mutual
    assert not relation.occasional
    # Read back; plain codings have relation null.
    plain = Code.objects.create(project=project, name="Overleg")
    api(members["coder"]).post(
        url,
        {"document": document.pk, "code": plain.pk, "start": 0, "end": 5},
        format="json",
    )
    rows = api(members["coder"]).get(url).json()["results"]
    assert {r["code"]: r["relation"] is None for r in rows}[plain.pk]
    assert sum(r["relation"] is not None for r in rows) == 2  # own: world + this one


def test_patch_a_relation_coding(project, members, world):
    mine = Relation.objects.get(coding__coder=members["coder"])
    url = f"/api/v1/codings/{mine.coding_id}/"
    client = api(members["coder"])
    response = client.patch(
        url, {"target_actor": world["rojm"].pk, "occasional": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["relation"] == {
        "source_actor": world["stad"].pk,
        "target_actor": world["rojm"].pk,
        "flow": "material",
        "mutual": False,
        "occasional": True,
    }
    # Errors are 400 with a reason; nothing changes, not even the memo beside them.
    for payload, field in [
        ({"target_actor": 999_999, "memo": "x"}, "target_actor"),
        ({"source_actor": world["rojm"].pk}, "target_actor"),  # same actor twice
    ]:
        bad = client.patch(url, payload, format="json")
        assert bad.status_code == 400
        assert field in str(bad.json())
    mine.refresh_from_db()
    assert mine.target_actor == world["rojm"]
    assert mine.coding.memo == ""
    plain = Code.objects.create(project=project, name="Overleg")
    coding = Coding.objects.create(
        document=world["document"], code=plain, coder=members["coder"], start=0, end=4
    )
    not_relation = client.patch(
        f"/api/v1/codings/{coding.pk}/",
        {"mutual": True},
        format="json",
    )
    assert not_relation.status_code == 400
    assert "not a relation coding" in str(not_relation.json())


def test_relation_coding_errors(project, members, world):
    url = f"/api/v1/projects/{project.pk}/codings/"
    base = {"document": world["document"].pk, "start": 0, "end": 10}
    client = api(members["coder"])

    def error(**fields):
        response = client.post(url, {**base, **fields}, format="json")
        assert response.status_code == 400, response.json()
        return response.json()["errors"]

    assert "flow" in error(source_actor=world["stad"].pk, target_actor=world["jam"].pk)
    assert "flow" in error(
        source_actor=world["stad"].pk, target_actor=world["jam"].pk, flow="money"
    )
    assert "target_actor" in error(
        source_actor=world["stad"].pk, target_actor=world["stad"].pk, flow="material"
    )
    assert "source_actor" in error(
        source_actor=999999, target_actor=world["jam"].pk, flow="material"
    )
    assert "code" in error(
        source_actor=world["stad"].pk,
        target_actor=world["jam"].pk,
        flow="material",
        code=world["knowledge"].code_id,
    )
    assert "code" in error()  # neither code nor flow
    assert error(code=world["material"].code_id, mutual=True)
    # A list: all or nothing, errors name the item.
    items = [
        {
            **base,
            "source_actor": world["stad"].pk,
            "target_actor": world["jam"].pk,
            "flow": "other",
        },
        {
            **base,
            "source_actor": world["stad"].pk,
            "target_actor": world["stad"].pk,
            "flow": "other",
        },
    ]
    before = Coding.objects.filter(document__project=project).count()
    response = client.post(url, items, format="json")
    assert response.status_code == 400
    assert "Item 1" in response.json()["errors"]["items"][0]
    assert Coding.objects.filter(document__project=project).count() == before
    items[1]["target_actor"] = world["rojm"].pk
    items[1].update(start=20, end=30)
    response = client.post(url, items, format="json")
    assert response.status_code == 201, response.json()
    assert [r["relation"]["target_actor"] for r in response.json()] == [
        world["jam"].pk,
        world["rojm"].pk,
    ]
    assert api(members["viewer"]).post(url, items, format="json").status_code == 403


def test_network_json(project, members, world):
    response = api(members["supervisor"]).get(f"/api/v1/projects/{project.pk}/network/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "done"
    assert body["freshness"] == "fresh"
    names = {n["id"]: n["name"] for n in body["nodes"]}
    assert set(names.values()) == {"Stad Mechelen", "J@M vzw", "ROJM vzw"}
    edges = {
        (names[e["source"]], names[e["target"]], e["flow"]): e for e in body["edges"]
    }
    material = edges[("Stad Mechelen", "J@M vzw", "material")]
    assert (material["weight"], material["evidence_count"], material["coders"]) == (
        2,
        2,
        2,
    )
    assert material["occasional"]
    assert material["regularity"] == "occasional"
    assert (material["occasional_votes"], material["structural_votes"]) == (1, 1)
    assert edges[("J@M vzw", "ROJM vzw", "knowledge")]["mutual"]
    assert len(edges) == 3
    jam = next(n for n in body["nodes"] if n["name"] == "J@M vzw")
    assert (jam["in_degree"], jam["out_degree"]) == (2, 1)
    assert body["summary"]["gatekeepers"] == [jam["id"]]
    assert body["summary"]["gatekeeper_sentence"].startswith("J@M vzw lies on")
    # Filters.
    only = (
        api(members["supervisor"])
        .get(
            f"/api/v1/projects/{project.pk}/network/?flows=knowledge&coders={members['coder2'].username}"
        )
        .json()
    )
    assert {e["flow"] for e in only["edges"]} == {"knowledge"}
    assert only["filters"]["flows"] == ["knowledge"]
    bad = api(members["supervisor"]).get(
        f"/api/v1/projects/{project.pk}/network/?flows=money"
    )
    assert bad.status_code == 400
    assert "flows" in bad.json()["errors"]


def test_network_blind_coder_and_roles(project, members, world):
    url = f"/api/v1/projects/{project.pk}/network/"
    mine = api(members["coder"]).get(url).json()
    assert [(e["flow"], e["weight"], e["coding_ids"]) for e in mine["edges"]] == [
        ("material", 1, list(members["coder"].codings.values_list("id", flat=True)))
    ]
    assert api(members["viewer"]).get(url).json()["edges"] == []  # viewers code nothing
    assert api(members["outsider"]).get(url).status_code == 404
    supervisor = api(members["supervisor"]).get(url).json()
    assert supervisor["snapshot"] != mine["snapshot"]


def test_exports_parse_back_with_networkx(project, members, world):
    url = f"/api/v1/projects/{project.pk}/network/"
    client = api(members["supervisor"])
    gexf = client.get(url + "?format=gexf")
    assert gexf.status_code == 200
    assert gexf["Content-Type"] == "application/gexf+xml"
    assert 'filename="' in gexf["Content-Disposition"]
    graph = nx.read_gexf(io.BytesIO(gexf.content))
    labels = {data["label"] for _n, data in graph.nodes(data=True)}
    assert labels == {"Stad Mechelen", "J@M vzw", "ROJM vzw"}
    flows = sorted(
        (d["flow"], d["weight"], d["regularity"])
        for _u, _v, d in graph.edges(data=True)
    )
    assert flows == [
        ("knowledge", 1, "structural"),
        ("knowledge", 1, "structural"),
        ("material", 2, "occasional"),
    ]
    assert all("betweenness" in d for _n, d in graph.nodes(data=True))

    graphml = client.get(url + "?format=graphml&flows=material")
    assert graphml["Content-Type"] == "application/graphml+xml"
    read = nx.read_graphml(io.BytesIO(graphml.content))
    assert [d["flow"] for _u, _v, d in read.edges(data=True)] == ["material"]
    assert {d["name"] for _n, d in read.nodes(data=True)} == labels

    ties = client.get(url + "?format=csv")
    assert ties["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(ties.content.decode("utf-8").lstrip("\ufeff")))
    )
    assert {(r["source_name"], r["flow"], r["weight"]) for r in rows} >= {
        ("Stad Mechelen", "material", "2")
    }
    actors = client.get(url + "?format=csv&table=nodes")
    rows = list(
        csv.DictReader(io.StringIO(actors.content.decode("utf-8").lstrip("\ufeff")))
    )
    assert {r["name"] for r in rows} == labels
    assert "betweenness" in rows[0]

    assert client.get(url + "?format=json").json()["edges"]
    bad = client.get(url + "?format=pdf")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/json"
    assert "format" in bad.json()["errors"]
    assert client.get(url + "?format=csv&table=both").status_code == 400
    wrong = client.get(url + "?format=gexf&flows=money")
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["flows"]


def test_actor_merge_api(project, members, world):
    url = f"/api/v1/projects/{project.pk}/actors/{world['rojm'].pk}/merge/"
    assert (
        api(members["coder"])
        .post(url, {"target": world["jam"].pk}, format="json")
        .status_code
        == 403
    )
    response = api(members["owner"]).post(
        url, {"target": world["jam"].pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["dropped"] == 1
    assert response.json()["actor"]["aliases"] == ["J@M", "ROJM vzw"]
    assert (
        api(members["owner"])
        .post(url, {"target": world["jam"].pk}, format="json")
        .status_code
        == 404
    )


def test_network_attribute_filter(project, members, world):
    from tests.factories import make_case

    case = make_case(project=project, niveau="middenveld")
    world["document"].case = case
    world["document"].save(update_fields=["case"])
    url = f"/api/v1/projects/{project.pk}/network/"
    client = api(members["supervisor"])
    assert len(client.get(url + "?attribute=niveau=middenveld").json()["edges"]) == 3
    assert client.get(url + "?attribute=niveau=politiek").json()["edges"] == []
    unknown = client.get(url + "?attribute=sector=zorg")
    assert unknown.status_code == 400
    assert "attribute" in unknown.json()["errors"]
