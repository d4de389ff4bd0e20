"""Team coding: assignments, blind coding everywhere, comparison, adjudication."""

import threading

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from coding.models import Adjudication, Assignment, AssignmentStatus, AuditEvent, Coding
from coding.services.team import adjudicate, assignment_create, consensus_user_for
from tests.conftest import client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


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
        return f'data-c="{theirs.pk}"' in body
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
        _sees_other(surface, client_for(user), api(user), project, document, theirs)
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
            api(outsider).get(f"/api/v1/projects/{project.pk}/codings/").status_code
            == 404
        )
    else:
        assert api(outsider).get(f"/api/v1/codings/{theirs.pk}/").status_code == 404


def test_blind_error_messages_do_not_leak(project, members):
    document = make_document(project=project)
    theirs = make_coding(
        document=document,
        code=make_code(project=project),
        coder=members["coder2"],
        memo="geheim",
    )
    response = api(members["coder"]).patch(
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


# --------------------------------------------------------- consensus layer


def _two_coders(project, members):
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    a = [
        make_coding(
            document=document, code=code, coder=members["coder"], start=0, end=11
        )
    ]
    a.append(
        make_coding(
            document=document, code=code, coder=members["coder"], start=60, end=80
        )
    )
    b = [
        make_coding(
            document=document, code=code, coder=members["coder2"], start=0, end=11
        )
    ]
    b.append(
        make_coding(
            document=document, code=code, coder=members["coder2"], start=65, end=90
        )
    )
    b.append(
        make_coding(
            document=document, code=code, coder=members["coder2"], start=120, end=130
        )
    )
    return document, code


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ("a", [(60, 80)]),
        ("b", [(65, 90)]),
        ("both", [(60, 80), (65, 90)]),
        ("neither", []),
        ("edited", [(62, 85)]),
    ],
)
def test_adjudication_decisions_fill_consensus_and_keep_originals(
    project, members, decision, expected
):
    document, code = _two_coders(project, members)
    before = sorted(Coding.objects.values_list("coder_id", "start", "end"))
    adjudicate(
        document=document,
        code=code,
        coder_a=members["coder"],
        coder_b=members["coder2"],
        unit_start=60,
        unit_end=90,
        decision=decision,
        actor=members["supervisor"],
        edited_span=(62, 85) if decision == "edited" else None,
    )
    consensus = consensus_user_for(project)
    spans = sorted(Coding.objects.filter(coder=consensus).values_list("start", "end"))
    assert spans == expected
    others = sorted(
        Coding.objects.exclude(coder=consensus).values_list("coder_id", "start", "end")
    )
    assert others == before


def test_deciding_again_replaces_the_consensus(project, members):
    document, code = _two_coders(project, members)
    args = {
        "document": document,
        "code": code,
        "coder_a": members["coder"],
        "coder_b": members["coder2"],
        "unit_start": 60,
        "unit_end": 90,
        "actor": members["supervisor"],
    }
    adjudicate(decision="a", **args)
    adjudicate(decision="b", **args)
    consensus = consensus_user_for(project)
    assert list(Coding.objects.filter(coder=consensus).values_list("start", "end")) == [
        (65, 90)
    ]
    assert Adjudication.objects.get().decision == "b"


def test_consensus_visibility_follows_publication(project, members):
    document, code = _two_coders(project, members)
    adjudicate(
        document=document,
        code=code,
        coder_a=members["coder"],
        coder_b=members["coder2"],
        unit_start=0,
        unit_end=11,
        decision="both",
        actor=members["supervisor"],
    )
    url = f"/api/v1/projects/{project.pk}/consensus/"
    assert api(members["supervisor"]).get(url).json()["count"] == 1
    assert api(members["coder"]).get(url).status_code == 403

    def ids(user):
        return {
            r["coder"]
            for r in api(user)
            .get(f"/api/v1/projects/{project.pk}/codings/")
            .json()["results"]
        }

    consensus_name = consensus_user_for(project).username
    assert consensus_name not in ids(members["coder"])
    client_for(members["supervisor"]).post(
        reverse("coding:adjudication_publish", args=[project.pk]), {"published": "1"}
    )
    assert api(members["coder"]).get(url).json()["count"] == 1
    assert consensus_name in ids(members["coder"])
    assert consensus_name in ids(members["viewer"])
    assert members["coder2"].username not in ids(
        members["coder"]
    )  # still blind for the others


def test_compare_and_adjudication_pages(project, members):
    document, code = _two_coders(project, members)
    supervisor = client_for(members["supervisor"])
    query = f"?a={members['coder'].pk}&b={members['coder2'].pk}"
    page = supervisor.get(
        reverse("coding:compare", args=[project.pk, document.pk]) + query
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "k-match" in body
    assert "k-partial" in body
    assert "k-only_b" in body
    assert page.context["summary"] == {
        "match": 1,
        "partial": 1,
        "only_a": 0,
        "only_b": 1,
    }
    assert (
        client_for(members["coder"])
        .get(reverse("coding:compare", args=[project.pk, document.pk]))
        .status_code
        == 403
    )
    bad = supervisor.get(
        reverse("coding:compare", args=[project.pk, document.pk]) + "?a=999&b=x"
    )
    assert bad.status_code == 400
    adj_url = reverse("coding:adjudication", args=[project.pk, document.pk]) + query
    adj = supervisor.get(adj_url)
    assert adj.status_code == 200
    assert len(adj.context["rows"]) == 2
    decide = reverse("coding:adjudication_decide", args=[project.pk, document.pk])
    unit = adj.context["current"]["unit"]
    response = supervisor.post(
        decide,
        {
            "a": members["coder"].pk,
            "b": members["coder2"].pk,
            "code": code.pk,
            "unit_start": unit.start,
            "unit_end": unit.end,
            "decision": "a",
            "i": 0,
        },
    )
    assert response.status_code == 302
    assert "i=1" in response["Location"]
    response = supervisor.post(
        decide,
        {
            "a": members["coder"].pk,
            "b": members["coder2"].pk,
            "code": code.pk,
            "unit_start": unit.start,
            "unit_end": unit.end,
            "decision": "edited",
            "start": "5",
            "end": "999999",
            "i": 0,
        },
    )
    assert response.status_code == 302  # readable message, nothing changed
    assert Adjudication.objects.get().decision == "a"
    agreements = reverse(
        "coding:adjudication_accept_agreements", args=[project.pk, document.pk]
    )
    supervisor.post(agreements, {"a": members["coder"].pk, "b": members["coder2"].pk})
    consensus = consensus_user_for(project)
    assert sorted(
        Coding.objects.filter(coder=consensus).values_list("start", "end")
    ) == [(0, 11), (60, 80)]
    assert (
        AuditEvent.objects.filter(coder_id=consensus.pk, action="create").count() == 2
    )


# ------------------------------------------------------------------ API


def test_assignment_api(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/assignments/"
    created = api(members["supervisor"]).post(
        url,
        {"document": document.pk, "coder": members["coder"].username},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["status"] == "not_started"
    assert (
        api(members["coder"])
        .post(url, {"document": document.pk, "coder": "x"}, format="json")
        .status_code
        == 403
    )
    assert api(members["coder"]).get(url).json()["count"] == 1
    assert api(members["coder2"]).get(url).json()["count"] == 0
    detail = f"/api/v1/assignments/{created.json()['id']}/"
    assert (
        api(members["coder"])
        .patch(detail, {"status": "done"}, format="json")
        .json()["status"]
        == "done"
    )
    assert (
        api(members["coder"])
        .patch(detail, {"status": "klaar"}, format="json")
        .status_code
        == 400
    )
    assert api(members["coder2"]).get(detail).status_code == 404
    assert api(members["coder"]).delete(detail).status_code == 403
    assert api(members["supervisor"]).delete(detail).status_code == 204


def test_consensus_api_post(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    url = f"/api/v1/projects/{project.pk}/consensus/"
    response = api(members["supervisor"]).post(
        url,
        {"document": document.pk, "code": code.pk, "start": 0, "end": 11},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["coder"] == f"consensus-{project.pk}"
    assert (
        api(members["coder"])
        .post(
            url,
            {"document": document.pk, "code": code.pk, "start": 0, "end": 5},
            format="json",
        )
        .status_code
        == 403
    )


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


def test_unpublished_consensus_stays_hidden_under_shared_coding(project, members):
    project.blind_coding = False
    project.save()
    document = make_document(project=project)
    code = make_code(project=project)
    consensus = consensus_user_for(project)
    make_coding(document=document, code=code, coder=consensus, start=0, end=5)
    make_coding(document=document, code=code, coder=members["coder2"], start=6, end=9)
    coders = {
        r["coder"]
        for r in api(members["coder"])
        .get(f"/api/v1/projects/{project.pk}/codings/")
        .json()["results"]
    }
    assert coders == {members["coder2"].username}
    supervisor = {
        r["coder"]
        for r in api(members["supervisor"])
        .get(f"/api/v1/projects/{project.pk}/codings/")
        .json()["results"]
    }
    assert consensus.username in supervisor


def test_assigning_twice_answers_200(project, members):
    document = make_document(project=project)
    url = f"/api/v1/projects/{project.pk}/assignments/"
    payload = {"document": document.pk, "coder": members["coder"].username}
    assert (
        api(members["supervisor"]).post(url, payload, format="json").status_code == 201
    )
    assert (
        api(members["supervisor"]).post(url, payload, format="json").status_code == 200
    )
