"""The interactive hot paths: how many SQL statements they take, and that the lean
write and read paths give exactly what the serializers and the services gave.

Statement counts are behaviour here (issue 13): a coding is made in one statement
after the permission checks (the code is looked up by that statement too), and
listing a transcript's codings does not grow with their number. No wall time is
asserted.

The counts are what a request sends to PostgreSQL in production (autocommit), not
test-transaction artefacts: nothing on the one-coding paths opens an atomic block
(the session is saved with one ``UPDATE``, ``regie_site.sessions``), so no
``SAVEPOINT``/``RELEASE`` shows up here and no ``BEGIN``/``COMMIT`` there; the
tests check that. A list of codings is all or none by one statement (past 5,000
items, by a transaction). Left out: the frequencies hook's after-commit work. In
the web server it runs on the worker's background thread, not in the request
(``tests/test_background.py``); here it runs at once (no read while this process
queued a run moments ago, else one read; ``tests/analysis``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient

from coding.access import Cap, access_document, access_project
from coding.api.serializers import (
    CodingCreateSerializer,
    CodingSerializer,
    DocumentDetailSerializer,
)
from coding.api.views import _plain_item
from coding.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Coding,
    CodingChange,
    Document,
    Role,
)
from coding.services.audit import snapshot_coding
from coding.services.codings import codings_create_bulk, count_words
from coding.services.documents import case_get_or_create
from coding.services.versions import codebook_freeze
from coding.text_cache import transcript_texts
from coding.views.workbench import Layer, _codings_json
from regie_site.sessions import SessionStore
from tests.conftest import HTMX, added_codings, client_for, page_codings
from tests.factories import (
    make_actor,
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_relation,
    make_user,
)

pytestmark = pytest.mark.django_db

TEXT = "Interviewer: Hoe gaat het met de vzw?\n\n" + "\n\n".join(
    f"Spreker{i % 3}: woord{i} élan café {i}." for i in range(400)
)


def token_client(user) -> APIClient:
    """An API client that authenticates with a real token, as clients do."""
    _row, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def setup(project, members):
    document = make_document(project=project, text=TEXT)
    codes = [make_code(project=project) for _ in range(3)]
    return project, members, document, codes


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The first word of each statement sent (``SAVEPOINT``, ``BEGIN`` would show)."""
    return [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]


def _ships_no_text(statement: str) -> bool:
    """The document is read without its text column (this process kept it)."""
    return 'd."text"' not in statement


def _coder_codings(document, coder, code, count: int, offset: int = 0) -> None:
    for i in range(count):
        start = 40 + 30 * (i + offset)
        Coding.objects.create(
            document=document, code=code, coder=coder, start=start, end=start + 20
        )


def _assigned_coder(setup):
    """The coder, their token client and the codings URL, with the codebook
    frozen and the document assigned (a coding records both)."""
    project, members, document, _codes = setup
    coder = members["coder"]
    codebook_freeze(project=project, name="v1", actor=members["owner"])
    Assignment.objects.create(project=project, document=document, coder=coder)
    return coder, token_client(coder), f"/api/v1/projects/{project.pk}/codings/"


def test_api_create_takes_three_statements(setup):
    project, members, document, codes = setup
    coder, client, url = _assigned_coder(setup)
    access_document(coder, project.pk, document.pk)  # as opening the transcript did
    item = {"document": document.pk, "code": codes[0].pk, "start": 13, "end": 37}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {**item, "memo": " waarom? "}, format="json")
    assert response.status_code == 201, response.json()
    # Token and user, the document with the caller's role, the coding.
    assert _statements(queries) == ["SELECT", "SELECT", "WITH"]
    assert _ships_no_text(queries.captured_queries[1]["sql"])

    coding = Coding.objects.with_text().select_related("coder").get()
    # The answer is exactly the serializer's, extras included.
    assert response.json() == CodingSerializer(coding).data
    assert coding.memo == "waarom?"
    assert coding.word_count == count_words(TEXT[13:37])
    assert coding.codebook_version.name == "v1"
    event = AuditEvent.objects.get(entity="coding", entity_id=coding.pk)
    assert (event.action, event.actor_id, event.coder_id) == (
        "create",
        coder.pk,
        coder.pk,
    )
    assert event.after == snapshot_coding(coding)
    assert CodingChange.objects.filter(project=project, code_id=codes[0].pk).exists()
    assignment = Assignment.objects.get(document=document, coder=coder)
    assert assignment.status == AssignmentStatus.IN_PROGRESS

    again = client.post(url, item, format="json")
    assert again.status_code == 400
    assert "already coded this passage" in str(again.json())
    foreign = make_code(project=make_project())
    for code_id in (foreign.pk, 2**63, -1):
        refused = client.post(url, {**item, "code": code_id}, format="json")
        assert refused.status_code == 400, code_id
        assert f"No code {code_id} in this project." in str(refused.json())
    assert Coding.objects.count() == 1
    assert AuditEvent.objects.filter(entity="coding").count() == 1
    assert CodingChange.objects.count() == 1


def test_a_transcript_is_read_once_then_only_its_row_version(setup):
    project, members, document, codes = setup
    coder = members["coder"]
    with CaptureQueriesContext(connection) as queries:
        access, first = access_document(coder, project.pk, document.pk, need=Cap.CODE)
        again = access_document(coder, project.pk, document.pk, need=Cap.CODE)[1]
    cold, warm = (q["sql"] for q in queries.captured_queries)
    assert not _ships_no_text(cold)
    assert _ships_no_text(warm)
    assert (access.role, first.text, again.text) == ("coder", TEXT, TEXT)
    assert again.get_deferred_fields() == set()
    assert (again.length, again.title) == (len(TEXT), document.title)
    # Any change to the row makes a new version (in this transaction too): the
    # text is read again, by a second statement.
    Document.objects.filter(pk=document.pk).update(text=TEXT.upper())
    with CaptureQueriesContext(connection) as queries:
        changed = access_document(coder, project.pk, document.pk)[1]
    assert changed.text == TEXT.upper()
    assert len(queries) == 2
    assert not _ships_no_text(queries[1]["sql"])
    Document.objects.filter(pk=document.pk).update(title="Andere titel")
    assert access_document(coder, project.pk, document.pk)[1].text == TEXT.upper()
    # The kept text opens no gate: the same 404 and 403 as before.
    with pytest.raises(Http404):
        access_document(members["outsider"], project.pk, document.pk)
    with pytest.raises(Http404):
        access_document(coder, make_project().pk, document.pk)
    with pytest.raises(PermissionDenied):
        access_document(members["viewer"], project.pk, document.pk, need=Cap.CODE)


def test_without_a_text_cache_every_read_ships_the_text(setup, settings):
    project, members, document, _codes = setup
    settings.REGIE_TEXT_CACHE_CHARS = 0
    transcript_texts.cache_clear()
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(2):
                read = access_document(members["coder"], project.pk, document.pk)[1]
                assert read.text == TEXT
        assert not any(_ships_no_text(q["sql"]) for q in queries.captured_queries)
    finally:
        transcript_texts.cache_clear()


@pytest.mark.parametrize(
    "item",
    [
        {"document": 3, "code": 7, "start": 0, "end": 12},
        {"end": 2, "start": -1, "code": 2**63 - 1, "document": 1},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": " waarom?\n "},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": "   "},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": "Café 🏠 “x”"},
    ],
)
def test_a_plain_item_is_what_the_serializer_makes_of_it(item):
    serializer = CodingCreateSerializer(data=item)
    assert serializer.is_valid(), serializer.errors
    assert _plain_item(item) == dict(serializer.validated_data)


@pytest.mark.parametrize(
    "item",
    [
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": 5},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": None},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": "a\x00b"},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": "a\ud800b"},
        {"document": 3, "code": 7, "start": 0, "end": 12, "memo": "x", "extra": 1},
        {"document": "3", "code": 7, "start": 0, "end": 12},
        {"document": 3, "code": 7, "start": True, "end": 12},
        {"document": 3, "code": 7, "start": 0, "end": 12.0},
        {"document": 3, "code": 7, "start": 0, "end": 2**64},
        {"document": 3, "start": 0, "end": 12, "flow": "material"},
        {"document": 3, "code": 7, "start": 0},
        [{"document": 3, "code": 7, "start": 0, "end": 12}],
    ],
)
def test_anything_else_goes_to_the_serializer(item):
    assert _plain_item(item) is None


def test_api_list_create_writes_in_one_statement(setup):
    project, members, document, codes = setup
    coder, client, url = _assigned_coder(setup)
    # One highlight with three codes, as a coding script sends it.
    items = [
        {"document": document.pk, "code": code.pk, "start": 13, "end": 37}
        for code in codes
    ]
    items[1]["memo"] = " twee "
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, items, format="json")
    assert response.status_code == 201, response.json()
    # Token, the document with the caller's role, the codes; then one statement
    # looks the items up among the coder's codings and writes everything.
    assert _statements(queries) == ["SELECT", "SELECT", "SELECT", "WITH"]
    made = Coding.objects.with_text().select_related("coder").order_by("id")
    assert response.json() == CodingSerializer(made, many=True).data
    assert [c.code_id for c in made] == [code.pk for code in codes]
    assert made[1].memo == "twee"
    assert {c.codebook_version.name for c in made} == {"v1"}
    assert {c.word_count for c in made} == {count_words(TEXT[13:37])}
    for coding in made:
        event = AuditEvent.objects.get(entity="coding", entity_id=coding.pk)
        assert (event.action, event.actor_id) == ("create", coder.pk)
        assert event.after == snapshot_coding(coding)
    assert set(CodingChange.objects.values_list("code_id", flat=True)) == {
        code.pk for code in codes
    }
    assignment = Assignment.objects.get(document=document, coder=coder)
    assert assignment.status == AssignmentStatus.IN_PROGRESS

    # All or none: one item coded already refuses the list, naming it.
    again = [items[0], {**items[1], "start": 40, "end": 50}]
    refused = client.post(url, again, format="json")
    assert refused.status_code == 400
    assert "Item 0: You have already coded this passage" in str(refused.json())
    assert Coding.objects.count() == 3


def test_htmx_create_statements_and_trimming(setup):
    project, members, document, codes = setup
    coder = members["coder"]
    client = client_for(coder)
    client.get(f"/p/{project.pk}/d/{document.pk}/")  # a session and the text kept
    url = f"/p/{project.pk}/d/{document.pk}/apply/"
    # As the page sends it: the layers shown (the coder's own).
    item = {"code": codes[1].pk, "start": 12, "end": 22, "layers": coder.pk}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, item, headers=HTMX)
    assert response.status_code == 200
    assert f"Coded with “{codes[1].name}”." in response.text
    # Session, user, the document with the membership, the coding (code looked up
    # in it), the undo stack saved in the session. The new coding comes alone:
    # the page has the others.
    assert _statements(queries) == ["SELECT", "SELECT", "SELECT", "WITH", "UPDATE"]
    assert _ships_no_text(queries.captured_queries[2]["sql"])
    coding = Coding.objects.get()
    assert TEXT[coding.start : coding.end] == TEXT[12:22].strip()
    assert 'id="codings-data"' not in response.text
    assert added_codings(response.text) == [
        [coding.pk, coding.start, coding.end, codes[1].pk, coder.pk, ""]
    ]
    # A supervisor showing a coder's layer with their own: the whole list.
    supervisor = members["supervisor"]
    layers = f"{supervisor.pk},{coder.pk}"
    both = client_for(supervisor).post(
        url, {**item, "start": 40, "end": 50, "layers": layers}, headers=HTMX
    )
    assert both.status_code == 200
    assert "codings-added" not in both.text
    assert [row[0] for row in page_codings(both.text)] == list(
        Coding.objects.order_by("start").values_list("pk", flat=True)
    )
    Coding.objects.filter(coder=supervisor).delete()

    # Refusals stay distinct: a code of another project, then a duplicate.
    foreign = make_code(project=make_project())
    refused = client.post(url, {**item, "code": foreign.pk}, headers=HTMX)
    assert refused.status_code == 400
    assert "Choose a code of this project." in refused.text
    again = client.post(url, item, headers=HTMX)
    assert again.status_code == 400
    assert "already coded this passage" in again.text
    assert Coding.objects.count() == 1


def test_codings_of_a_document_in_constant_statements(setup):
    project, members, document, codes = setup
    coder, other = members["coder"], members["coder2"]
    client = token_client(coder)
    url = f"/api/v1/projects/{project.pk}/codings/?document={document.pk}"

    def listed() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.json()["results"]

    _coder_codings(document, coder, codes[0], 3)
    few, _rows = listed()
    _coder_codings(document, coder, codes[1], 40, offset=3)
    _coder_codings(document, other, codes[1], 5)  # blind: never listed
    many, rows = listed()
    # Token, the document with the caller's role, the codings: no COUNT while one
    # page holds all.
    assert few == many == 3
    expected = CodingSerializer(
        Coding.objects.filter(coder=coder)
        .select_related("coder")
        .with_text()
        .order_by("document_id", "start", "end", "id"),
        many=True,
    ).data
    assert rows == expected
    assert {row["coder"] for row in rows} == {coder.username}
    # The document itself, turns as plain rows: still the serializer's shape, its
    # case and importer included.
    document.case = case_get_or_create(project=project, label="R3 (stafmedewerker)")
    document.save(update_fields=["case"])
    detail = client.get(f"/api/v1/projects/{project.pk}/documents/{document.pk}/")
    assert detail.json() == DocumentDetailSerializer(document).data
    assert detail.json()["case_label"] == "R3 (stafmedewerker)"
    assert detail.json()["imported_by"] == members["owner"].username
    assert len(detail.json()["turns"]) > 1


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize("consensus", ["none", "hidden", "published"])
def test_a_transcripts_codings_are_the_general_lists_for_every_scope(blind, consensus):
    """``?document=`` alone is read by a statement compiled once per scope shape;
    it lists exactly what the general path (here: asked for ``page=1``) lists,
    for every role, blind or shared, with the consensus layer hidden or shown, a
    relation coding (an app's extra) among them."""
    project = make_project(blind=blind)
    users = {"owner": project.memberships.get().user}
    for role in (Role.SUPERVISOR, Role.CODER, Role.VIEWER):
        users[role.value] = make_user()
        make_membership(project=project, user=users[role.value], role=role)
    document = make_document(project=project, text=TEXT)
    code = make_code(project=project)
    coders = [users["coder"], users["supervisor"]]
    if consensus != "none":
        project.consensus_user = make_user()
        project.consensus_published = consensus == "published"
        project.save()
        coders.append(project.consensus_user)
    for i, coder in enumerate(coders):
        make_coding(document=document, code=code, coder=coder, start=i, end=i + 9)
    make_relation(
        document=document,
        source=make_actor(project=project),
        target=make_actor(project=project),
        coder=users["coder"],
        start=40,
        end=52,
    )
    other = make_document(project=make_project(), text=TEXT)
    for user in users.values():
        client = token_client(user)
        url = f"/api/v1/projects/{project.pk}/codings/?document={document.pk}"
        fast, general = client.get(url), client.get(f"{url}&page=1")
        assert fast.status_code == general.status_code == 200
        assert fast.json() == general.json(), user
        # Another project's document: an empty page, as before.
        foreign = client.get(
            f"/api/v1/projects/{project.pk}/codings/?document={other.pk}"
        )
        assert foreign.json() == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }
    seen = {
        role: {
            row["coder"] for row in token_client(users[role]).get(url).json()["results"]
        }
        for role in ("coder", "supervisor", "viewer")
    }
    if blind:
        assert users["coder"].username in seen["coder"]
        assert users["supervisor"].username not in seen["coder"]
    outsider = token_client(make_user()).get(url)
    assert outsider.status_code == 404


def test_a_bad_document_parameter_is_refused_after_the_membership_check(setup):
    project, members, document, codes = setup
    url = f"/api/v1/projects/{project.pk}/codings/?document=abc"
    assert token_client(members["outsider"]).get(url).status_code == 404
    refused = token_client(members["coder"]).get(url)
    assert refused.status_code == 400
    assert "“abc” is not a number." in str(refused.json())


def test_a_transcript_longer_than_a_page_pages_on(setup):
    project, members, document, codes = setup
    coder = members["coder"]
    Coding.objects.bulk_create(
        Coding(document=document, code=codes[0], coder=coder, start=i, end=i + 1)
        for i in range(1001)
    )
    url = f"/api/v1/projects/{project.pk}/codings/?document={document.pk}"
    first = token_client(coder).get(url).json()
    assert (first["count"], len(first["results"])) == (1001, 1000)
    assert first["next"] is not None


def test_a_transcripts_codings_come_in_one_page_and_longer_lists_page_on(setup):
    project, members, document, codes = setup
    coder = members["coder"]
    client = token_client(coder)
    _coder_codings(document, coder, codes[0], 120)
    base = f"/api/v1/projects/{project.pk}/codings/"
    whole = client.get(f"{base}?document={document.pk}").json()
    assert (whole["count"], len(whole["results"]), whole["next"]) == (120, 120, None)
    # The project's list keeps 100 a page; a first page that is not the last is
    # counted (one more statement), and its next page follows.
    first = client.get(base).json()
    assert (first["count"], len(first["results"])) == (120, 100)
    second = client.get(first["next"]).json()
    assert (second["count"], len(second["results"]), second["next"]) == (120, 20, None)
    assert second["previous"] is not None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [row["id"] for row in whole["results"]]
    small = client.get(f"{base}?document={document.pk}&page_size=50").json()
    assert (small["count"], len(small["results"])) == (120, 50)
    assert small["next"] is not None
    wide = client.get(f"{base}?document={document.pk}&page_size=500").json()
    assert wide == whole


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_hot_statements_are_prepared_once_per_connection(setup):
    project, members, document, codes = setup
    client = token_client(members["coder"])
    url = f"/api/v1/projects/{project.pk}/codings/"
    for start in (10, 50, 90):
        item = {"document": document.pk, "code": codes[0].pk, "start": start}
        response = client.post(url, {**item, "end": start + 20}, format="json")
        assert response.status_code == 201
    prepared = _prepared()
    # The token, the coding: once each; the document with the caller's role
    # twice, read first with its text, then without (this process kept it).
    for table, count in (("knox_authtoken", 1), ('LEFT JOIN "coding_membership" m', 2)):
        assert sum(table in statement for statement in prepared) == count, table
    assert sum(s.lstrip().startswith("WITH code AS") for s in prepared) == 1


def test_without_prepared_statements_the_hot_paths_still_work(setup):
    project, members, document, codes = setup
    connection.ensure_connection()
    raw = connection.connection
    before = _prepared()
    threshold, raw.prepare_threshold = raw.prepare_threshold, None  # REGIE_DB_PREPARE=0
    try:
        response = token_client(members["coder"]).post(
            f"/api/v1/projects/{project.pk}/codings/",
            {"document": document.pk, "code": codes[0].pk, "start": 5, "end": 25},
            format="json",
        )
        assert _prepared() == before
    finally:
        raw.prepare_threshold = threshold
    assert response.status_code == 201


@pytest.mark.parametrize(
    "zone", ["Europe/Brussels", "UTC", "America/St_Johns", "Asia/Kolkata"]
)
def test_times_formatted_by_postgresql_are_the_serializers(zone):
    field = DateTimeField()
    moments = [
        dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),  # before DST
        dt.datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=dt.UTC),  # after
        dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(1999, 12, 31, 23, 30, 5, 120000, tzinfo=dt.UTC),
    ]
    with timezone.override(zone), connection.cursor() as cursor:
        for moment in moments:
            cursor.execute("SELECT regie_iso8601(%s, %s)", [moment, zone])
            assert cursor.fetchone()[0] == field.to_representation(moment)


@pytest.mark.parametrize("project_id", ["7x", 0, -3, 2**63, True])
def test_ids_that_name_no_row_are_a_404(project_id, members):
    with pytest.raises(Http404):
        access_project(members["owner"], project_id)


def test_document_page_statements_do_not_grow(setup):
    project, members, document, codes = setup
    coder = members["coder"]
    client = client_for(coder)
    url = f"/p/{project.pk}/d/{document.pk}/"
    client.get(url)

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _coder_codings(document, coder, codes[0], 2)
    few = counted()
    _coder_codings(document, coder, codes[2], 60, offset=2)
    assert counted() == few <= 10


def test_session_saved_in_one_update_and_refused_once_gone():
    store = SessionStore()
    store["undo-1"] = [{"kind": "created", "id": 1}]
    store.create()
    store["undo-1"] = []
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert _statements(queries) == ["UPDATE"]
    assert SessionStore(store.session_key).load() == {"undo-1": []}
    store.delete()
    store["undo-1"] = [{"kind": "created", "id": 2}]
    with pytest.raises(UpdateError):
        store.save()


def test_an_empty_list_of_specs_writes_nothing(setup):
    _project, members, _document, _codes = setup
    with CaptureQueriesContext(connection) as queries:
        assert codings_create_bulk(specs=[], coder=members["coder"]) == []
    assert _statements(queries) == []


@pytest.mark.parametrize(
    "table", ["coding_coding", "coding_auditevent", "coding_codingchange"]
)
def test_the_coding_writes_tables_carry_no_covered_index(table):
    """Every coding writes every index of these tables: none may repeat what
    another (non-partial) index leading with the same columns already gives."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indkey::text, i.indisunique FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indpred IS NULL",
            [table],
        )
        indexes = [(name, keys.split(), unique) for name, keys, unique in cursor]
    for name, keys, unique in indexes:
        covering = [
            other
            for other, other_keys, _unique in indexes
            if other != name and other_keys[: len(keys)] == keys
        ]
        assert unique or not covering, f"{name} is covered by {covering}"


def test_the_pages_codings_json_is_the_same_by_either_query(setup):
    """One's own layer (prepared statement) and any other choice of layers (the
    ORM's query) give the same JSON, made by PostgreSQL, safe inside a script."""
    project, members, document, codes = setup
    coder, supervisor = members["coder"], members["supervisor"]
    make_coding(document=document, code=codes[0], coder=coder, start=40, end=60)
    make_coding(
        document=document,
        code=codes[1],
        coder=coder,
        start=40,
        end=70,
        memo="Zie </script><b>hier</b> & “daar”",
    )
    make_coding(document=document, code=codes[2], coder=coder, start=5, end=9)
    access = access_project(coder, project.pk)
    own = [Layer(coder.pk, coder.username, "#000", True)]
    mine = _codings_json(access, document, own)
    seen = _codings_json(
        access_project(supervisor, project.pk),
        document,
        [Layer(coder.pk, coder.username, "#000", True)],
    )
    assert "</" not in mine
    assert "&" not in mine
    assert json.loads(mine) == json.loads(seen)
    rows = json.loads(mine)
    assert [row[1:3] for row in rows] == [[5, 9], [40, 70], [40, 60]]
    assert rows[1][5] == "Zie </script><b>hier</b> & “daar”"
    assert rows[0][3:5] == [codes[2].pk, coder.pk]
    empty = make_document(project=project, text="Leeg.")
    assert json.loads(_codings_json(access, empty, own)) == []


def test_sessions_live_in_an_unlogged_table():
    """Saving a session (the page's undo stack, on every coding) does not wait
    for the log to reach the disk (migration 0018)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = 'django_session'"
        )
        assert cursor.fetchone() == ("u",)


def _a_statement_waits_for_a_lock() -> bool:
    """Whether some backend waits for a lock (``pg_locks`` is live, no snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_list_racing_another_request_for_a_passage_is_refused_whole(project, members):
    """Another request of the coder writes one of the list's codings and commits
    only once the list's statement waits for that row: the list is refused as
    a whole, with the duplicate's message, and nothing of it is written."""
    document = make_document(project=project, text=TEXT)
    codes = [make_code(project=project) for _ in range(3)]
    coder = members["coder"]
    client = token_client(coder)
    items = [
        {"document": document.pk, "code": code.pk, "start": 13, "end": 37}
        for code in codes
    ]
    holding, problems = threading.Event(), []

    def other_request() -> None:
        try:
            with transaction.atomic():
                Coding.objects.create(
                    document=document, code=codes[1], coder=coder, start=13, end=37
                )
                holding.set()
                deadline = time.monotonic() + 30
                while not _a_statement_waits_for_a_lock():
                    assert time.monotonic() < deadline, "the list never waited"
                    time.sleep(0.01)
        except Exception as error:  # reported below, from the test's thread
            problems.append(error)
            holding.set()
        finally:
            connection.close()

    other = threading.Thread(target=other_request)
    other.start()
    assert holding.wait(30)
    response = client.post(
        f"/api/v1/projects/{project.pk}/codings/", items, format="json"
    )
    other.join(30)
    assert problems == []
    assert response.status_code == 400, response.json()
    assert "already coded this passage" in str(response.json())
    assert list(Coding.objects.values_list("code_id", flat=True)) == [codes[1].pk]
    assert not AuditEvent.objects.filter(entity="coding").exists()
    assert not CodingChange.objects.exists()
