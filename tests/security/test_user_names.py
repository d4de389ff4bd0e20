"""A user name in a parameter never tells whether the server has such a user: a
name from another project gets the very answer a name nobody has gets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Role
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import make_document, make_membership, make_project, make_user

MESSAGE = "There is no user “{}” in this project."


@pytest.fixture
def stranger(db):
    """A user of another project on the same server."""
    user = make_user(username="stranger")
    make_membership(project=make_project(), user=user, role=Role.CODER)
    return user


def _api_error(response) -> str:
    assert response.status_code == 400, response.content
    return str(response.json())


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/{p}/segments/",
        "/api/v1/projects/{p}/export/segments.csv",
        "/api/v1/projects/{p}/frequencies/words/",
        "/api/v1/projects/{p}/matrix/",
    ],
)
def test_api_filters_answer_alike(project, members, stranger, path):
    api = api_client_for(members["supervisor"])
    url = path.format(p=project.pk)
    unknown = _api_error(api.get(url, {"coders": "nosuchuser"}))
    foreign = _api_error(api.get(url, {"coders": "stranger"}))
    assert MESSAGE.format("nosuchuser") in unknown
    assert MESSAGE.format("stranger") in foreign
    assert unknown.replace("nosuchuser", "X") == foreign.replace("stranger", "X")


def test_members_names_still_resolve(project, members):
    api = api_client_for(members["supervisor"])
    coder = members["coder"].username
    response = api.get(f"/api/v1/projects/{project.pk}/segments/", {"coders": coder})
    assert response.status_code == 200


def test_former_member_with_codings_resolves(project, members):
    from tests.factories import make_code, make_coding

    document = make_document(project=project)
    code = make_code(project=project)
    make_coding(document=document, code=code, coder=members["coder2"])
    project.memberships.filter(user=members["coder2"]).delete()
    api = api_client_for(members["supervisor"])
    response = api.get(
        f"/api/v1/projects/{project.pk}/segments/",
        {"coders": members["coder2"].username},
    )
    assert response.status_code == 200


def test_segments_page_answers_alike(project, members, stranger):
    client = client_for(members["supervisor"])
    url = reverse("coding:segments", args=[project.pk])
    unknown = client.get(url, {"coders": "nosuchuser"}, headers=HTMX)
    foreign = client.get(url, {"coders": "stranger"}, headers=HTMX)
    assert unknown.status_code == foreign.status_code
    assert MESSAGE.format("nosuchuser") in unknown.content.decode()
    assert MESSAGE.format("stranger") in foreign.content.decode()


def test_network_filter_answers_alike(project, members, stranger):
    api = api_client_for(members["supervisor"])
    url = f"/api/v1/projects/{project.pk}/network/"
    unknown = api.get(url, {"coders": "nosuchuser"})
    foreign = api.get(url, {"coders": "stranger"})
    assert unknown.status_code == foreign.status_code == 400
    assert MESSAGE.format("stranger") in str(foreign.json())


def test_assignments_answer_alike(project, members, stranger):
    url = f"/api/v1/projects/{project.pk}/assignments/"
    coder = api_client_for(members["coder"])
    unknown = _api_error(coder.get(url, {"coder": "nosuchuser"}))
    foreign = _api_error(coder.get(url, {"coder": "stranger"}))
    assert unknown.replace("nosuchuser", "X") == foreign.replace("stranger", "X")
    supervisor = api_client_for(members["supervisor"])
    document = make_document(project=project)
    for name in ("nosuchuser", "stranger", str(stranger.pk)):
        response = supervisor.post(
            url, {"document": document.pk, "coder": name}, format="json"
        )
        assert response.status_code == 400
        assert MESSAGE.format(name) in str(response.json())
