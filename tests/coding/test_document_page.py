"""The document page's answers: who sees which layers, every answer in the status
line, the codings data the page paints from, readable colours, lean HTML."""

import re

import pytest
from django.urls import reverse

from bench.document_page import transcript
from coding.codebook_default import default_codebook_nodes
from coding.highlight import INK, contrast, highlight_for
from coding.services.codings import CodingSpec, codings_create_bulk
from tests.conftest import HTMX, client_for, page_coding_ids, page_codings
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

CODERS_DATA = re.compile(r'id="coders-data">(.*?)</script>')


def _page(user, project, document, query="", client=None):
    url = reverse("coding:workbench", args=[project.pk, document.pk]) + query
    return (client or client_for(user)).get(url).content.decode()


@pytest.fixture
def two_coders(project, members):
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    first = make_coding(
        document=document, code=code, coder=members["coder"], start=13, end=20
    )
    second = make_coding(
        document=document, code=code, coder=members["coder2"], start=0, end=11
    )
    return document, code, first, second


@pytest.mark.parametrize("role", ["owner", "supervisor"])
def test_supervisors_see_every_coders_layer_by_default(
    project, members, two_coders, role
):
    document, _code, first, second = two_coders
    body = _page(members[role], project, document)
    assert page_coding_ids(body) == {first.pk, second.pk}
    assert 'data-many-layers="1"' in body
    coders = CODERS_DATA.search(body).group(1)
    assert members["coder"].username in coders
    assert members["coder2"].username in coders
    assert body.count('class="layer-toggle"') == body.count(" checked>")  # all ticked
    assert "Codes in this document" in body


def test_blind_coder_sees_only_own_codings_and_names(project, members, two_coders):
    document, _code, first, _second = two_coders
    body = _page(members["coder"], project, document)
    assert page_coding_ids(body) == {first.pk}
    assert members["coder2"].username not in body
    assert 'data-many-layers="0"' in body
    # Asking for the other coder's layer changes nothing.
    asked = _page(
        members["coder"], project, document, f"?layers={members['coder2'].pk}"
    )
    assert page_coding_ids(asked) == {first.pk}


def test_page_statements_do_not_grow_with_codings(
    project, members, django_assert_max_num_queries
):
    document = make_document(project=project, text="Interviewer: ja.\n\n" * 400)
    codes = [make_code(project=project) for _ in range(5)]
    specs = [
        CodingSpec(document, codes[i % 5], i * 10, i * 10 + 15) for i in range(300)
    ]
    codings_create_bulk(specs=specs, coder=members["coder"])
    codings_create_bulk(specs=specs, coder=members["coder2"])
    for user in (members["coder"], members["owner"]):
        client = client_for(user)
        with django_assert_max_num_queries(12):
            body = _page(user, project, document, client=client)
        assert len(page_codings(body)) == (300 if user == members["coder"] else 600)


def test_html_is_lean(project, members):
    document = make_document(project=project, text=transcript(4_000))
    code = make_code(project=project)
    step = document.length // 150
    codings_create_bulk(
        specs=[CodingSpec(document, code, i * step, i * step + 90) for i in range(150)],
        coder=members["coder"],
    )
    response = client_for(members["coder"]).get(document.get_absolute_url())
    assert len(response.content) <= 2.5 * len(document.text.encode())


def test_refusals_reach_the_status_line_whatever_the_swap(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    client = client_for(members["coder"])
    apply_url = reverse("coding:workbench_apply_code", args=[project.pk, document.pk])
    data = {"code": code.pk, "start": 13, "end": 20}
    assert client.post(apply_url, data, headers=HTMX).status_code == 200
    again = client.post(apply_url, data, headers=HTMX)
    assert again.status_code == 400
    assert (again["HX-Retarget"], again["HX-Reswap"]) == ("#status", "innerHTML")
    assert "already coded this passage" in again.content.decode()
    assert 'class="status-error" role="alert"' in again.content.decode()
    undo_url = reverse("coding:workbench_undo", args=[project.pk, document.pk])
    assert client.post(undo_url, headers=HTMX).status_code == 200
    nothing = client.post(undo_url, headers=HTMX)
    assert nothing.status_code == 400
    assert nothing["HX-Reswap"] == "innerHTML"
    assert "Nothing to undo." in nothing.content.decode()


def test_memo_answers_update_the_list_and_the_status(project, members):
    document = make_document(project=project)
    coding = make_coding(document=document, coder=members["coder"], start=13, end=20)
    url = reverse(
        "coding:workbench_save_memo", args=[project.pk, document.pk, coding.pk]
    )
    client = client_for(members["coder"])
    saved = client.post(
        url, {"memo": "zie ook p. 3", "revision": coding.revision}, headers=HTMX
    ).content.decode()
    assert 'id="status"' in saved
    assert "Memo saved." in saved
    assert page_codings(saved)[0][5] == "zie ook p. 3"  # the list's ✎ comes from it
    stale = client.post(url, {"memo": "oud", "revision": coding.revision}, headers=HTMX)
    assert stale.status_code == 409
    body = stale.content.decode()
    assert 'id="status"' in body
    assert 'class="status-error"' in body


def test_highlight_colours_are_readable():
    colours = {node["color"] for node in _walk(default_codebook_nodes())}
    colours |= {"#fdf8da", "#ffffff", "#000000", "#ffff00"}
    for colour in colours:
        shade = highlight_for(colour)
        assert contrast(INK, shade.fill) >= 4.5, colour
        assert contrast(shade.fill, "#ffffff") >= 1.8, colour
        assert contrast(shade.line, "#ffffff") >= 4.5, colour


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.get("children", []))
