"""``access_*`` over every role: who may do what, and what a stranger learns."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from coding.access import Cap, access_coding, access_document, access_project
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

ALLOWED = {
    Cap.VIEW: {"owner", "supervisor", "coder", "viewer"},
    Cap.CODE: {"owner", "supervisor", "coder"},
    Cap.EDIT_CODEBOOK: {"owner", "supervisor"},
    Cap.MANAGE_DOCUMENTS: {"owner", "supervisor"},
    Cap.MANAGE_MEMBERS: {"owner"},
    Cap.SUPERVISE: {"owner", "supervisor"},
}


@pytest.mark.parametrize("need", list(Cap))
@pytest.mark.parametrize("role", ["owner", "supervisor", "coder", "viewer", "outsider"])
def test_access_project_per_role(project, members, role, need):
    user = members[role]
    if role == "outsider":
        with pytest.raises(Http404):
            access_project(user, project.pk, need=need)
    elif role in ALLOWED[need]:
        assert access_project(user, project.pk, need=need).project == project
    else:
        with pytest.raises(PermissionDenied):
            access_project(user, project.pk, need=need)


def test_document_of_another_project_is_not_found(project, members):
    other_document = make_document(project=make_document(project=project).project)
    from tests.factories import make_project

    foreign = make_document(project=make_project())
    with pytest.raises(Http404):
        access_document(members["owner"], project.pk, foreign.pk)
    assert (
        access_document(members["owner"], project.pk, other_document.pk)[1]
        == other_document
    )


@pytest.mark.parametrize(
    ("role", "blind", "sees", "may_change"),
    [
        ("owner", True, True, True),
        ("supervisor", True, True, True),
        ("coder", True, False, False),
        ("viewer", True, False, False),
        ("outsider", True, False, False),
        ("coder", False, True, False),
        ("viewer", False, True, False),
    ],
)
def test_someone_elses_coding(project, members, role, blind, sees, may_change):
    project.blind_coding = blind
    project.save()
    document = make_document(project=project)
    coding = make_coding(
        document=document, code=make_code(project=project), coder=members["coder2"]
    )
    user = members[role]
    if not sees:
        with pytest.raises(Http404):
            access_coding(user, coding.pk)
        return
    assert access_coding(user, coding.pk)[1] == coding
    if may_change:
        assert access_coding(user, coding.pk, need=Cap.CODE)[1] == coding
    else:
        with pytest.raises((PermissionDenied, Http404)):
            access_coding(user, coding.pk, need=Cap.CODE)
