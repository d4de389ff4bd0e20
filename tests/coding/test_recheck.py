"""Permissions are re-checked at the moment of each action (issue 12, item 5).

A supervisor removes coder2's coding, then is made a coder (or viewer, or leaves
the project): undo, restore from the audit trail and adjudication answer with the
role the member has *now*, not the one they had when the page or undo entry was made.
A memo save without ``revision`` is refused, never a blind overwrite.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coding.models import Adjudication, Coding, Membership, Role
from coding.services.audit_restore import audit_restore_coding
from coding.services.team import adjudicate, consensus_publish
from tests.coding.audit.helpers import deleted_coding_event, restore_url
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

# The supervisor's role when the action runs, then: undo/restore allowed?, status.
NOW = [
    (Role.OWNER, True, 200),
    (Role.SUPERVISOR, True, 200),
    (Role.CODER, False, 403),
    (Role.VIEWER, False, 403),
    (None, False, 404),  # no longer a member
]


def set_role(project, user, role: Role | None) -> None:
    memberships = Membership.objects.filter(project=project, user=user)
    if role is None:
        memberships.delete()
    else:
        memberships.update(role=role)


@pytest.mark.parametrize(("role", "allowed", "status"), NOW)
def test_undo_of_a_removal_rechecks_the_role(project, members, role, allowed, status):
    document = make_document(project=project)
    code = make_code(project=project)
    coding = make_coding(
        document=document, code=code, coder=members["coder2"], start=0, end=11
    )
    supervisor = client_for(members["supervisor"])
    removed = supervisor.post(
        reverse(
            "coding:workbench_remove_coding", args=[project.pk, document.pk, coding.pk]
        ),
        headers=HTMX,
    )
    assert removed.status_code == 200
    assert not Coding.objects.exists()
    set_role(project, members["supervisor"], role)
    response = supervisor.post(
        reverse("coding:workbench_undo", args=[project.pk, document.pk]),
        headers=HTMX,
    )
    assert response.status_code == status
    assert Coding.objects.filter(coder=members["coder2"]).exists() is allowed
    if status == 403 and role is Role.CODER:
        assert "no longer allows" in response.content.decode()


@pytest.mark.parametrize(("role", "allowed", "status"), NOW)
def test_undo_of_a_memo_rechecks_the_role(project, members, role, allowed, status):
    document = make_document(project=project)
    coding = make_coding(
        document=document,
        code=make_code(project=project),
        coder=members["coder2"],
        memo="van coder2",
    )
    supervisor = client_for(members["supervisor"])
    saved = supervisor.post(
        reverse(
            "coding:workbench_save_memo", args=[project.pk, document.pk, coding.pk]
        ),
        {"memo": "van de supervisor", "revision": coding.revision},
        headers=HTMX,
    )
    assert saved.status_code == 200
    set_role(project, members["supervisor"], role)
    response = supervisor.post(
        reverse("coding:workbench_undo", args=[project.pk, document.pk]),
        headers=HTMX,
    )
    assert response.status_code == status
    coding.refresh_from_db()
    assert coding.memo == ("van coder2" if allowed else "van de supervisor")


def test_a_coder_still_undoes_their_own_removal(project, members):
    document = make_document(project=project)
    coding = make_coding(
        document=document, code=make_code(project=project), coder=members["coder"]
    )
    coder = client_for(members["coder"])
    coder.post(
        reverse(
            "coding:workbench_remove_coding", args=[project.pk, document.pk, coding.pk]
        ),
        headers=HTMX,
    )
    response = coder.post(
        reverse("coding:workbench_undo", args=[project.pk, document.pk]),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Coding.objects.filter(coder=members["coder"]).count() == 1


# ---------------------------------------------------------------- memo save


def test_a_page_memo_save_without_revision_is_refused(project, members):
    document = make_document(project=project)
    coding = make_coding(
        document=document,
        code=make_code(project=project),
        coder=members["coder"],
        memo="eerste",
    )
    url = reverse(
        "coding:workbench_save_memo", args=[project.pk, document.pk, coding.pk]
    )
    client = client_for(members["coder"])
    for data in ({"memo": "overschreven"}, {"memo": "overschreven", "revision": "x"}):
        response = client.post(url, data, headers=HTMX)
        assert response.status_code == 400
        assert "did not say which version" in response.content.decode()
    coding.refresh_from_db()
    assert coding.memo == "eerste"


def test_an_api_memo_change_without_revision_is_refused(project, members):
    document = make_document(project=project)
    coding = make_coding(
        document=document,
        code=make_code(project=project),
        coder=members["coder"],
        memo="eerste",
    )
    client = api_client_for(members["coder"])
    url = f"/api/v1/codings/{coding.pk}/"
    response = client.patch(url, {"memo": "overschreven"}, format="json")
    assert response.status_code == 400
    assert "revision" in response.json()["errors"]
    coding.refresh_from_db()
    assert coding.memo == "eerste"
    response = client.patch(
        url, {"memo": "tweede", "revision": coding.revision}, format="json"
    )
    assert response.status_code == 200
    coding.refresh_from_db()
    assert coding.memo == "tweede"


# ---------------------------------------------------------------- audit restore


@pytest.mark.parametrize(("role", "allowed", "status"), NOW)
def test_restore_from_the_audit_trail_rechecks_the_role(
    project, members, role, allowed, status
):
    _document, _code, event = deleted_coding_event(project, members)
    set_role(project, members["supervisor"], role)
    if allowed:
        audit_restore_coding(event=event, actor=members["supervisor"])
    else:
        # The page was loaded (and checked) as a supervisor; the write re-checks.
        with pytest.raises(PermissionDenied):
            audit_restore_coding(event=event, actor=members["supervisor"])
    assert Coding.objects.exists() is allowed


@pytest.mark.parametrize(("role", "allowed", "status"), NOW)
def test_restore_page_and_api_answer_with_the_current_role(
    project, members, role, allowed, status
):
    _document, _code, event = deleted_coding_event(project, members)
    set_role(project, members["supervisor"], role)
    page = client_for(members["supervisor"]).post(restore_url(project, event))
    assert page.status_code == (302 if allowed else status)
    assert Coding.objects.exists() is allowed


# ---------------------------------------------------------------- adjudication


@pytest.mark.parametrize(("role", "allowed", "status"), NOW)
def test_adjudication_decisions_recheck_the_role(
    project, members, role, allowed, status
):
    document = make_document(project=project)
    code = make_code(project=project)
    make_coding(document=document, code=code, coder=members["coder"], start=0, end=11)
    make_coding(document=document, code=code, coder=members["coder2"], start=0, end=11)
    set_role(project, members["supervisor"], role)

    def decide():
        adjudicate(
            document=document,
            code=code,
            coder_a=members["coder"],
            coder_b=members["coder2"],
            unit_start=0,
            unit_end=11,
            decision="a",
            actor=members["supervisor"],
        )

    def publish():
        consensus_publish(project=project, published=True, actor=members["supervisor"])

    for action in (decide, publish):
        if allowed:
            action()
        else:
            with pytest.raises(PermissionDenied):
                action()
    assert Adjudication.objects.exists() is allowed
    project.refresh_from_db()
    assert project.consensus_published is allowed
    page = client_for(members["supervisor"]).post(
        reverse("coding:adjudication_decide", args=[project.pk, document.pk]),
        {
            "a": members["coder"].pk,
            "b": members["coder2"].pk,
            "code": code.pk,
            "unit_start": 0,
            "unit_end": 11,
            "decision": "b",
            "i": 0,
        },
    )
    assert page.status_code == (302 if allowed else status)
