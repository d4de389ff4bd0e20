"""The audit trail records what the services change: codings, codes, documents,
memberships."""

from __future__ import annotations

import pytest

from coding.models import Coding, Membership, Role
from coding.services.codebook import code_delete, code_update
from coding.services.codebook_merge import code_merge
from coding.services.codings import coding_delete, coding_update
from coding.services.documents import document_delete, document_update
from coding.services.projects import membership_remove, membership_set
from tests.coding.audit.helpers import (
    Action,
    Entity,
    events_of,
    last_event,
)
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_user,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- recording


def test_coding_create_update_delete_are_recorded(project, members):
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    other = make_code(project=project, name="Overleg")
    coding = make_coding(document=document, code=code, coder=members["coder"])
    created = last_event(project, entity=Entity.CODING)
    assert (created.action, created.actor_id, created.coder_id) == (
        Action.CREATE,
        members["coder"].pk,
        members["coder"].pk,
    )
    assert created.document_id == document.pk
    assert created.before is None
    assert created.after["code"] == code.pk
    assert (created.after["start"], created.after["end"]) == (0, 5)

    coding_update(
        coding=coding, memo="nota", start=1, code=other, actor=members["supervisor"]
    )
    updated = last_event(project, entity=Entity.CODING)
    assert updated.action == Action.UPDATE
    assert updated.actor_id == members["supervisor"].pk
    assert updated.coder_id == members["coder"].pk
    assert (updated.before["memo"], updated.after["memo"]) == ("", "nota")
    assert (updated.before["start"], updated.after["start"]) == (0, 1)
    assert (updated.before["code"], updated.after["code"]) == (code.pk, other.pk)

    coding_delete(coding=Coding.objects.get(pk=coding.pk), actor=members["owner"])
    deleted = last_event(project, entity=Entity.CODING)
    assert deleted.action == Action.DELETE
    assert deleted.actor_id == members["owner"].pk
    assert deleted.after is None
    assert deleted.before["memo"] == "nota"
    assert deleted.entity_id == coding.pk


def test_code_create_rename_delete_and_merge_are_recorded(project, members):
    actor = members["supervisor"]
    code = make_code(project=project, name="Subsidie")
    assert last_event(project, entity=Entity.CODE).action == Action.CREATE
    code_update(code=code, name="Subsidies", actor=actor)
    renamed = last_event(project, entity=Entity.CODE)
    assert renamed.action == Action.UPDATE
    assert (renamed.before["name"], renamed.after["name"]) == ("Subsidie", "Subsidies")
    assert renamed.actor_id == actor.pk

    document = make_document(project=project)
    source = make_code(project=project, name="Geld")
    coding = make_coding(document=document, code=source, coder=members["coder"])
    source_id = source.pk  # deleting clears ``pk``
    code_merge(source=source, target=code, actor=actor)
    merged = last_event(project, entity=Entity.CODE, entity_id=source_id)
    assert merged.action == Action.MERGE
    assert merged.before["merged_into"] == code.pk
    moved = last_event(project, entity=Entity.CODING, entity_id=coding.pk)
    assert moved.action == Action.UPDATE
    assert (moved.before["code"], moved.after["code"]) == (source_id, code.pk)

    code_delete(code=code, actor=actor)
    assert last_event(project, entity=Entity.CODE).action == Action.DELETE
    gone = last_event(project, entity=Entity.CODING, entity_id=coding.pk)
    assert gone.action == Action.DELETE
    assert gone.actor_id == actor.pk


def test_document_create_update_delete_are_recorded(project, members):
    document = make_document(project=project, title="Interview A")
    created = last_event(project, entity=Entity.DOCUMENT)
    assert created.action == Action.CREATE
    assert created.document_id == document.pk
    document_update(document=document, title="Interview B", actor=members["owner"])
    updated = last_event(project, entity=Entity.DOCUMENT)
    assert (updated.before["title"], updated.after["title"]) == (
        "Interview A",
        "Interview B",
    )
    coding = make_coding(document=document, coder=members["coder"])
    document_id, coding_id = document.pk, coding.pk
    document_delete(document=document, actor=members["owner"])
    gone = last_event(project, entity=Entity.DOCUMENT)
    assert (gone.action, gone.entity_id) == (Action.DELETE, document_id)
    assert gone.before["title"] == "Interview B"
    coding_gone = last_event(project, entity=Entity.CODING, entity_id=coding_id)
    assert coding_gone.action == Action.DELETE
    assert coding_gone.document_id == document_id


def test_memberships_are_recorded(project, members):
    newcomer = make_user()
    owner = members["owner"]
    membership_set(
        project=project, username=newcomer.username, role=Role.CODER, actor=owner
    )
    membership_set(
        project=project, username=newcomer.username, role=Role.SUPERVISOR, actor=owner
    )
    membership_remove(
        membership=Membership.objects.get(project=project, user=newcomer), actor=owner
    )
    events = events_of(project, entity=Entity.MEMBERSHIP, coder_id=newcomer.pk)
    assert [e.action for e in events] == [Action.CREATE, Action.UPDATE, Action.DELETE]
    assert events[1].before["role"] == Role.CODER
    assert events[1].after["role"] == Role.SUPERVISOR
    assert all(e.actor_id == owner.pk for e in events)
