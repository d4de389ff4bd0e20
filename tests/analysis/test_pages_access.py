"""Every analysis page and API endpoint per role, and the pages' query counts."""

import pytest
from django.urls import reverse

from tests.analysis.helpers import T1, api, code, url
from tests.conftest import client_for
from tests.factories import (
    make_case,
    make_code,
    make_document,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- pages and roles ------------------------------------------------------------------

PAGES = ["analysis_overview", "words", "mentions", "cooccurrence", "matrix", "autocode"]


@pytest.mark.parametrize("page", PAGES)
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
def test_every_page_per_role(project, data, page, role, status):
    response = client_for(data[role]).get(url(page, project))
    assert response.status_code == status


@pytest.mark.parametrize(
    "path", ["frequencies/words/", "mentions/", "cooccurrence/", "matrix/"]
)
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
def test_every_api_endpoint_per_role(project, data, path, role, status):
    response = api(data[role]).get(f"/api/v1/projects/{project.pk}/{path}")
    assert response.status_code == status


def test_the_nav_links_to_the_analysis_overview(project, data):
    body = client_for(data["coder"]).get(url("analysis_overview", project))
    html = body.content.decode()
    assert reverse("analysis:analysis_overview", args=[project.pk]) in html
    for name in ("words", "mentions", "cooccurrence", "matrix", "autocode"):
        assert reverse(f"analysis:{name}", args=[project.pk]) in html
    assert reverse("coding:analysis_codes", args=[project.pk]) in html


# --- query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("page", ["words", "mentions", "cooccurrence", "matrix"])
def test_pages_are_free_of_n_plus_one(
    project, data, actors, page, django_assert_max_num_queries
):
    """More documents, codes and codings do not add queries to a page."""
    client = client_for(data["supervisor"])
    client.get(url(page, project))
    with django_assert_max_num_queries(30) as small:
        client.get(url(page, project))
    baseline = len(small)
    for i in range(8):
        case = make_case(project=project, niveau=f"level {i}")
        document = make_document(project=project, text=T1, case=case)
        extra = make_code(project=project, name=f"Extra {i}")
        for quote in ("De stad", "subsidies", "AgII"):
            code(document, extra, data["coder"], quote)
            code(document, data["b"], make_user(), quote)
    client.get(url(page, project))  # recompute
    with django_assert_max_num_queries(baseline):
        client.get(url(page, project))
