"""The coded segments page: filters, context, blind coding, paging, query counts."""

import pytest
from django.urls import reverse

from coding.models import Case
from tests.conftest import client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(project, members):
    case = Case.objects.create(
        project=project, label="R01", attributes={"niveau": "middenveld"}
    )
    document = make_document(project=project, case=case)
    parent = make_code(project=project, name="Instrumenten")
    code = make_code(project=project, name="Subsidies", parent=parent)
    start = document.text.index("subsidies")
    mine = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 9,
        memo="belangrijk",
    )
    theirs = make_coding(
        document=document,
        code=parent,
        coder=members["coder2"],
        start=start,
        end=start + 9,
    )
    return document, parent, code, mine, theirs


def test_segments_page_shows_context_and_respects_blind(project, members, data):
    document, parent, code, mine, theirs = data
    url = reverse("coding:segments", args=[project.pk])
    body = client_for(members["coder"]).get(url).content.decode()
    assert f'id="segment-{mine.pk}"' in body
    assert f'id="segment-{theirs.pk}"' not in body
    assert "<mark>subsidies</mark>" in body
    assert "De stad geeft " in body  # context before
    assert f"#pos-{mine.start}" in body
    supervisor = client_for(members["supervisor"]).get(url).content.decode()
    assert f'id="segment-{theirs.pk}"' in supervisor


def test_segments_filters(project, members, data):
    document, parent, code, mine, theirs = data
    url = reverse("coding:segments", args=[project.pk])
    client = client_for(members["supervisor"])
    assert len(client.get(url, {"codes": parent.pk}).context["page"]) == 2
    assert (
        len(client.get(url, {"codes": parent.pk, "subcodes": ["0"]}).context["page"])
        == 1
    )
    both = client.get(
        url, {"codes": f"{parent.pk},{code.pk}", "match": "all", "subcodes": "0"}
    )
    assert len(both.context["page"]) == 0  # different coders
    assert len(client.get(url, {"memo": "BELANGRIJK"}).context["page"]) == 1
    assert (
        len(client.get(url, {"attribute": ["niveau=middenveld"]}).context["page"]) == 2
    )
    assert len(client.get(url, {"attribute": ["niveau=politiek"]}).context["page"]) == 0
    assert len(client.get(url, {"attribute": [""], "coders": ""}).context["page"]) == 2
    bad = client.get(url, {"codes": "abc"})
    assert bad.status_code == 400
    assert "is not a number" in bad.content.decode()
    partial = client.get(url, {"text": "subsidies"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()


def test_segments_page_query_count_is_flat(
    project, members, data, django_assert_max_num_queries
):
    document, parent, code, mine, theirs = data
    for i in range(40):
        make_coding(
            document=document, code=code, coder=members["coder"], start=i, end=i + 5
        )
    client = client_for(members["supervisor"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("coding:segments", args=[project.pk]))
    assert response.context["page"].paginator.count == 42
