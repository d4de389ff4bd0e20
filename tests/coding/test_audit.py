"""The audit trail: events recorded by the services, the page, the API, restoring."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from coding.models import AuditEvent, Coding, Membership, Role
from coding.forms import audit_filters
from coding.selectors_audit import audit_events, audit_rows
from coding.services.audit_restore import audit_restore_coding
from coding.services.codebook import code_delete, code_merge, code_update
from coding.services.codings import coding_delete, coding_update
from coding.services.documents import document_delete, document_update
from coding.services.projects import membership_remove, membership_set
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
Action = AuditEvent.Action
Entity = AuditEvent.Entity


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_url(project, **params) -> str:
    url = reverse("coding:audit", args=[project.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def api_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/audit/"


def restore_url(project, event) -> str:
    return reverse("coding:audit_restore", args=[project.pk, event.pk])


def events_of(project, **filters):
    return list(AuditEvent.objects.filter(project=project, **filters).order_by("id"))


def last_event(project, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(project=project, **filters).latest("at", "id")


def deleted_coding_event(project, members, *, memo="Waarom dit?", start=None):
    """A coding by ``coder`` deleted by the supervisor, and its delete event."""
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    start = document.text.index("subsidies") if start is None else start
    coding = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 9,
        memo=memo,
    )
    coding_delete(coding=coding, actor=members["supervisor"])
    event = last_event(project, entity=Entity.CODING, action=Action.DELETE)
    return document, code, event


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
    assert merged.action == Action.DELETE
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


# ---------------------------------------------------------------- access


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
def test_page_and_api_per_role(project, members, role, status):
    _document, _code, event = deleted_coding_event(project, members)
    user = members[role]
    assert client_for(user).get(page_url(project)).status_code == status
    assert api(user).get(api_url(project)).status_code == status
    if status != 200:
        assert client_for(user).post(restore_url(project, event)).status_code == status
        restore = api(user).post(f"{api_url(project)}{event.pk}/restore/")
        assert restore.status_code == status
        assert restore.json()["detail"]
        assert not Coding.objects.exists()


def test_login_required(client, project):
    response = client.get(page_url(project))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_event_of_another_project_is_not_found(project, members):
    other = make_project(owner=members["owner"])
    _document, _code, event = deleted_coding_event(other, members)
    supervisor = client_for(members["supervisor"])
    assert supervisor.post(restore_url(project, event)).status_code == 404
    response = api(members["supervisor"]).post(f"{api_url(project)}{event.pk}/restore/")
    assert response.status_code == 404


# ---------------------------------------------------------------- the page


def test_page_shows_readable_summaries(project, members):
    document, code, _event = deleted_coding_event(project, members)
    code_update(code=code, name="Subsidiëring", actor=members["supervisor"])
    body = client_for(members["supervisor"]).get(page_url(project)).content.decode()
    start = document.text.index("subsidies")
    assert f"removed ‘Subsidiëring’ [{start}–{start + 9}]: «subsidies»" in body
    assert f"coded ‘Subsidiëring’ [{start}–{start + 9}]: «subsidies»" in body
    assert "renamed ‘Subsidies’ → ‘Subsidiëring’" in body
    assert f"imported ‘{document.title}’" in body
    assert "<details>" in body
    assert "Waarom dit?" in body  # the memo, in the before/after details
    assert 'hx-post="' + restore_url(project, _event) in body


def test_long_quotes_are_cut(project, members):
    document = make_document(project=project, text="I: " + "woord " * 40)
    make_coding(document=document, coder=members["coder"], start=3, end=200)
    body = client_for(members["owner"]).get(page_url(project)).content.decode()
    assert "«" + ("woord " * 10).strip() + "…»" in body


def test_transcript_text_and_names_are_escaped(project, members):
    document = make_document(
        project=project,
        title="<i>Titel</i>",
        text="I: <script>alert('x')</script> & meer\n",
    )
    code = make_code(project=project, name="<b>Code</b>")
    make_coding(document=document, code=code, coder=members["coder"], start=3, end=32)
    body = client_for(members["owner"]).get(page_url(project)).content.decode()
    assert "<script>alert" not in body
    assert "<b>Code" not in body
    assert "<i>Titel" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;b&gt;Code&lt;/b&gt;" in body
    assert "&lt;i&gt;Titel&lt;/i&gt;" in body


def test_htmx_filter_swaps_only_the_table(project, members):
    document = make_document(project=project, title="Gesprek met de schepen")
    other = make_document(project=project, title="Gesprek met de vzw")
    make_coding(document=document, coder=members["coder"])
    make_coding(document=other, coder=members["coder2"])
    response = client_for(members["supervisor"]).get(
        page_url(project, document=document.pk), headers=HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="audit-table"')
    assert "<html" not in body
    assert "Gesprek met de schepen" in body
    assert "Gesprek met de vzw" not in body
    assert "HX-Request" in response["Vary"]


def test_page_filters_and_bad_values(project, members):
    document = make_document(project=project)
    make_coding(document=document, coder=members["coder"])
    make_coding(document=document, coder=members["coder2"])
    client = client_for(members["supervisor"])
    response = client.get(page_url(project, coder=members["coder2"].username))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows
    assert {r.event.coder_id for r in rows} == {members["coder2"].pk}
    # the chosen filter stays chosen in the form
    assert f'<option value="{members["coder2"].pk}" selected>' in (
        response.content.decode()
    )
    bad = client.get(page_url(project, entity="koffie", since="gisteren"))
    assert bad.status_code == 400
    body = bad.content.decode()
    assert (
        "“koffie” is not one of: coding, code, document, membership, assignment."
        in (body.replace("&ldquo;", "“").replace("&rdquo;", "”"))
    )
    assert "is not a date; write it as YYYY-MM-DD." in body
    htmx_bad = client.get(page_url(project, document="drie"), headers=HTMX)
    assert htmx_bad.status_code == 400
    assert "is not a document id" in htmx_bad.content.decode()


def test_paging_keeps_filters(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    for start in range(0, 110, 2):
        make_coding(
            document=document,
            code=code,
            coder=members["coder"],
            start=start,
            end=start + 1,
        )
    client = client_for(members["supervisor"])
    response = client.get(page_url(project, entity="coding"))
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 55
    body = response.content.decode()
    assert "entity=coding&amp;page=2" in body
    second = client.get(page_url(project, entity="coding", page=2), headers=HTMX)
    assert len(second.context["rows"]) == 5
    assert "entity=coding&amp;page=1" in second.content.decode()


def test_page_query_count_stays_flat(project, members, django_assert_max_num_queries):
    """Thirty-odd events of every kind cost as many queries as a handful."""
    client = client_for(members["supervisor"])
    documents = [make_document(project=project) for _ in range(3)]
    codes = [make_code(project=project) for _ in range(3)]

    def codings(rounds):
        for index in rounds:
            for document, code in zip(documents, codes, strict=True):
                coding = make_coding(
                    document=document,
                    code=code,
                    coder=members["coder" if index % 2 else "coder2"],
                    start=index,
                    end=index + 3,
                )
                if index % 2:
                    coding_delete(coding=coding, actor=members["supervisor"])

    codings(range(2))
    code_update(code=codes[0], name="Hernoemd", actor=members["owner"])
    code_delete(code=codes[2], actor=members["owner"])
    document_delete(document=documents[1], actor=members["owner"])
    documents, codes = [documents[0], documents[2]], codes[:2]
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(project))
    codings(range(2, 12))
    count = AuditEvent.objects.filter(project=project).count()
    assert count >= 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_url(project))
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(count, 50)
    assert len(few.captured_queries) <= 15


# ---------------------------------------------------------------- the API


def test_api_lists_events_with_usernames(project, members):
    document, code, event = deleted_coding_event(project, members)
    response = api(members["supervisor"]).get(api_url(project))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == AuditEvent.objects.filter(project=project).count()
    first = data["results"][0]
    assert first == {
        "id": event.pk,
        "at": first["at"],
        "actor": members["supervisor"].username,
        "action": "delete",
        "entity": "coding",
        "entity_id": event.entity_id,
        "document": document.pk,
        "coder": members["coder"].username,
        "before": event.before,
        "after": None,
    }


def test_api_filters(project, members):
    document = make_document(project=project)
    other = make_document(project=project)
    mine = make_coding(document=document, coder=members["coder"])
    make_coding(document=other, coder=members["coder2"])
    coding_delete(coding=mine, actor=members["supervisor"])
    client = api(members["owner"])

    def ids(**params):
        response = client.get(api_url(project), params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(document=document.pk) == {
        e.pk for e in events_of(project, document_id=document.pk)
    }
    by_name = ids(coder=members["coder"].username)
    assert by_name == ids(coder=members["coder"].pk)
    assert by_name == {e.pk for e in events_of(project, coder_id=members["coder"].pk)}
    assert ids(actor=members["supervisor"].username) == {
        e.pk for e in events_of(project, actor_id=members["supervisor"].pk)
    }
    assert ids(entity="coding", action="delete") == {
        e.pk for e in events_of(project, entity="coding", action="delete")
    }
    today = timezone.localdate()
    assert ids(since=today.isoformat(), until=today.isoformat()) == ids()
    assert ids(until=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert ids(since=(today + dt.timedelta(days=1)).isoformat()) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"document": "een"}, "document"),
        ({"document": "9" * 30}, "document"),
        ({"coder": "niemand"}, "coder"),
        ({"actor": "niemand"}, "actor"),
        ({"coder": "a\x00b"}, "coder"),
        ({"entity": "koffie"}, "entity"),
        ({"action": "verplaatst"}, "action"),
        ({"since": "2024-13-01"}, "since"),
        ({"until": "morgen"}, "until"),
        ({"since": "2024-05-02", "until": "2024-05-01"}, "until"),
    ],
)
def test_api_bad_filters_get_400_with_message(project, members, params, field):
    response = api(members["supervisor"]).get(api_url(project), params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body["errors"]


def test_outsider_username_is_not_a_filter(project, members):
    """A user name from outside the project does not resolve (no user listing)."""
    response = api(members["supervisor"]).get(
        api_url(project), {"coder": members["outsider"].username}
    )
    assert response.status_code == 400


def test_openapi_schema_documents_audit(client):
    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/json").content
    )
    listing = schema["paths"]["/api/v1/projects/{project_id}/audit/"]["get"]
    described = {p["name"]: p.get("description") for p in listing["parameters"]}
    for name in ("document", "coder", "actor", "entity", "action", "since", "until"):
        assert described[name], name
    restore = schema["paths"][
        "/api/v1/projects/{project_id}/audit/{event_id}/restore/"
    ]["post"]
    assert "201" in restore["responses"]


# ---------------------------------------------------------------- restoring


def assert_back(coding: Coding, event: AuditEvent) -> None:
    before = event.before
    assert coding.document_id == before["document"]
    assert coding.code_id == before["code"]
    assert coding.coder_id == before["coder"]
    assert (coding.start, coding.end) == (before["start"], before["end"])
    assert coding.memo == before["memo"]


def test_restore_from_page_round_trip(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    client = client_for(members["supervisor"])
    back = page_url(project, entity="coding")
    response = client.post(restore_url(project, event), {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert_back(Coding.objects.get(), event)
    restored = last_event(project)
    assert (restored.action, restored.actor_id) == (
        Action.RESTORE,
        members["supervisor"].pk,
    )
    followed = client.get(back)
    assert "Restored: ‘Subsidies’" in followed.content.decode()

    again = client.post(restore_url(project, event), {"next": back})
    assert again.status_code == 400
    assert "This coding exists again already" in again.content.decode()
    assert Coding.objects.count() == 1


def test_restore_from_page_with_htmx_rerenders_the_row(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    client = client_for(members["owner"])
    response = client.post(restore_url(project, event), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="audit-event-{event.pk}"')
    assert "Restored: ‘Subsidies’" in body
    assert "hx-post" not in body  # nothing left to restore
    assert_back(Coding.objects.get(), event)
    again = client.post(restore_url(project, event), headers=HTMX)
    assert again.status_code == 400
    assert "This coding exists again already" in again.content.decode()


def test_restore_ignores_foreign_next(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    response = client_for(members["owner"]).post(
        restore_url(project, event), {"next": "https://evil.example/"}
    )
    assert response["Location"] == page_url(project)


def test_restore_through_api_round_trip(project, members):
    document, code, event = deleted_coding_event(project, members)
    client = api(members["supervisor"])
    url = f"{api_url(project)}{event.pk}/restore/"
    response = client.post(url)
    assert response.status_code == 201
    coding = Coding.objects.get()
    assert_back(coding, event)
    assert response.json() == {
        "id": coding.pk,
        "document": document.pk,
        "code": code.pk,
        "coder": members["coder"].username,
        "start": event.before["start"],
        "end": event.before["end"],
        "text": "subsidies",
        "memo": "Waarom dit?",
    }
    again = client.post(url)
    assert again.status_code == 400
    assert "exists again already" in again.json()["detail"]
    assert Coding.objects.count() == 1


def test_only_deleted_codings_can_be_restored(project, members):
    document = make_document(project=project)
    make_coding(document=document, coder=members["coder"])
    created = last_event(project, entity=Entity.CODING)
    response = api(members["owner"]).post(f"{api_url(project)}{created.pk}/restore/")
    assert response.status_code == 400
    assert "Only a deleted coding can be restored" in response.json()["detail"]
    page = client_for(members["owner"]).post(restore_url(project, created))
    assert page.status_code == 400


def test_restore_refuses_when_document_or_code_is_gone(project, members):
    document, code, event = deleted_coding_event(project, members)
    code_delete(code=code, actor=members["owner"])
    with pytest.raises(ValidationError, match="The code “Subsidies” has been deleted"):
        audit_restore_coding(event=event, actor=members["owner"])
    document_delete(document=document, actor=members["owner"])
    response = api(members["owner"]).post(f"{api_url(project)}{event.pk}/restore/")
    assert response.status_code == 400
    assert (
        f"The document “{document.title}” has been deleted"
        in (response.json()["detail"])
    )
    page = client_for(members["owner"]).get(page_url(project))
    assert "document deleted" in page.content.decode()


def test_restore_refuses_when_text_changed(project, members):
    document, _code, event = deleted_coding_event(project, members)
    document_update(
        document=document, text="I: een heel andere tekst.\n", actor=members["owner"]
    )
    with pytest.raises(ValidationError, match="changed after this coding was deleted"):
        audit_restore_coding(event=event, actor=members["owner"])


def test_rows_describe_merges_memberships_and_deleted_documents(project, members):
    target = make_code(project=project, name="Beleid")
    source = make_code(project=project, name="Visie")
    code_merge(source=source, target=target, actor=members["owner"])
    membership_set(
        project=project,
        username=members["viewer"].username,
        role=Role.CODER,
        actor=members["owner"],
    )
    document = make_document(project=project, title="Weg")
    document_delete(document=document, actor=members["owner"])
    events = audit_events(
        project_id=project.pk, filters=audit_filters(project_id=project.pk, params={})
    )
    summaries = [r.summary for r in audit_rows(project_id=project.pk, events=events)]
    assert "merged ‘Visie’ into ‘Beleid’" in summaries
    assert f"{members['viewer'].username}: role Viewer → Coder" in summaries
    assert "deleted ‘Weg’ with its codings" in summaries
