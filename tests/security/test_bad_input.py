"""Bad input answers a readable 4xx, never a 500 (issue 12, "500s on bad input")."""

from __future__ import annotations

import json

import pytest

from coding.demo.loader import demo_load
from tests.conftest import api_client_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    result = demo_load()
    supervisor = result.project.memberships.get(role="owner").user
    return result.project, supervisor


def test_cooccurrence_cell_without_column_is_400(demo):
    project, user = demo
    response = client_for(user).get(
        f"/p/{project.pk}/analysis/cooccurrence/cell/?row=4"
    )
    assert response.status_code == 400


def test_matrix_cell_with_non_numeric_column_is_400(demo):
    project, user = demo
    url = f"/p/{project.pk}/analysis/matrix/cell/?row=2&column=abc&columns=coder"
    response = client_for(user).get(url)
    assert response.status_code == 404  # no such cell (already so on main)


@pytest.mark.parametrize("route", ["codings", "assignments"])
def test_nul_in_coder_filter_is_400(demo, route):
    project, user = demo
    response = api_client_for(user).get(
        f"/api/v1/projects/{project.pk}/{route}/?coder=%00"
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_non_ascii_digit_coder_is_no_500(demo):
    project, user = demo
    url = f"/api/v1/projects/{project.pk}/codings/?coder=%C2%B2"  # "²".isdigit()
    response = api_client_for(user).get(url)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_consensus_with_relation_fields_and_no_code_is_400(demo):
    project, user = demo
    response = api_client_for(user).post(
        f"/api/v1/projects/{project.pk}/consensus/",
        {
            "document": project.documents.first().pk,
            "start": 0,
            "end": 5,
            "source": 1,
            "target": 2,
            "flow": "material",
        },
        format="json",
    )
    assert response.status_code == 400, response.content


def test_code_with_huge_sort_order_is_400(demo):
    project, user = demo
    response = api_client_for(user).post(
        f"/api/v1/projects/{project.pk}/codes/",
        {"name": "huge", "sort_order": 2**63},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "sort_order" in response.json()["errors"]


def test_deeply_nested_json_is_400(demo):
    project, user = demo
    body = "[" * 100_000 + "]" * 100_000
    response = api_client_for(user).generic(
        "POST",
        f"/api/v1/projects/{project.pk}/codes/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "JSON" in json.dumps(response.json())


@pytest.mark.parametrize(
    "params", ["?codes=%C2%B2", "?coders=%C2%B2", "?codes=4,%C2%B2"]
)
def test_superscript_digit_in_an_id_list_is_no_500(demo, params):
    """ "²".isdigit() is true but int("²") fails: ids are read with isdecimal()."""
    project, user = demo
    response = client_for(user).get(f"/p/{project.pk}/segments/{params}")
    assert response.status_code < 500
