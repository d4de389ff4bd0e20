"""Merging codes: one ``merge`` event with what moved, the real counts, and the undo."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coding.access import access_project
from coding.models import Adjudication, AuditEvent, Code, Coding, Membership, Role
from coding.services.codebook_merge import code_impact, code_merge, code_merge_undo
from coding.services.team import adjudicate
from tests.conftest import HTMX, client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def _codebook(project, members):
    """Beleid > {Visie > Lange termijn, Geld} merged into Instrumenten > {Geld}."""
    beleid = make_code(project=project, name="Beleid", shortcut="b")
    visie = make_code(project=project, name="Visie", parent=beleid)
    lang = make_code(project=project, name="Lange termijn", parent=beleid)
    geld = make_code(project=project, name="Geld", parent=beleid)
    target = make_code(project=project, name="Instrumenten")
    namesake = make_code(project=project, name="Geld", parent=target)
    document = make_document(project=project)
    coder, coder2 = members["coder"], members["coder2"]
    moved = make_coding(document=document, code=beleid, coder=coder, start=0, end=11)
    make_coding(document=document, code=beleid, coder=coder2, start=0, end=11)
    dup = make_coding(document=document, code=beleid, coder=coder, start=20, end=30)
    dup.memo = "eigen memo"
    dup.save(update_fields=["memo"])
    kept = make_coding(document=document, code=target, coder=coder, start=20, end=30)
    make_coding(document=document, code=geld, coder=coder, start=40, end=50)
    make_coding(document=document, code=namesake, coder=coder2, start=40, end=50)
    make_coding(document=document, code=lang, coder=coder2, start=60, end=70)
    adjudicate(
        document=document,
        code=beleid,
        coder_a=coder,
        coder_b=coder2,
        unit_start=20,
        unit_end=30,
        decision="a",
        actor=members["supervisor"],
    )
    return {
        "beleid": beleid,
        "visie": visie,
        "lang": lang,
        "geld": geld,
        "target": target,
        "namesake": namesake,
        "moved": moved,
        "kept": kept,
    }


def _state(project):
    return (
        sorted(
            Code.objects.filter(project=project).values_list("id", "parent_id", "name")
        ),
        sorted(
            Coding.objects.values_list("code_id", "coder_id", "start", "end", "memo")
        ),
        sorted(Adjudication.objects.values_list("code_id", "start", "end", "decision")),
    )


def test_impact_counts_what_a_merge_or_delete_touches(project, members):
    codes = _codebook(project, members)
    access = access_project(members["owner"], project.pk)
    impact = code_impact(codes["beleid"], access)
    # the consensus coding of the decision counts too: 3 + 1
    assert (impact.codings, impact.children, impact.descendants) == (4, 3, 3)
    assert impact.descendant_codings == 2
    per_coder = {row.name: row.count for row in impact.per_coder}
    assert per_coder == {
        members["coder"].username: 2,
        members["coder2"].username: 1,
        "Consensus": 1,
    }


def test_merge_is_recorded_and_undone_completely(project, members):
    codes = _codebook(project, members)
    before = _state(project)
    beleid_id = codes["beleid"].pk
    code_merge(source=codes["beleid"], target=codes["target"], actor=members["owner"])

    event = AuditEvent.objects.get(action=Action.MERGE, entity_id=beleid_id)
    assert event.after["codings"]
    assert event.after["dropped"]
    assert sorted(event.after["children"]) == sorted(
        [codes["visie"].pk, codes["lang"].pk]
    )
    assert len(event.after["child_merges"]) == 1  # Geld met its namesake
    codes["kept"].refresh_from_db()
    assert "eigen memo" in codes["kept"].memo
    assert not Adjudication.objects.exists()

    code = code_merge_undo(event=event, actor=members["supervisor"])
    assert code.pk == beleid_id
    assert code.shortcut == "b"
    assert _state(project) == before
    assert AuditEvent.objects.filter(action=Action.RESTORE, entity="code").exists()
    event.refresh_from_db()
    with pytest.raises(ValidationError, match="undone"):
        code_merge_undo(event=event, actor=members["supervisor"])


def test_undo_is_refused_when_something_since_stands_in_the_way(project, members):
    codes = _codebook(project, members)
    beleid_id = codes["beleid"].pk
    code_merge(source=codes["beleid"], target=codes["target"], actor=members["owner"])
    event = AuditEvent.objects.get(action=Action.MERGE, entity_id=beleid_id)
    after_merge = _state(project)

    make_code(project=project, name="Beleid")  # a namesake in its place
    with pytest.raises(ValidationError, match="“Beleid” stands in its place"):
        code_merge_undo(event=event, actor=members["owner"])
    Code.objects.get(project=project, name="Beleid").delete()
    assert _state(project) == after_merge

    Coding.objects.filter(pk=codes["moved"].pk).delete()
    with pytest.raises(ValidationError, match="1 of the codings that moved"):
        code_merge_undo(event=event, actor=members["owner"])
    assert not Code.objects.filter(pk=beleid_id).exists()  # no half state


def test_undo_reads_the_role_again(project, members):
    codes = _codebook(project, members)
    beleid_id = codes["beleid"].pk
    code_merge(source=codes["beleid"], target=codes["target"], actor=members["owner"])
    event = AuditEvent.objects.get(action=Action.MERGE, entity_id=beleid_id)
    Membership.objects.filter(user=members["supervisor"]).update(role=Role.CODER)
    with pytest.raises(PermissionDenied):
        code_merge_undo(event=event, actor=members["supervisor"])


def test_merge_asks_first_and_the_trail_undoes_it(project, members):
    codes = _codebook(project, members)
    beleid_id = codes["beleid"].pk
    owner = client_for(members["owner"])
    merge = reverse("coding:codebook_merge_code", args=[project.pk, codes["beleid"].pk])
    edit = owner.get(
        reverse("coding:codebook_edit_code", args=[project.pk, codes["beleid"].pk])
    )
    body = edit.content.decode()
    assert "4 codings with this code itself" in body
    assert "Instrumenten &gt; Geld" in body  # pickers show full paths
    asked = owner.post(merge, {"target": codes["target"].pk})
    assert "Merge “Beleid” into “Instrumenten”?" in asked.content.decode()
    assert "Geld" in asked.context["clashes"]
    assert (
        owner.post(merge, {"target": codes["target"].pk, "confirm": "yes"}).status_code
        == 302
    )

    audit = owner.get(reverse("coding:audit", args=[project.pk]))
    assert "Undo merge" in audit.content.decode()
    event = AuditEvent.objects.get(action=Action.MERGE, entity_id=beleid_id)
    undo = reverse("coding:audit_undo_merge", args=[project.pk, event.pk])
    assert client_for(members["coder"]).post(undo).status_code == 403
    response = owner.post(undo, headers=HTMX)
    assert response.status_code == 200
    assert "Merge undone" in response.content.decode()
    assert Code.objects.filter(pk=beleid_id).exists()
    again = owner.post(undo, headers=HTMX)
    assert again.status_code == 400
    assert "cannot be undone" in again.content.decode()
