"""Codebook versions: freezing, the pure diff, the pages and the API."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from coding.codebook_diff import CodeChange, diff_codebooks
from coding.models import CodebookVersion
from coding.services.codebook import code_delete, code_update
from coding.services.codings import coding_create
from coding.services.versions import codebook_freeze
from tests.conftest import client_for
from tests.factories import make_code, make_coding, make_document, make_project

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def entry(code_id, name, *, parent_id=None, path=None, description="", color="#ffd966"):
    return {
        "id": code_id,
        "parent_id": parent_id,
        "name": name,
        "path": path or name,
        "description": description,
        "color": color,
        "shortcut": "",
    }


# --- service -------------------------------------------------------------------


def test_freeze_numbers_versions_and_snapshots_the_tree(project, members):
    root = make_code(
        project=project,
        name="Samenwerking",
        description="Hoe partners samenwerken.",
        color="#AABBCC",
        shortcut="s",
    )
    child = make_code(project=project, name="Subsidie", parent=root)
    other = make_code(project=project, name="Beleid")

    first = codebook_freeze(
        project=project, name="  Ronde   1 ", actor=members["owner"]
    )
    code_update(code=child, description="Geld van de stad.")
    second = codebook_freeze(
        project=project, name="Ronde 2", actor=members["supervisor"]
    )

    assert (first.number, second.number) == (1, 2)
    assert first.name == "Ronde 1"
    assert first.frozen_by == members["owner"]
    assert first.codes == [
        {
            "id": root.pk,
            "parent_id": None,
            "name": "Samenwerking",
            "path": "Samenwerking",
            "description": "Hoe partners samenwerken.",
            "color": "#aabbcc",
            "shortcut": "s",
        },
        {
            "id": child.pk,
            "parent_id": root.pk,
            "name": "Subsidie",
            "path": "Samenwerking > Subsidie",
            "description": "",
            "color": "#aabbcc",
            "shortcut": "",
        },
        {
            "id": other.pk,
            "parent_id": None,
            "name": "Beleid",
            "path": "Beleid",
            "description": "",
            "color": "#ffd966",
            "shortcut": "",
        },
    ]
    first.refresh_from_db()
    assert first.codes[1]["description"] == ""
    assert second.codes[1]["description"] == "Geld van de stad."


def test_numbers_are_per_project(project, members):
    make_code(project=project)
    other = make_project()
    make_code(project=other)
    codebook_freeze(project=project, name="A", actor=members["owner"])
    codebook_freeze(project=project, name="B", actor=members["owner"])
    assert codebook_freeze(project=other, name="C", actor=None).number == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_freeze_needs_a_name(project, members, name):
    make_code(project=project)
    with pytest.raises(ValidationError) as error:
        codebook_freeze(project=project, name=name, actor=members["owner"])
    assert "name" in error.value.message_dict
    assert not CodebookVersion.objects.filter(project=project).exists()


def test_an_empty_codebook_cannot_be_frozen(project, members):
    with pytest.raises(ValidationError, match="empty"):
        codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])


def test_a_new_coding_carries_the_latest_version(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    before = coding_create(
        document=document, code=code, coder=members["coder"], start=0, end=5
    )
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    latest = codebook_freeze(project=project, name="Ronde 2", actor=members["owner"])
    after = coding_create(
        document=document, code=code, coder=members["coder"], start=6, end=9
    )
    assert before.codebook_version is None
    assert after.codebook_version == latest


# --- pure diff -------------------------------------------------------------------


def test_diff_finds_each_kind_of_change():
    old = [
        entry(1, "Beleid", description="Regels."),
        entry(2, "Subsidie", parent_id=1, path="Beleid > Subsidie"),
        entry(3, "Oud"),
        entry(4, "Kleur", color="#000000"),
        entry(5, "Overleg", description="Vergaderen."),
        entry(7, "Netwerk"),
    ]
    new = [
        # 1: renamed and redefined at once
        entry(1, "Beleidskader", description="Regels en plannen."),
        # 2: only its parent's name changed: not moved
        entry(2, "Subsidie", parent_id=1, path="Beleidskader > Subsidie"),
        entry(4, "Kleur", color="#FF0000"),
        # 5: moved under 7
        entry(7, "Netwerk"),
        entry(
            5,
            "Overleg",
            parent_id=7,
            path="Netwerk > Overleg",
            description="Vergaderen.",
        ),
        entry(6, "Nieuw"),
    ]
    diff = diff_codebooks(old, new)

    assert [c["id"] for c in diff.added] == [6]
    assert [c["id"] for c in diff.removed] == [3]
    assert diff.renamed == [
        CodeChange(
            id=1,
            name="Beleidskader",
            path="Beleidskader",
            old="Beleid",
            new="Beleidskader",
        )
    ]
    assert diff.redefined == [
        CodeChange(
            id=1,
            name="Beleidskader",
            path="Beleidskader",
            old="Regels.",
            new="Regels en plannen.",
        )
    ]
    assert [(c.id, c.old, c.new) for c in diff.recoloured] == [
        (4, "#000000", "#FF0000")
    ]
    assert [(c.id, c.old, c.new) for c in diff.moved] == [
        (5, "Overleg", "Netwerk > Overleg")
    ]
    assert diff.counts == {
        "added": 1,
        "removed": 1,
        "renamed": 1,
        "redefined": 1,
        "recoloured": 1,
        "moved": 1,
    }
    assert not diff.is_empty


def test_diff_of_equal_codebooks_is_empty_and_colour_case_does_not_count():
    codes = [entry(1, "A"), entry(2, "B", parent_id=1, path="A > B")]
    same = [dict(codes[0], color="#FFD966"), codes[1]]
    assert diff_codebooks(codes, same).is_empty
    assert diff_codebooks([], []).is_empty


def test_a_code_made_again_under_the_same_name_is_removed_and_added():
    diff = diff_codebooks([entry(1, "Overleg")], [entry(9, "Overleg")])
    assert [c["id"] for c in diff.removed] == [1]
    assert [c["id"] for c in diff.added] == [9]
    assert not diff.renamed


# --- pages -----------------------------------------------------------------------


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
def test_pages_per_role(project, members, role, status):
    make_code(project=project)
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    client = client_for(members[role])
    for name in ("coding:codebook_versions", "coding:codebook_versions_diff"):
        response = client.get(reverse(name, args=[project.pk]))
        assert response.status_code == status, name


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 302),
        ("supervisor", 302),
        ("coder", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_freeze_from_the_page_per_role(project, members, role, status):
    make_code(project=project)
    url = reverse("coding:codebook_versions", args=[project.pk])
    client = client_for(members[role])
    response = client.post(url, {"name": "Ronde 1"})
    assert response.status_code == status
    versions = CodebookVersion.objects.filter(project=project)
    if status == 302:
        assert response["Location"] == url
        assert versions.get().name == "Ronde 1"
        page = client.get(url)
        assert "frozen as version 1, “Ronde 1”" in page.content.decode()
    else:
        assert not versions.exists()


def test_freeze_without_a_name_says_why(project, members):
    make_code(project=project)
    response = client_for(members["supervisor"]).post(
        reverse("coding:codebook_versions", args=[project.pk]), {"name": " "}
    )
    assert response.status_code == 400
    assert "A version needs a name" in response.content.decode()
    assert not CodebookVersion.objects.filter(project=project).exists()


def test_versions_page_lists_counts_in_flat_queries(
    project, members, django_assert_max_num_queries
):
    document = make_document(project=project)
    code = make_code(project=project)
    make_code(project=project)
    for round_number in range(1, 6):
        codebook_freeze(
            project=project, name=f"Ronde {round_number}", actor=members["owner"]
        )
        for coder in ("coder", "coder2"):
            make_coding(
                document=document,
                code=code,
                coder=members[coder],
                start=round_number,
                end=round_number + 3,
            )
    url = reverse("coding:codebook_versions", args=[project.pk])
    supervisor = client_for(members["supervisor"])
    with django_assert_max_num_queries(5):
        response = supervisor.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert all(f'id="version-{n}"' in html for n in range(1, 6))
    versions = {v.number: v for v in response.context["versions"]}
    assert versions[3].code_count == 2
    assert versions[3].coding_count == 2
    # Under blind coding a coder counts only their own codings.
    coder_page = client_for(members["coder"]).get(url)
    assert {v.number: v.coding_count for v in coder_page.context["versions"]}[3] == 1


def test_diff_page_shows_each_section_escaped(project, members):
    renamed = make_code(project=project, name="Beleid", description="Regels.")
    recoloured = make_code(project=project, name="Kleur", color="#000000")
    gone = make_code(project=project, name="Weg")
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    code_update(
        code=renamed, name="<b>Beleidskader</b>", description="Regels en plannen."
    )
    code_update(code=recoloured, color="#ff0000")
    code_delete(code=gone)
    make_code(project=project, name="Nieuw")
    codebook_freeze(project=project, name="Ronde 2", actor=members["owner"])

    response = client_for(members["viewer"]).get(
        reverse("coding:codebook_versions_diff", args=[project.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Added", "Removed", "Renamed", "Redefined", "Recoloured", "Moved"):
        assert f"<h2>{heading} " in html
    assert "&lt;b&gt;Beleidskader&lt;/b&gt;" in html
    assert "<b>Beleidskader</b>" not in html
    assert "Regels." in html
    assert "Regels en plannen." in html
    assert "#ff0000" in html
    assert "Weg" in html
    assert "Nieuw" in html
    diff = response.context["diff"]
    assert (diff.counts["added"], diff.counts["removed"]) == (1, 1)
    assert response.context["comparison"].old.number == 1
    assert response.context["comparison"].new.number == 2


def test_diff_page_defaults_to_the_current_codebook_after_one_version(project, members):
    code = make_code(project=project, name="Beleid")
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    code_update(code=code, name="Beleidskader")
    response = client_for(members["coder"]).get(
        reverse("coding:codebook_versions_diff", args=[project.pk])
    )
    assert response.status_code == 200
    assert response.context["comparison"].new is None
    assert [c.new for c in response.context["diff"].renamed] == ["Beleidskader"]


def test_diff_page_without_versions_says_so(project, members):
    response = client_for(members["coder"]).get(
        reverse("coding:codebook_versions_diff", args=[project.pk])
    )
    assert response.status_code == 200
    assert "No version has been frozen yet" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=abc", "is not a version"),
        ("from=-1", "is not a version"),
        ("from=99", "There is no version 99"),
        ("from=99999999999999999999999", "There is no version"),
        ("from=1&to=later", "or “current”"),
        ("to=1", "Version 1 is the first"),
    ],
)
def test_diff_page_bad_parameters_get_400_with_a_message(
    project, members, query, message
):
    make_code(project=project)
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    url = reverse("coding:codebook_versions_diff", args=[project.pk])
    response = client_for(members["viewer"]).get(f"{url}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


# --- API -------------------------------------------------------------------------


def test_api_list_create_and_roles(project, members):
    make_code(project=project, name="Beleid")
    url = f"/api/v1/projects/{project.pk}/codebook/versions/"
    created = api(members["supervisor"]).post(url, {"name": "Ronde 1"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["number"] == 1
    assert body["frozen_by"] == members["supervisor"].username
    assert [c["path"] for c in body["codes"]] == ["Beleid"]

    assert api(members["coder"]).post(url, {"name": "X"}).status_code == 403
    assert api(members["viewer"]).post(url, {"name": "X"}).status_code == 403
    assert api(members["outsider"]).post(url, {"name": "X"}).status_code == 404
    assert api(members["outsider"]).get(url).status_code == 404
    empty = api(members["owner"]).post(url, {"name": ""}, format="json")
    assert empty.status_code == 400
    assert empty.json()["detail"]

    listed = api(members["viewer"]).get(url)
    assert listed.status_code == 200
    assert [(v["number"], v["name"], v["code_count"]) for v in listed.json()] == [
        (1, "Ronde 1", 1)
    ]


def test_api_diff_and_bad_from(project, members):
    code = make_code(project=project, name="Beleid", description="Regels.")
    codebook_freeze(project=project, name="Ronde 1", actor=members["owner"])
    code_update(code=code, name="Beleidskader", description="Regels en plannen.")
    url = f"/api/v1/projects/{project.pk}/codebook/versions/diff/"
    client = api(members["coder"])

    response = client.get(url, {"from": 1, "to": "current"})
    assert response.status_code == 200
    body = response.json()
    assert body["from_version"] == {"number": 1, "name": "Ronde 1"}
    assert body["to_version"]["number"] is None
    assert body["counts"]["renamed"] == body["counts"]["redefined"] == 1
    assert body["renamed"][0]["old"] == "Beleid"
    assert body["redefined"][0]["new"] == "Regels en plannen."
    assert body["added"] == body["removed"] == []

    bad = client.get(url, {"from": "abc"})
    assert bad.status_code == 400
    assert "is not a version" in bad.json()["detail"]
    assert "from" in bad.json()["errors"]
    missing = client.get(url, {"from": 7})
    assert missing.status_code == 400
    assert "There is no version 7" in missing.json()["detail"]
    assert api(members["outsider"]).get(url).status_code == 404


def test_openapi_schema_documents_the_version_routes(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    versions = paths["/api/v1/projects/{project_id}/codebook/versions/"]
    assert {"get", "post"} <= set(versions)
    diff = paths["/api/v1/projects/{project_id}/codebook/versions/diff/"]
    assert {p["name"] for p in diff["get"]["parameters"]} >= {"from", "to"}
