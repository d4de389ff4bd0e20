"""Domain fields of codes (a domain is one agreement variable): API, codebook form, rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import (
    Code,
)
from coding.services.codebook import code_update
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_project,
)

pytestmark = pytest.mark.django_db

# --- the code API and the codebook ------------------------------------------------------


def test_code_api_accepts_and_returns_domain_fields(project, members):
    """is_domain, measurement_level (on a domain) and value (on its child) round-trip."""
    client = client_for(members["supervisor"])
    url = reverse("api-codes", args=[project.pk])
    response = client.post(
        url,
        {"name": "Mate", "is_domain": True, "measurement_level": "ordinal"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    domain = response.json()
    assert domain["is_domain"] is True
    assert domain["measurement_level"] == "ordinal"
    assert domain["value"] is None
    child = client.post(
        url,
        {"name": "Veel", "parent": domain["id"], "value": 2.5},
        content_type="application/json",
    ).json()
    assert child["value"] == 2.5
    assert child["is_domain"] is False
    detail = reverse("api-code", args=[project.pk, child["id"]])
    assert client.get(detail).json()["value"] == 2.5
    cleared = client.patch(detail, {"value": None}, content_type="application/json")
    assert cleared.status_code == 200
    assert cleared.json()["value"] is None


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "A", "measurement_level": "interval"}, "measurement_level", "domain"),
        ({"name": "A", "measurement_level": "metric"}, "measurement_level", "valid"),
        ({"name": "A", "value": 3}, "value", "sub-code of a domain"),
        ({"name": "A", "parent": "plain", "value": 3}, "value", "sub-code of a domain"),
    ],
)
def test_code_api_rejects_misplaced_domain_fields(
    project, members, payload, field, message
):
    """A level only on a domain, a value only on a domain's child: readable 400s."""
    client = client_for(members["supervisor"])
    plain = make_code(project=project, name="Plain")
    if payload.get("parent") == "plain":
        payload = {**payload, "parent": plain.pk}
    response = client.post(
        reverse("api-codes", args=[project.pk]),
        payload,
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert message in body["detail"]


def test_a_domain_with_valued_children_cannot_stop_being_one(project, members):
    domain = make_code(project=project, name="D", is_domain=True)
    make_code(project=project, name="Child", parent=domain, value=1.0)
    client = client_for(members["supervisor"])
    response = client.patch(
        reverse("api-code", args=[project.pk, domain.pk]),
        {"is_domain": False},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Child" in response.json()["detail"]
    assert Code.objects.get(pk=domain.pk).is_domain


def test_moving_a_valued_child_out_of_its_domain_is_refused(project):
    domain = make_code(project=project, name="D", is_domain=True)
    child = make_code(project=project, name="Child", parent=domain, value=1.0)
    with pytest.raises(Exception, match="clear the value"):
        code_update(code=child, parent=None)


def test_codebook_edit_form_saves_domain_fields(project, members):
    domain = make_code(project=project, name="Rol")
    client = client_for(members["supervisor"])
    url = reverse("coding:codebook_edit_code", args=[project.pk, domain.pk])
    page = client.get(url).content.decode()
    assert 'name="is_domain"' in page
    assert 'name="measurement_level"' in page
    response = client.post(
        url,
        {
            "name": "Rol",
            "color": "#aabbcc",
            "is_domain": "on",
            "measurement_level": "interval",
        },
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.is_domain
    assert domain.measurement_level == "interval"
    bad = client.post(
        url, {"name": "Rol", "color": "#aabbcc", "measurement_level": "ratio"}
    )
    assert bad.status_code == 400
    assert "mark the code as a domain first" in bad.content.decode()


def test_the_regie_codebook_marks_the_director_types_as_a_domain():
    project = make_project(codebook="regie")
    code = Code.objects.get(project=project, name="Regisseursrol (Pröpper)")
    assert code.is_domain
    assert code.measurement_level == "nominal"
    assert code.children.count() == 4
