"""Team coding: assignments, the progress and my-work pages, navigation by role,
the assignments API, and two coders coding at once."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from coding.models import Assignment, AssignmentStatus, Coding
from coding.services.team import assignment_create
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- assignments


def test_first_coding_puts_assignment_in_progress_and_coder_marks_done(
    project, members
):
    document = make_document(project=project)
    assignment = assignment_create(
        document=document, coder=members["coder"], actor=members["supervisor"]
    )
    assert assignment.status == AssignmentStatus.NOT_STARTED
    make_coding(
        document=document, code=make_code(project=project), coder=members["coder"]
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS
    url = reverse("coding:my_work_set_status", args=[project.pk, assignment.pk])
    response = client_for(members["coder"]).post(url, {"status": "done"}, headers=HTMX)
    assert response.status_code == 200
    assert 'id="assignment-' in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    assert (
        client_for(members["coder2"]).post(url, {"status": "in_progress"}).status_code
        == 403
    )


def test_only_coders_can_be_assigned(project, members):
    document = make_document(project=project)
    with pytest.raises(Exception, match="not a coder"):
        assignment_create(document=document, coder=members["viewer"])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_progress_page_per_role(project, members, role, status):
    client = client_for(members[role])
    assert (
        client.get(reverse("coding:progress", args=[project.pk])).status_code == status
    )
    assert (
        client.get(
            reverse("coding:progress_table", args=[project.pk]), headers=HTMX
        ).status_code
        == status
    )


def test_progress_table_counts_and_polls(
    project, members, django_assert_max_num_queries
):
    documents = [make_document(project=project) for _ in range(4)]
    code = make_code(project=project)
    supervisor = client_for(members["supervisor"])
    response = supervisor.post(
        reverse("coding:progress_assign", args=[project.pk]),
        {
            "documents": [d.pk for d in documents],
            "coders": [members["coder"].pk, members["coder2"].pk],
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(project=project).count() == 8
    make_coding(
        document=documents[0], code=code, coder=members["coder"], start=0, end=4
    )
    make_coding(
        document=documents[0], code=code, coder=members["coder"], start=5, end=9
    )
    with django_assert_max_num_queries(8):
        table = supervisor.get(
            reverse("coding:progress_table", args=[project.pk]), headers=HTMX
        )
    body = table.content.decode()
    assert 'hx-trigger="every 5s"' in body
    assert "2 codings" in body
    assert "in progress" in body
    assert "<html" not in body  # just the partial


def test_my_work_lists_only_own_assignments(project, members):
    document = make_document(project=project, title="Interview schepen")
    other = make_document(project=project, title="Interview J@M")
    assignment_create(document=document, coder=members["coder"])
    assignment_create(document=other, coder=members["coder2"])
    body = (
        client_for(members["coder"])
        .get(reverse("coding:my_work", args=[project.pk]))
        .content.decode()
    )
    assert "Interview schepen" in body
    assert "Interview J@M" not in body
    assert (
        client_for(members["viewer"])
        .get(reverse("coding:my_work", args=[project.pk]))
        .status_code
        == 403
    )


# ------------------------------------------------------------------ API


def test_assignment_api(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/assignments/"
    created = api_client_for(members["supervisor"]).post(
        url,
        {"document": document.pk, "coder": members["coder"].username},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["status"] == "not_started"
    assert (
        api_client_for(members["coder"])
        .post(url, {"document": document.pk, "coder": "x"}, format="json")
        .status_code
        == 403
    )
    assert api_client_for(members["coder"]).get(url).json()["count"] == 1
    assert api_client_for(members["coder2"]).get(url).json()["count"] == 0
    detail = f"/api/v1/assignments/{created.json()['id']}/"
    assert (
        api_client_for(members["coder"])
        .patch(detail, {"status": "done"}, format="json")
        .json()["status"]
        == "done"
    )
    assert (
        api_client_for(members["coder"])
        .patch(detail, {"status": "klaar"}, format="json")
        .status_code
        == 400
    )
    assert api_client_for(members["coder2"]).get(detail).status_code == 404
    assert api_client_for(members["coder"]).delete(detail).status_code == 403
    assert api_client_for(members["supervisor"]).delete(detail).status_code == 204


def test_assigning_twice_answers_200(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/assignments/"
    payload = {"document": document.pk, "coder": members["coder"].username}
    assert (
        api_client_for(members["supervisor"])
        .post(url, payload, format="json")
        .status_code
        == 201
    )
    assert (
        api_client_for(members["supervisor"])
        .post(url, payload, format="json")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("owner", {"My work": True, "Progress": True, "Audit trail": True}),
        ("supervisor", {"My work": True, "Progress": True, "Audit trail": True}),
        ("coder", {"My work": True, "Progress": False, "Audit trail": False}),
        ("viewer", {"My work": False, "Progress": False, "Audit trail": False}),
    ],
)
def test_navigation_follows_the_role(project, members, role, links):
    body = (
        client_for(members[role])
        .get(reverse("coding:project_detail", args=[project.pk]))
        .content.decode()
    )
    for label, shown in links.items():
        assert (f">{label}</a>" in body) is shown, label


# ----------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_coders_coding_at_once_lose_nothing(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    errors = []

    def work(coder, offset):
        from django.db import connections

        try:
            for i in range(15):
                make_coding(
                    document=document,
                    code=code,
                    coder=coder,
                    start=offset + i,
                    end=offset + i + 3,
                )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(members[name], shift))
        for name, shift in (("coder", 0), ("coder2", 1))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Coding.objects.filter(coder=members["coder"]).count() == 15
    assert Coding.objects.filter(coder=members["coder2"]).count() == 15
