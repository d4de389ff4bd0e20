"""End to end in Chromium: the demo network (Figuur 3) is drawn, a click on a tie shows
the quotes behind it, the SVG download is built; a relation is coded in the document."""

import pytest

from coding.demo.loader import DEMO_PASSWORD, demo_load
from coding.models import Document
from network.filters import NetworkFilters
from network.models import NetworkTie, Relation
from network.services import network_build, network_snapshot_get_or_create
from tests.browser.conftest import log_in
from tests.browser.test_workbench import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDGE_POINT_JS = """
([source, target, flow]) => {
  const cy = window.regieNetwork.cy;
  const edge = cy.edges().filter((e) => e.data('flow') === flow
    && e.source().data('name') === source && e.target().data('name') === target)[0];
  const point = edge.renderedMidpoint();
  const box = document.getElementById('network-graph').getBoundingClientRect();
  return {x: box.left + point.x, y: box.top + point.y};
}
"""


def click_tie(page, tie: list[str]) -> None:
    """Click the middle of a drawn tie. Cytoscape caches where its canvas is and
    updates that on scroll events, so a click right after scrolling may miss on a
    busy machine: one more try then."""
    for attempt in range(2):
        page.wait_for_timeout(300)
        point = page.evaluate(EDGE_POINT_JS, tie)
        page.mouse.click(point["x"], point["y"])
        try:
            page.wait_for_selector("#network-detail #tie-detail", timeout=5000)
            return
        except Exception:
            if attempt:
                raise


def test_click_a_tie_to_read_its_quotes(new_page):
    project = demo_load().project
    snapshot, _ = network_snapshot_get_or_create(
        project=project,
        scope="all",
        filters=NetworkFilters(flows=("knowledge", "material")),  # the page's default
    )
    network_build(snapshot_id=snapshot.pk)
    tie = NetworkTie.objects.get(
        snapshot=snapshot,
        source__name="Stad Mechelen",
        target__name="ROJM vzw",
        flow="material",
    )
    quotes = [
        r.coding.text for r in Relation.objects.filter(coding_id__in=tie.coding_ids)
    ]

    page = new_page()
    log_in(page, "supervisor", DEMO_PASSWORD)
    page.goto(f"/p/{project.pk}/network/")
    page.wait_for_selector("#network[data-ready]")
    assert "Stad Mechelen" in page.inner_text("#gatekeeper")
    assert page.evaluate("window.regieNetwork.cy.nodes().length") == 9
    page.locator("#network-graph").scroll_into_view_if_needed()
    click_tie(page, ["Stad Mechelen", "ROJM vzw", "material"])
    detail = page.inner_text("#network-detail")
    assert "Stad Mechelen → ROJM vzw" in detail
    for quote in quotes:
        assert quote[:60] in " ".join(detail.split()) or quote[:60] in detail

    # A node click shows its measures; the SVG is built from the drawing.
    page.click("#metrics button.actor-link >> text=Unia")
    page.wait_for_selector("#network-detail #actor-detail")
    assert "Betweenness" in page.inner_text("#network-detail")
    svg = page.evaluate("window.regieNetwork.toSvg()")
    assert svg.startswith("<svg")
    assert svg.count("<circle") == 9
    assert 'stroke-dasharray="8 5"' in svg  # occasional flows are dashed


def test_code_a_relation_in_the_document_page(new_page):
    project = demo_load().project
    document = Document.objects.get(project=project, title="Interview ROJM vzw")
    phrase = "ROJM vzw"
    assert phrase in document.text
    before = Relation.objects.filter(flow__project=project).count()

    page = new_page()
    log_in(page, "coder1", DEMO_PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    drag_select(page, phrase)
    page.wait_for_selector("#palette:not([hidden])")
    page.click("#palette-relation")
    page.wait_for_selector("#relation-form")
    page.select_option("#relation-flow", "knowledge")
    page.fill("#relation-source", "ROJM")  # an alias
    page.fill("#relation-target", "Unia")
    page.check("input[name=direction][value=mutual]")
    page.click("#relation-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('Relation coded')"
    )
    assert Relation.objects.filter(flow__project=project).count() == before + 1
    relation = Relation.objects.filter(flow__project=project).latest("coding_id")
    assert (relation.source_actor.name, relation.target_actor.name) == (
        "ROJM vzw",
        "Unia",
    )
    assert relation.mutual
    assert relation.flow.key == "knowledge"
    assert relation.coding.coder.username == "coder1"
    assert document.text[relation.coding.start : relation.coding.end] == phrase
    # Change it afterwards: the coding's card has "Edit relation".
    page.click(f"button.coding-link[data-id='{relation.coding_id}']")
    page.click(f"#coding-{relation.coding_id} button:has-text('Edit relation')")
    page.wait_for_selector("#relation-form")
    assert page.input_value("#relation-source") == "ROJM vzw"
    page.check("input[name=regularity][value=occasional]")
    page.click("#relation-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('Relation saved')"
    )
    relation.refresh_from_db()
    assert relation.occasional
    assert relation.mutual
