"""The audit trail read: who may, the page (summaries, filters, paging), the API,
and rows describing merges, memberships and deleted documents."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coding.forms import audit_filters
from coding.models import AuditEvent, Coding, Role
from coding.selectors_audit import audit_events, audit_rows
from coding.services.codebook import code_delete, code_update
from coding.services.codebook_merge import code_merge
from coding.services.codings import coding_delete
from coding.services.documents import document_delete
from coding.services.projects import membership_set
from tests.coding.audit.helpers import (
    api_url,
    deleted_coding_event,
    events_of,
    page_url,
    restore_url,
)
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
)

pytestmark = pytest.mark.django_db


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
    assert api_client_for(user).get(api_url(project)).status_code == status
    if status != 200:
        assert client_for(user).post(restore_url(project, event)).status_code == status
        restore = api_client_for(user).post(f"{api_url(project)}{event.pk}/restore/")
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
    response = api_client_for(members["supervisor"]).post(
        f"{api_url(project)}{event.pk}/restore/"
    )
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
    response = api_client_for(members["supervisor"]).get(api_url(project))
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
    client = api_client_for(members["owner"])

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
    response = api_client_for(members["supervisor"]).get(api_url(project), params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body["errors"]


def test_outsider_username_is_not_a_filter(project, members):
    """A user name from outside the project does not resolve (no user listing)."""
    response = api_client_for(members["supervisor"]).get(
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
    assert "merged ‘Visie’ into ‘Beleid’: 0 codings and 0 sub-codes moved" in summaries
    assert f"{members['viewer'].username}: role Viewer → Coder" in summaries
    assert "deleted ‘Weg’ with its codings" in summaries
