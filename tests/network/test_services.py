"""Actors, flow types and relation codings: services and the rules the database keeps."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.models import AuditEvent, Code, Coding, CodingChange
from coding.services.codebook import code_update, codebook_load_default
from coding.services.codings import CodingSpec, coding_delete
from network.models import Actor, FlowType, NetworkSnapshot, Relation
from network.services import (
    RelationSpec,
    actor_create,
    actor_merge,
    actor_update,
    actors_from_codebook,
    flow_types_sync,
    network_setup,
    relation_codings_create_bulk,
)
from tests.factories import (
    make_actor,
    make_document,
    make_flow,
    make_project,
    make_relation,
    make_user,
)

pytestmark = pytest.mark.django_db


def _demo_codebook_project():
    project = make_project()
    codebook_load_default(project=project, demo_actors=True)
    return project


def test_regie_codebook_gives_actors_and_flow_types():
    """The demo's actor codes become actors with their kinds and aliases; the regie
    codebook's relation codes become the flow types material, knowledge and other."""
    project = _demo_codebook_project()
    assert network_setup(project=project) == 12
    actors = {a.name: a for a in Actor.objects.filter(project=project)}
    assert len(actors) == 9
    assert actors["Stad Mechelen"].kind == "city"
    assert actors["Agentschap Integratie en Inburgering"].kind == "agency"
    assert "AgII" in actors["Agentschap Integratie en Inburgering"].aliases
    assert actors["Sportverenigingen"].kind == "association"
    assert actors["J@M vzw"].code.parent.name == "Actoren"
    flows = {f.key: f for f in FlowType.objects.filter(project=project)}
    assert set(flows) == {"material", "knowledge", "other"}
    assert flows["material"].code.name == "Materiële stroom"
    assert flows["material"].colour == "#d62728"
    assert flows["knowledge"].is_default
    assert not flows["other"].is_default
    assert network_setup(project=project) == 0  # idempotent


def test_a_new_project_from_the_regie_codebook_has_no_actors():
    """The template's actor branch is empty: no Mechelen actor on its network."""
    project = make_project(codebook="regie")
    assert network_setup(project=project) == 3  # the flow types only
    assert not Actor.objects.filter(project=project).exists()


def test_new_actor_codes_and_renames_are_picked_up():
    project = _demo_codebook_project()
    network_setup(project=project)
    root = Code.objects.get(project=project, name="Actoren", parent=None)
    Code.objects.create(project=project, parent=root, name="OCMW")
    assert [a.name for a in actors_from_codebook(project=project)] == ["OCMW"]
    assert Actor.objects.get(project=project, name="OCMW").kind == "other"
    unia = Actor.objects.get(project=project, name="Unia")
    code_update(code=unia.code, name="Unia Mechelen")
    network_setup(project=project)
    unia.refresh_from_db()
    assert unia.name == "Unia Mechelen"


def test_actor_create_makes_its_code_and_is_audited():
    owner = make_user()
    project = make_project(owner=owner)
    actor = actor_create(
        project=project,
        name="  Groep   INTRO ",
        kind="vzw",
        aliases=["INTRO", "intro", " ", "Groep INTRO"],
        actor=owner,
    )
    assert actor.name == "Groep INTRO" == actor.code.name
    assert actor.code.parent.name == "Actoren"
    assert actor.aliases == ["INTRO"]
    assert AuditEvent.objects.filter(entity="code", entity_id=actor.code_id).exists()
    with pytest.raises(ValidationError) as error:
        actor_create(project=project, name="X", kind="company")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError):
        actor_create(project=project, name="Groep INTRO")  # sibling code clash


def test_actor_update_renames_the_code():
    project = make_project()
    actor = make_actor(project=project, name="ROJM")
    actor = actor_update(
        actor=actor,
        name="ROJM vzw",
        kind="vzw",
        aliases="ROJM\nRegionaal Open Jeugdcentrum",
    )
    assert actor.code.name == "ROJM vzw" == Actor.objects.get(pk=actor.pk).name
    assert actor.aliases == ["ROJM", "Regionaal Open Jeugdcentrum"]


def test_relation_create_is_a_coding_with_audit_and_frequency_hooks():
    coder = make_user()
    project = make_project()
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad", kind="city")
    jam = make_actor(project=project, name="J@M")
    flow = make_flow(project=project, key="material")
    relation = make_relation(
        document=document,
        source=stad,
        target=jam,
        flow=flow,
        coder=coder,
        start=0,
        end=12,
        occasional=True,
    )
    coding = relation.coding
    assert coding.code == flow.code
    assert coding.relation == relation
    assert (relation.source_actor, relation.target_actor) == (stad, jam)
    assert relation.occasional
    assert not relation.mutual
    assert AuditEvent.objects.filter(
        entity="coding", entity_id=coding.pk, action="create"
    ).exists()
    # The frequencies learn of it from the core's change record.
    assert CodingChange.objects.filter(project=project, code_id=flow.code_id).exists()
    # The same coder, span and flow again: one relation per flow type and span.
    with pytest.raises(ValidationError, match="one relation per flow type"):
        make_relation(
            document=document,
            source=jam,
            target=stad,
            flow=flow,
            coder=coder,
            start=0,
            end=12,
        )
    # Deleting the coding deletes the relation with it.
    coding_delete(coding=coding)
    assert not Relation.objects.filter(coding__document__project=project).exists()


def test_a_deleted_relation_coding_comes_back_with_its_relation():
    """The trail keeps the relation fields, so restore and undo bring back the
    relation, not a plain flow coding."""
    from coding.services.audit_restore import audit_restore_coding
    from coding.services.codings import coding_restore

    coder = make_user()
    project = make_project()
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad", kind="city")
    jam = make_actor(project=project, name="J@M")
    flow = make_flow(project=project, key="knowledge")
    relation = make_relation(
        document=document,
        source=stad,
        target=jam,
        flow=flow,
        coder=coder,
        start=0,
        end=12,
        mutual=True,
    )
    snapshot = coding_delete(coding=relation.coding)
    assert snapshot["relation"] == {
        "source_actor": stad.pk,
        "target_actor": jam.pk,
        "flow": flow.pk,
        "mutual": True,
        "occasional": False,
    }
    event = AuditEvent.objects.get(entity="coding", action="delete")
    # Restoring from the trail is a supervisor's action (checked as it runs).
    owner = project.memberships.get(role="owner").user
    restored = audit_restore_coding(event=event, actor=owner)
    back = Relation.objects.get(coding=restored)
    assert (back.source_actor, back.target_actor, back.flow) == (stad, jam, flow)
    assert back.mutual
    assert not back.occasional
    # Undo after the actor was removed: a clear error and no half-restored coding.
    snapshot = coding_delete(coding=restored)
    jam.delete()
    with pytest.raises(ValidationError, match="cannot come back"):
        coding_restore(snapshot=snapshot, actor=coder)
    assert not Coding.objects.filter(document=document).exists()


def test_relation_rules():
    project = make_project()
    other = make_project()
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad")
    elsewhere = make_actor(project=other, name="Elders")
    flow = make_flow(project=project)
    with pytest.raises(ValidationError) as error:
        make_relation(document=document, source=stad, target=stad, flow=flow)
    assert "target_actor" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_relation(document=document, source=stad, target=elsewhere, flow=flow)
    assert "another project" in str(error.value)
    with pytest.raises(ValidationError):
        make_relation(
            document=document,
            source=stad,
            target=make_actor(project=project),
            flow=make_flow(project=other),
        )
    assert not Coding.objects.filter(document__project=project).exists()


def test_database_refuses_self_loops_and_cross_project_rows():
    project = make_project()
    other = make_project()
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad")
    jam = make_actor(project=project, name="J@M")
    elsewhere = make_actor(project=other, name="Elders")
    relation = make_relation(document=document, source=stad, target=jam)
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.filter(pk=relation.pk).update(target_actor=stad)
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.filter(pk=relation.pk).update(target_actor=elsewhere)
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(project=other, code=stad.code, name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        FlowType.objects.create(
            project=other, code=relation.coding.code, key="x", label="x"
        )


def test_bulk_relation_codings_are_all_or_nothing():
    coder = make_user()
    project = make_project()
    document = make_document(project=project)
    stad, jam = (make_actor(project=project, name=n) for n in ("Stad", "J@M"))
    material = make_flow(project=project, key="material")
    knowledge = FlowType.objects.get(project=project, key="knowledge")
    plain = Code.objects.create(project=project, name="Overleg")
    specs = [
        CodingSpec(document, material.code, 0, 10),
        CodingSpec(document, knowledge.code, 0, 10),
        CodingSpec(document, plain, 0, 10),
    ]
    relations = [
        RelationSpec(material, stad, jam),
        RelationSpec(knowledge, jam, stad, mutual=True),
        None,
    ]
    created = relation_codings_create_bulk(
        specs=specs, relations=relations, coder=coder
    )
    assert len(created) == 3
    assert Relation.objects.filter(coding__document__project=project).count() == 2
    assert Relation.objects.get(coding=created[1]).mutual
    bad = [RelationSpec(material, stad, stad)]
    with pytest.raises(ValidationError, match="Item 0"):
        relation_codings_create_bulk(
            specs=[CodingSpec(document, material.code, 20, 30)],
            relations=bad,
            coder=coder,
        )
    assert Coding.objects.filter(document__project=project).count() == 3


def test_actor_merge_moves_relations_codings_and_names():
    coder = make_user()
    project = make_project()
    document = make_document(project=project)
    stad = make_actor(project=project, name="Stad")
    jam = make_actor(project=project, name="J@M vzw", aliases=["JAM"])
    jam2 = make_actor(project=project, name="Jeugdwerk @ Mechelen", aliases=["JWM"])
    flow = make_flow(project=project)
    kept = make_relation(
        document=document, source=stad, target=jam2, flow=flow, coder=coder
    )
    loop = make_relation(
        document=document,
        source=jam2,
        target=jam,
        flow=flow,
        coder=coder,
        start=10,
        end=20,
    )
    actor_coding = Coding.objects.create(
        document=document, code=jam2.code, coder=coder, start=30, end=35
    )
    NetworkSnapshot.objects.create(project=project, scope="all", filters_key="x")
    result = actor_merge(source=jam2, target=jam, user=coder)
    assert (result.actor, result.moved, result.dropped) == (jam, 1, 1)
    kept.refresh_from_db()
    assert kept.target_actor == jam
    assert not Relation.objects.filter(pk=loop.pk).exists()
    assert Coding.objects.filter(pk=loop.pk).exists()  # the coding stays
    assert Coding.objects.get(pk=actor_coding.pk).code_id == jam.code_id
    assert not Actor.objects.filter(pk=jam2.pk).exists()
    assert not Code.objects.filter(pk=jam2.code_id).exists()
    jam.refresh_from_db()
    assert jam.aliases == ["JAM", "Jeugdwerk @ Mechelen", "JWM"]
    assert not NetworkSnapshot.objects.filter(project=project).exists()
    with pytest.raises(ValidationError):
        actor_merge(source=jam, target=jam)


def test_flow_types_follow_codes_under_the_relations_root():
    project = make_project()
    created = flow_types_sync(project=project, create_codes=True)
    assert [f.key for f in created] == ["material", "knowledge", "other"]
    root = Code.objects.get(project=project, name="Relaties (netwerk)")
    Code.objects.create(project=project, parent=root, name="Personeel")
    (personnel,) = flow_types_sync(project=project)
    assert (personnel.key, personnel.label) == ("personeel", "Personeel")
