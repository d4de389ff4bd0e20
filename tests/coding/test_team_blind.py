"""Blind coding, table-driven over every surface: who sees another coder's codings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import HTMX, api_client_for, client_for, page_coding_ids
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


# ------------------------------------------------------- blind coding, table-driven

SURFACES = [
    "workbench",
    "panel",
    "api_list",
    "api_detail",
    "project_counts",
    "codebook_counts",
]


def _sees_other(surface, client, apiclient, project, document, theirs):
    if surface == "workbench":
        body = client.get(
            reverse("coding:workbench", args=[project.pk, document.pk])
            + f"?layers={theirs.coder_id}"
        ).content.decode()
        return theirs.pk in page_coding_ids(body)
    if surface == "panel":
        url = reverse("coding:workbench_panel", args=[project.pk, document.pk])
        body = client.get(
            url, {"ids": theirs.pk, "layers": theirs.coder_id}, headers=HTMX
        ).content.decode()
        return f'id="coding-{theirs.pk}"' in body
    if surface == "api_list":
        rows = apiclient.get(f"/api/v1/projects/{project.pk}/codings/").json()[
            "results"
        ]
        return theirs.pk in {r["id"] for r in rows}
    if surface == "api_detail":
        return apiclient.get(f"/api/v1/codings/{theirs.pk}/").status_code == 200
    if surface == "project_counts":
        response = client.get(reverse("coding:project_detail", args=[project.pk]))
        return [d.visible_codings for d in response.context["documents"]] == [2]
    if surface == "codebook_counts":
        response = client.get(reverse("coding:codebook", args=[project.pk]))
        return response.context["tree"][0].coding_count == 2
    raise AssertionError(surface)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(
    ("role", "blind", "expected"),
    [
        ("owner", True, True),
        ("supervisor", True, True),
        ("coder", True, False),
        ("viewer", True, False),
        ("owner", False, True),
        ("supervisor", False, True),
        ("coder", False, True),
        ("viewer", False, True),
    ],
)
def test_who_sees_another_coders_coding(
    project, members, surface, role, blind, expected
):
    project.blind_coding = blind
    project.save()
    document = make_document(project=project)
    code = make_code(project=project)
    theirs = make_coding(
        document=document, code=code, coder=members["coder2"], start=0, end=11
    )
    make_coding(document=document, code=code, coder=members["coder"], start=13, end=20)
    user = members[role]
    assert (
        _sees_other(
            surface, client_for(user), api_client_for(user), project, document, theirs
        )
        is expected
    )


@pytest.mark.parametrize("surface", ["workbench", "api_list", "api_detail"])
def test_non_member_sees_nothing(project, members, surface):
    document = make_document(project=project)
    theirs = make_coding(
        document=document, code=make_code(project=project), coder=members["coder2"]
    )
    outsider = members["outsider"]
    if surface == "workbench":
        assert (
            client_for(outsider)
            .get(reverse("coding:workbench", args=[project.pk, document.pk]))
            .status_code
            == 404
        )
    elif surface == "api_list":
        assert (
            api_client_for(outsider)
            .get(f"/api/v1/projects/{project.pk}/codings/")
            .status_code
            == 404
        )
    else:
        assert (
            api_client_for(outsider).get(f"/api/v1/codings/{theirs.pk}/").status_code
            == 404
        )


def test_blind_error_messages_do_not_leak(project, members):
    document = make_document(project=project)
    theirs = make_coding(
        document=document,
        code=make_code(project=project),
        coder=members["coder2"],
        memo="geheim",
    )
    response = api_client_for(members["coder"]).patch(
        f"/api/v1/codings/{theirs.pk}/", {"memo": "x"}, format="json"
    )
    assert response.status_code == 404
    assert "geheim" not in response.content.decode()
    assert members["coder2"].username not in response.content.decode()


def test_supervisor_lifts_blind_mode(project, members):
    url = reverse("coding:project_settings", args=[project.pk])
    response = client_for(members["supervisor"]).post(
        url, {"name": project.name, "description": ""}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.blind_coding is False
