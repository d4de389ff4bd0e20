"""Network pages: the drawing page per role, quotes behind ties and actors (blind
coding), the relation form of the document page, the actors page, the segments CSV
columns, the ``network`` command and the demo's Figuur 3."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from coding.demo.loader import demo_load
from coding.models import AuditEvent, Coding
from network import graph
from network.filters import NetworkFilters
from network.models import Actor, NetworkSnapshot, Relation
from network.services import network_build, network_snapshot_get_or_create
from tests.conftest import client_for
from tests.factories import make_actor, make_document, make_flow, make_relation

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(project, members):
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad", kind="city")
    jam = make_actor(project=project, name="J@M vzw", aliases=["J@M"])
    material = make_flow(project=project, key="material")
    mine = make_relation(
        document=document,
        source=stad,
        target=jam,
        flow=material,
        coder=members["coder"],
        start=0,
        end=20,
    )
    theirs = make_relation(
        document=document,
        source=jam,
        target=stad,
        flow=material,
        coder=members["coder2"],
        start=30,
        end=50,
        occasional=True,
    )
    return {
        "document": document,
        "stad": stad,
        "jam": jam,
        "material": material,
        "mine": mine,
        "theirs": theirs,
    }


def built(project, scope, filters=None):
    filters = filters or NetworkFilters(flows=("knowledge", "material"))
    snapshot, _ = network_snapshot_get_or_create(
        project=project, scope=scope, filters=filters
    )
    return network_build(snapshot_id=snapshot.pk)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_network_page_per_role(
    project, members, world, role, status, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(members[role]).get(
            reverse("network:network", args=[project.pk])
        )
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert 'id="network"' in body
        assert "computing" in body
        assert "cytoscape" not in body  # nothing to draw yet


def test_network_page_draws_a_built_network(project, members, world):
    built(project, "all")
    response = client_for(members["supervisor"]).get(
        reverse("network:network", args=[project.pk])
    )
    body = response.content.decode()
    assert "vendor/cytoscape-3.35.0/cytoscape.min.js" in body
    assert 'id="metrics"' in body
    assert "J@M vzw" in body
    data = response.context["drawing"]
    assert {n["name"] for n in data["nodes"]} == {"Stad", "J@M vzw"}
    stad = next(n for n in data["nodes"] if n["name"] == "Stad")
    assert (stad["x"], stad["y"]) == (0.0, 0.0)  # the city in the centre
    # One way solid, the other way dashed: two arrows, not one double-headed one.
    assert sorted((e["both_ways"], e["occasional"]) for e in data["edges"]) == [
        (False, False),
        (False, True),
    ]
    assert {e["colour"] for e in data["edges"]} == {"#d62728"}
    assert "fresh" in body
    assert "format=gexf" in body
    # Node colours have a legend (the kinds drawn), components count from 1.
    assert {n["colour"] for n in data["nodes"]} == {
        graph.KIND_COLOURS[n["kind"]] for n in data["nodes"]
    }
    legend = body[
        body.index('id="kind-legend"') : body.index(
            "</ul>", body.index('id="kind-legend"')
        )
    ]
    assert "city" in legend
    assert "vzw (non-profit)" in legend
    assert graph.KIND_COLOURS["city"] in legend
    assert {r.metrics.component for r in response.context["rows"]} == {0}
    assert re.search(r'<td class="num">1</td>\s*</tr>', body)
    assert not re.search(r'<td class="num">0</td>\s*</tr>', body)


def test_network_page_filters_and_errors(
    project, members, world, django_capture_on_commit_callbacks
):
    client = client_for(members["supervisor"])
    url = reverse("network:network", args=[project.pk])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(
            url + "?filtered=1&flows=material&coders=" + str(members["coder2"].pk)
        )
        assert response.context["filters"] == NetworkFilters(
            flows=("material",), coders=(members["coder2"].pk,)
        )
        bad = client.get(url + "?filtered=1&flows=money")
    assert bad.status_code == 400
    assert "not a flow type" in bad.content.decode()


def test_blind_coder_sees_only_own_snapshot_and_quotes(project, members, world):
    supervisor = built(project, "all")
    own = built(project, f"coder:{members['coder'].pk}")
    coder = client_for(members["coder"])
    tie_url = reverse("network:network_tie", args=[project.pk, supervisor.pk])
    params = {"source": world["jam"].pk, "target": world["stad"].pk, "flow": "material"}
    assert coder.get(tie_url, params).status_code == 404
    mine = coder.get(
        reverse("network:network_tie", args=[project.pk, own.pk]),
        {
            "source": world["stad"].pk,
            "target": world["jam"].pk,
            "flow": "material",
            "both": "1",
        },
    )
    assert mine.status_code == 200
    body = mine.content.decode()
    assert world["mine"].coding.text in body
    assert "1 coding" in body
    # The supervisor reads both directions' quotes and who coded them.
    response = client_for(members["supervisor"]).get(
        reverse("network:network_tie", args=[project.pk, supervisor.pk]),
        {**params, "both": "1", "source": world["stad"].pk, "target": world["jam"].pk},
    )
    body = response.content.decode()
    assert world["theirs"].coding.text in body
    assert world["mine"].coding.text in body
    assert members["coder2"].username in body
    assert "Occasional" in body
    assert "Structural" in body
    actor = client_for(members["supervisor"]).get(
        reverse(
            "network:network_actor", args=[project.pk, supervisor.pk, world["stad"].pk]
        )
    )
    assert actor.status_code == 200
    assert "2 relation codings" in actor.content.decode()
    missing = client_for(members["supervisor"]).get(
        tie_url, {**params, "flow": "knowledge"}
    )
    assert missing.status_code == 404


def test_status_badge_polls_then_reloads(
    project, members, world, django_capture_on_commit_callbacks
):
    client = client_for(members["supervisor"])
    with django_capture_on_commit_callbacks(execute=False):
        client.get(reverse("network:network", args=[project.pk]))
    snapshot = NetworkSnapshot.objects.get(project=project, scope="all")
    url = reverse("network:network_status", args=[project.pk, snapshot.pk])
    waiting = client.get(url + "?shown=", headers=HTMX)
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    network_build(snapshot_id=snapshot.pk)
    done = client.get(url + "?shown=", headers=HTMX)
    assert done.status_code == 286 or done.headers.get("HX-Refresh") == "true"
    snapshot.refresh_from_db()
    fresh = client.get(url, {"shown": snapshot.computed_at.isoformat()}, headers=HTMX)
    assert "fresh" in fresh.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rebuilt = client.post(
            reverse("network:network_rebuild", args=[project.pk, snapshot.pk]),
            headers=HTMX,
        )
    assert "computing" in rebuilt.content.decode()
    assert len(callbacks) == 1


def test_relation_form_and_create_in_the_document_page(project, members, world):
    document = world["document"]
    client = client_for(members["coder"])
    form = client.get(
        reverse("network:workbench_relation_form", args=[project.pk, document.pk]),
        {"start": 0, "end": 12, "flow": "knowledge"},
        headers=HTMX,
    )
    body = form.content.decode()
    assert 'id="relation-form"' in body
    assert '<option value="knowledge" selected>' in body
    assert 'list="relation-actors"' in body
    assert ">J@M</option>" in body
    assert document.text[0:12] in body
    url = reverse("network:workbench_relation_create", args=[project.pk, document.pk])
    data = {
        "start": 0,
        "end": 12,
        "flow": "knowledge",
        "source": "j@m",  # an alias, any case
        "target": "Stad",
        "direction": "mutual",
        "regularity": "occasional",
        "memo": "zie p. 3",
    }
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Reswap"] == "none"
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body
    assert "Relation coded: J@M vzw ↔ Stad" in body
    relation = Relation.objects.get(flow__project=project, flow__key="knowledge")
    assert (relation.source_actor, relation.target_actor) == (
        world["jam"],
        world["stad"],
    )
    assert relation.mutual
    assert relation.occasional
    assert relation.coding.memo == "zie p. 3"
    assert AuditEvent.objects.filter(
        entity="coding", entity_id=relation.coding_id
    ).exists()
    # Errors re-render the form (status 200), nothing is saved.
    again = client.post(url, {**data, "target": "Nobody"}, headers=HTMX)
    assert again.status_code == 200
    assert "Choose the target actor" in again.content.decode()
    same = client.post(url, {**data, "target": "J@M vzw"}, headers=HTMX)
    assert "different actors" in same.content.decode()
    assert Relation.objects.filter(flow__project=project).count() == 3
    # Undo (the workbench's) removes the relation coding.
    client.post(
        reverse("coding:workbench_undo", args=[project.pk, document.pk]), headers=HTMX
    )
    assert not Relation.objects.filter(pk=relation.pk).exists()
    # The panel of a relation coding names its actors.
    panel = client.get(
        reverse("coding:workbench_panel", args=[project.pk, document.pk]),
        {"ids": world["mine"].coding_id},
        headers=HTMX,
    )
    assert "Stad → J@M vzw" in panel.content.decode()
    # Viewers may not code relations.
    assert (
        client_for(members["viewer"]).post(url, data, headers=HTMX).status_code == 403
    )


def test_a_coder_edits_their_relation_in_the_document_page(project, members, world):
    document, mine = world["document"], world["mine"]
    client = client_for(members["coder"])
    panel = client.get(
        reverse("coding:workbench_panel", args=[project.pk, document.pk]),
        {"ids": mine.coding_id},
        headers=HTMX,
    ).content.decode()
    url = reverse(
        "network:workbench_relation_edit",
        args=[project.pk, document.pk, mine.coding_id],
    )
    assert url in panel
    assert "Edit relation" in panel
    form = client.get(url, headers=HTMX).content.decode()
    assert "Edit the relation" in form
    assert 'value="Stad"' in form
    assert 'value="J@M vzw"' in form
    # A wrong actor: the form again, nothing changed.
    bad = client.post(url, {"source": "Nobody", "target": "Stad"}, headers=HTMX)
    assert "Choose the source actor" in bad.content.decode()
    mine.refresh_from_db()
    assert mine.source_actor == world["stad"]
    response = client.post(
        url,
        {
            "source": "J@M",
            "target": "Stad",
            "direction": "mutual",
            "regularity": "occasional",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Relation saved: J@M vzw ↔ Stad" in response.content.decode()
    mine.refresh_from_db()
    assert (mine.source_actor, mine.target_actor) == (world["jam"], world["stad"])
    assert mine.mutual
    assert mine.occasional
    event = AuditEvent.objects.get(
        entity="coding", entity_id=mine.coding_id, action="update"
    )
    assert event.before["relation"]["source_actor"] == world["stad"].pk
    assert event.after["relation"]["occasional"] is True
    # Another coder's relation is not theirs to change (nor to see under blind).
    theirs = reverse(
        "network:workbench_relation_edit",
        args=[project.pk, document.pk, world["theirs"].coding_id],
    )
    assert client.get(theirs, headers=HTMX).status_code == 404
    assert client.post(theirs, {"source": "Stad", "target": "J@M"}).status_code == 404
    # Viewers may not code at all.
    assert client_for(members["viewer"]).get(url).status_code == 403


def test_workbench_palette_marks_relation_codes(project, members, world):
    response = client_for(members["coder"]).get(
        reverse("coding:workbench", args=[project.pk, world["document"].pk])
    )
    palette = {p["name"]: p["flow"] for p in response.context["palette"]}
    assert palette["Materiële stroom"] == "material"
    assert palette["Stad"] == ""
    assert "data-relation-url" in response.content.decode()


def test_actors_page_create_update_merge(project, members, world):
    owner = client_for(members["owner"])
    page = owner.get(reverse("network:actors", args=[project.pk]))
    assert page.status_code == 200
    assert "J@M vzw" in page.content.decode()
    assert (
        client_for(members["coder"])
        .get(reverse("network:actors", args=[project.pk]))
        .status_code
        == 200
    )
    create = reverse("network:actors_create", args=[project.pk])
    assert (
        client_for(members["coder"]).post(create, {"name": "Unia"}).status_code == 403
    )
    response = owner.post(
        create,
        {"name": "Unia", "kind": "agency", "aliases": "Unia Mechelen\nhet contactpunt"},
    )
    assert response.status_code == 302
    unia = Actor.objects.get(project=project, name="Unia")
    assert unia.aliases == ["Unia Mechelen", "het contactpunt"]
    owner.post(
        reverse("network:actors_update", args=[project.pk, unia.pk]),
        {"name": "Unia Mechelen", "kind": "agency", "aliases": "Unia"},
    )
    unia.refresh_from_db()
    assert (unia.name, unia.code.name, unia.aliases) == (
        "Unia Mechelen",
        "Unia Mechelen",
        ["Unia"],
    )
    owner.post(
        reverse("network:actors_merge", args=[project.pk]),
        {"source": unia.pk, "target": world["stad"].pk},
    )
    assert not Actor.objects.filter(pk=unia.pk).exists()
    world["stad"].refresh_from_db()
    assert "Unia Mechelen" in world["stad"].aliases


def test_segments_csv_has_relation_columns(project, members, world):
    client = APIClient()
    client.force_authenticate(members["supervisor"])
    response = client.get(f"/api/v1/projects/{project.pk}/export/segments.csv")
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0])[-5:] == [
        "source_actor",
        "target_actor",
        "flow",
        "mutual",
        "occasional",
    ]
    relation_rows = {
        (r["source_actor"], r["target_actor"], r["flow"], r["mutual"], r["occasional"])
        for r in rows
    }
    assert relation_rows == {
        ("Stad", "J@M vzw", "material", "false", "false"),
        ("J@M vzw", "Stad", "material", "false", "true"),
    }


def test_network_command(project, members, world, capsys):
    call_command("network", str(project.pk), "--json")
    payload = json.loads(capsys.readouterr().out)
    assert {n["name"] for n in payload["nodes"]} == {"Stad", "J@M vzw"}
    assert len(payload["edges"]) == 2
    call_command(
        "network", str(project.pk), "--json", "--as-user", members["coder"].username
    )
    mine = json.loads(capsys.readouterr().out)
    assert [e["weight"] for e in mine["edges"]] == [1]
    assert mine["snapshot"] != payload["snapshot"]
    call_command("network", str(project.pk), "--flows", "material")
    text = capsys.readouterr().out
    assert "2 actors, 2 ties from 2 relation codings" in text
    call_command("network", str(project.pk), "--format", "gexf")
    assert capsys.readouterr().out.startswith("<?xml")


def test_demo_network_is_figuur_3():
    """The demo's relation codings give the thesis' Figure 3: the city in the centre
    with material and knowledge flows to every partner, dashed where occasional, and
    the city as the gatekeeper."""
    project = demo_load().project
    assert Relation.objects.filter(coding__document__project=project).count() > 60
    snapshot = built(project, "all")
    names = dict(Actor.objects.filter(project=project).values_list("id", "name"))
    ties = {
        (names[t.source_id], names[t.target_id], t.flow): t for t in snapshot.ties.all()
    }
    stad = "Stad Mechelen"
    for partner in (
        "Agentschap Integratie en Inburgering",
        "J@M vzw",
        "ROJM vzw",
        "Unia",
        "Samenlevingsopbouw",
        "Sportverenigingen",
        "Jeugdbewegingen",
        "Groep INTRO",
    ):
        assert (stad, partner, "material") in ties, partner
        assert (partner, stad, "knowledge") in ties, partner
        assert ties[(partner, stad, "knowledge")].mutual
    for partner in ("Samenlevingsopbouw", "Sportverenigingen", "Groep INTRO"):
        assert ties[(stad, partner, "material")].occasional, partner  # dashed
    for partner in (
        "Agentschap Integratie en Inburgering",
        "J@M vzw",
        "ROJM vzw",
        "Unia",
        "Jeugdbewegingen",
    ):
        assert not ties[(stad, partner, "material")].occasional, partner
    assert ("ROJM vzw", "J@M vzw", "material") in ties
    assert ("Groep INTRO", "Agentschap Integratie en Inburgering", "knowledge") in ties
    assert ("J@M vzw", "Jeugdbewegingen", "knowledge") in ties
    stad_id = next(pk for pk, name in names.items() if name == stad)
    assert snapshot.summary["gatekeeper_ids"] == [stad_id]
    assert snapshot.summary["sentence_nl"].startswith("Stad Mechelen ligt op")
    # Both coders' codings count: a tie coded by both has two coders.
    assert ties[(stad, "ROJM vzw", "material")].coders == 2
    assert (
        Coding.objects.filter(relation__isnull=False, document__project=project).count()
        == Relation.objects.filter(coding__document__project=project).count()
    )


def test_co_mention_tie_shows_the_turns(project, members, world):
    snapshot = built(project, "all", NetworkFilters(co_mentions=True))
    response = client_for(members["viewer"]).get(
        reverse("network:network_tie", args=[project.pk, snapshot.pk]),
        {
            "source": world["stad"].pk,
            "target": world["jam"].pk,
            "flow": "co_mention",
            "both": "1",
        },
    )
    assert response.status_code == 404  # the viewer's scope is not "all"
    viewer_snapshot = built(
        project, f"coder:{members['viewer'].pk}", NetworkFilters(co_mentions=True)
    )
    response = client_for(members["viewer"]).get(
        reverse("network:network_tie", args=[project.pk, viewer_snapshot.pk]),
        {
            "source": world["stad"].pk,
            "target": world["jam"].pk,
            "flow": "co_mention",
            "both": "1",
        },
    )
    body = response.content.decode()
    assert "named together in 1 turn" in body
    assert "De stad geeft subsidies aan J@M vzw" in body


def test_gatekeeper_sentence_follows_the_language(project, members, world):
    from django.utils import translation

    from network.selectors import summary_payload

    snapshot = built(project, "all")
    with translation.override("nl"):
        assert summary_payload(snapshot)["gatekeeper_sentence"].startswith(
            "Geen enkele actor ligt op een kortste pad"
        )
    assert summary_payload(snapshot)["gatekeeper_sentence"].startswith("No actor")
