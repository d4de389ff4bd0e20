"""The REST API: routes, rules, readable errors, blind coding, offsets."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from coding.models import Code, Coding, Document, Membership, Role
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_token_auth_round_trip():
    make_user(username="onderzoeker", password="geheim-wachtwoord-1")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "onderzoeker", "password": "geheim-wachtwoord-1"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/projects/").status_code == 200
    bad = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "onderzoeker", "password": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["detail"]


def test_anonymous_is_refused_with_json():
    response = APIClient().get("/api/v1/projects/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_create_and_list_projects():
    user = make_user()
    response = api(user).post(
        "/api/v1/projects/", {"name": "Regie studie"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "owner"
    assert body["blind_coding"] is True
    assert Code.objects.filter(project_id=body["id"]).count() > 40  # regie codebook
    listed = api(user).get("/api/v1/projects/").json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    assert api(make_user()).get("/api/v1/projects/").json()["results"] == []


def test_empty_codebook_option_and_validation():
    user = make_user()
    response = api(user).post(
        "/api/v1/projects/", {"name": "Leeg", "codebook": "empty"}, format="json"
    )
    assert Code.objects.filter(project_id=response.json()["id"]).count() == 0
    bad = api(user).post("/api/v1/projects/", {"name": ""}, format="json")
    assert bad.status_code == 400
    assert "name" in bad.json()["errors"]


def test_documents_json_and_file(project, members):
    owner = api(members["owner"])
    url = f"/api/v1/projects/{project.pk}/documents/"
    response = owner.post(
        url,
        {
            "title": "Interview 1",
            "text": "I: Vraag?\r\nR: Antwoord 👍.\r\n",
            "case": "R01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "I: Vraag?\nR: Antwoord 👍."
    assert body["case_label"] == "R01"
    assert [t["speaker"] for t in body["turns"]] == ["I", "R"]
    upload = SimpleUploadedFile(
        "gesprek.txt", "Interviewer: Dag\n\nSchepen: Goeiedag\n".encode("cp1252")
    )
    response = owner.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "gesprek"
    listed = owner.get(url).json()["results"]
    assert len(listed) == 2
    assert "text" not in listed[0]


def test_document_errors_are_readable(project, members):
    owner = api(members["owner"])
    url = f"/api/v1/projects/{project.pk}/documents/"
    assert owner.post(url, {"title": "x"}, format="json").status_code == 400
    upload = SimpleUploadedFile("scan.exe", b"MZ\x00\x00binary")
    response = owner.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "scan.exe" in response.json()["detail"]
    assert Document.objects.count() == 0
    response = owner.post(url, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_document_detail_patch_delete(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/documents/{document.pk}/"
    owner = api(members["owner"])
    assert owner.get(url).json()["text"] == document.text
    assert (
        owner.patch(url, {"title": "Nieuw"}, format="json").json()["title"] == "Nieuw"
    )
    make_coding(
        document=document, code=make_code(project=project), coder=members["coder"]
    )
    response = owner.patch(url, {"text": "iets anders"}, format="json")
    assert response.status_code == 400
    assert "positions" in response.json()["detail"]
    assert api(members["coder"]).delete(url).status_code == 403
    assert owner.delete(url).status_code == 204
    assert owner.get(url).status_code == 404


def test_codes_crud_and_rules(project, members):
    url = f"/api/v1/projects/{project.pk}/codes/"
    supervisor = api(members["supervisor"])
    parent = supervisor.post(
        url, {"name": "Instrumenten", "color": "#AABBCC"}, format="json"
    ).json()
    child = supervisor.post(
        url,
        {"name": "Subsidies", "parent": parent["id"], "description": "Geld"},
        format="json",
    )
    assert child.status_code == 201
    assert child.json()["color"] == "#aabbcc"  # inherits the parent's colour
    assert (
        supervisor.post(
            url, {"name": "Subsidies", "parent": parent["id"]}, format="json"
        ).status_code
        == 400
    )
    assert (
        supervisor.post(url, {"name": "X", "color": "blauw"}, format="json").status_code
        == 400
    )
    assert (
        supervisor.post(url, {"name": "X", "parent": 999999}, format="json").status_code
        == 400
    )
    assert (
        api(members["coder"])
        .post(url, {"name": "Eigen code"}, format="json")
        .status_code
        == 403
    )
    detail = f"{url}{child.json()['id']}/"
    assert (
        supervisor.patch(detail, {"name": "Subsidiëring"}, format="json").json()["name"]
        == "Subsidiëring"
    )
    assert (
        supervisor.patch(
            f"{url}{parent['id']}/", {"parent": child.json()["id"]}, format="json"
        ).status_code
        == 400
    )
    assert supervisor.delete(detail).status_code == 204
    other = make_project()
    foreign = make_code(project=other)
    assert supervisor.get(f"{url}{foreign.pk}/").status_code == 404


def test_codings_create_list_filter_and_text(project, members):
    text = "Een 👍 en 𝔘: subsidies voor J@M vzw"
    document = make_document(project=project, text=text)
    code = make_code(project=project, name="Subsidies")
    url = f"/api/v1/projects/{project.pk}/codings/"
    coder = api(members["coder"])
    start = text.index("subsidies")
    response = coder.post(
        url,
        {"document": document.pk, "code": code.pk, "start": start, "end": start + 9},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "subsidies"
    assert body["coder"] == members["coder"].username
    items = [
        {"document": document.pk, "code": code.pk, "start": 0, "end": 3},
        {
            "document": document.pk,
            "code": code.pk,
            "start": 4,
            "end": 5,
            "memo": "duim",
        },
    ]
    bulk = coder.post(url, items, format="json")
    assert bulk.status_code == 201
    assert [c["text"] for c in bulk.json()] == ["Een", "👍"]
    assert coder.get(url, {"document": document.pk}).json()["count"] == 3
    assert coder.get(url, {"coder": members["coder"].username}).json()["count"] == 3
    assert coder.get(url, {"code": 12345}).json()["count"] == 0
    assert coder.get(url, {"document": "abc"}).status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start": -1, "end": 3}, "start"),
        ({"start": 4, "end": 4}, "end"),
        ({"start": 0, "end": 10_000}, "end"),
        ({"start": "x", "end": 3}, "start"),
        ({"start": 0}, "end"),
    ],
)
def test_bad_offsets_get_400_with_message(project, members, payload, field):
    document = make_document(project=project, text="kort stukje tekst")
    code = make_code(project=project)
    response = api(members["coder"]).post(
        f"/api/v1/projects/{project.pk}/codings/",
        {"document": document.pk, "code": code.pk, **payload},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["detail"]
    assert Coding.objects.count() == 0


def test_bulk_failure_writes_nothing_and_names_the_item(project, members):
    document = make_document(project=project, text="kort")
    code = make_code(project=project)
    items = [
        {"document": document.pk, "code": code.pk, "start": 0, "end": 2},
        {"document": document.pk, "code": code.pk, "start": 0, "end": 99},
    ]
    response = api(members["coder"]).post(
        f"/api/v1/projects/{project.pk}/codings/", items, format="json"
    )
    assert response.status_code == 400
    assert "Item 1" in response.json()["detail"]
    assert Coding.objects.count() == 0


def test_coding_in_foreign_project_is_refused(project, members):
    foreign_document = make_document(project=make_project())
    code = make_code(project=project)
    response = api(members["coder"]).post(
        f"/api/v1/projects/{project.pk}/codings/",
        {"document": foreign_document.pk, "code": code.pk, "start": 0, "end": 3},
        format="json",
    )
    assert response.status_code == 400


def test_blind_coding_in_api(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    theirs = make_coding(
        document=document, code=code, coder=members["coder2"], start=0, end=5
    )
    mine = make_coding(
        document=document, code=code, coder=members["coder"], start=6, end=9
    )
    url = f"/api/v1/projects/{project.pk}/codings/"
    ids = lambda user: [c["id"] for c in api(user).get(url).json()["results"]]  # noqa: E731
    assert ids(members["coder"]) == [mine.pk]
    assert ids(members["viewer"]) == []
    assert sorted(ids(members["supervisor"])) == sorted([theirs.pk, mine.pk])
    assert api(members["coder"]).get(f"/api/v1/codings/{theirs.pk}/").status_code == 404
    assert (
        api(members["coder"])
        .patch(f"/api/v1/codings/{theirs.pk}/", {"memo": "x"}, format="json")
        .status_code
        == 404
    )
    project.blind_coding = False
    project.save()
    assert sorted(ids(members["coder"])) == sorted([theirs.pk, mine.pk])
    assert (
        api(members["coder"])
        .patch(f"/api/v1/codings/{theirs.pk}/", {"memo": "x"}, format="json")
        .status_code
        == 403
    )


def test_coding_detail_patch_conflict_delete(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    coding = make_coding(
        document=document, code=code, coder=members["coder"], start=0, end=5
    )
    url = f"/api/v1/codings/{coding.pk}/"
    coder = api(members["coder"])
    first = coder.patch(url, {"memo": "eerste", "revision": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["revision"] == 2
    conflict = coder.patch(url, {"memo": "tweede", "revision": 1}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["current"]["memo"] == "eerste"
    assert coder.patch(url, {"end": 9999}, format="json").status_code == 400
    assert api(members["viewer"]).delete(url).status_code == 404  # blind: not even seen
    assert (
        api(members["supervisor"]).get(url).json()["coder"] == members["coder"].username
    )
    assert coder.delete(url).status_code == 204
    assert not Coding.objects.filter(pk=coding.pk).exists()


def test_members_owner_only(project, members):
    url = f"/api/v1/projects/{project.pk}/members/"
    new = make_user(username="nieuwe-codeur")
    assert (
        api(members["supervisor"])
        .post(url, {"username": "nieuwe-codeur", "role": "coder"}, format="json")
        .status_code
        == 403
    )
    response = api(members["owner"]).post(
        url, {"username": "nieuwe-codeur", "role": "coder"}, format="json"
    )
    assert response.status_code == 201
    assert Membership.objects.get(project=project, user=new).role == Role.CODER
    missing = api(members["owner"]).post(
        url, {"username": "bestaat-niet", "role": "coder"}, format="json"
    )
    assert missing.status_code == 400
    assert "bestaat-niet" in missing.json()["detail"]
    assert len(api(members["viewer"]).get(url).json()) == 6


def test_non_member_gets_404_everywhere(project, members):
    document = make_document(project=project)
    outsider = api(members["outsider"])
    for url in [
        f"/api/v1/projects/{project.pk}/documents/",
        f"/api/v1/projects/{project.pk}/documents/{document.pk}/",
        f"/api/v1/projects/{project.pk}/codes/",
        f"/api/v1/projects/{project.pk}/codings/",
        f"/api/v1/projects/{project.pk}/members/",
    ]:
        assert outsider.get(url).status_code == 404, url


def test_list_query_counts_do_not_grow_with_rows(
    project, members, django_assert_max_num_queries
):
    document = make_document(project=project)
    code = make_code(project=project)
    for start in range(0, 40, 2):
        make_coding(
            document=document,
            code=code,
            coder=members["coder"],
            start=start,
            end=start + 1,
        )
    with django_assert_max_num_queries(6):
        response = api(members["coder"]).get(f"/api/v1/projects/{project.pk}/codings/")
    assert response.json()["count"] == 20
    make_document(project=project)
    with django_assert_max_num_queries(5):
        api(members["owner"]).get(f"/api/v1/projects/{project.pk}/documents/")


def test_openapi_schema_documents_the_contract(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/auth/token/": {"post"},
        "/api/v1/projects/": {"get", "post"},
        "/api/v1/projects/{project_id}/documents/": {"get", "post"},
        "/api/v1/projects/{project_id}/documents/{document_id}/": {
            "get",
            "patch",
            "delete",
        },
        "/api/v1/projects/{project_id}/codes/": {"get", "post"},
        "/api/v1/projects/{project_id}/codes/{code_id}/": {"get", "patch", "delete"},
        "/api/v1/projects/{project_id}/codings/": {"get", "post"},
        "/api/v1/codings/{coding_id}/": {"get", "patch", "delete"},
        "/api/v1/projects/{project_id}/members/": {"get", "post"},
    }.items():
        assert methods <= set(paths[path]), path
    params = {
        p["name"]
        for p in paths["/api/v1/projects/{project_id}/codings/"]["get"]["parameters"]
    }
    assert {"document", "code", "coder"} <= params
    assert client.get("/api/docs/").status_code == 200


def test_openapi_schema_is_valid_without_warnings(capsys):
    """Every route's request and response shapes are documented, none guessed."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_missing_trailing_slash_is_accepted_for_api_posts():
    make_user(username="script", password="geheim-wachtwoord-2")
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": "script", "password": "geheim-wachtwoord-2"},
        format="json",
    )
    assert response.status_code == 200


def test_shortening_a_document_without_codings(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/documents/{document.pk}/"
    response = api(members["owner"]).patch(url, {"text": "I: Kort."}, format="json")
    assert response.status_code == 200
    assert response.json()["turns"] == [
        {
            "number": 1,
            "speaker": "I",
            "start": 0,
            "end": 8,
            "started_at_ms": None,
            "ended_at_ms": None,
        }
    ]


def test_bulk_unknown_ids_name_the_item_and_empty_list_is_refused(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    url = f"/api/v1/projects/{project.pk}/codings/"
    items = [
        {"document": document.pk, "code": code.pk, "start": 0, "end": 3},
        {"document": document.pk, "code": 99999, "start": 0, "end": 3},
    ]
    response = api(members["coder"]).post(url, items, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["items"] == [
        "Item 1: No code 99999 in this project."
    ]
    assert api(members["coder"]).post(url, [], format="json").status_code == 400


def test_member_role_change_answers_200(project, members):
    url = f"/api/v1/projects/{project.pk}/members/"
    response = api(members["owner"]).post(
        url,
        {"username": members["coder"].username, "role": "supervisor"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["role"] == "supervisor"
