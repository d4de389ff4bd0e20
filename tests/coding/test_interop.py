"""Exports and interoperability: Excel, cases and code × document CSV, REFI-QDA
project and codebook import/export, full backup and restore, pages, API, commands.

REFI-QDA fixtures live in ``tests/fixtures/refi/`` (see ``make_fixtures.py``); the
XSDs are loaded from ``$REFI_QDA_SCHEMAS`` (default ``shared/refi-qda`` beside the
checkout), never copied into the repository.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import resolve, reverse
from lxml import etree
from rest_framework.test import APIClient

from agreement.models import AgreementSettings
from coding.demo.loader import demo_load
from coding.exports import segment_header
from coding.models import (
    AuditEvent,
    AutoCodeRun,
    Case,
    Code,
    Coding,
    Document,
    ExportJob,
    Membership,
    PendingImport,
    Project,
    ProjectStopWords,
    Role,
)
from coding.refi import read_qdc, read_qdpx
from coding.segments import attribute_names
from coding.services import backup as backup_service
from coding.services.backup import (
    NOT_BACKED_UP,
    USER,
    _translate_embedded,
    backup_tables,
    backup_write,
)
from coding.services.codebook import code_delete
from coding.services.codings import coding_delete
from coding.services.interop import (
    import_preview,
    project_file_preview,
    project_import_file,
    project_import_refi,
    read_project_file,
)
from coding.services.team import adjudicate, consensus_publish
from coding.xlsx import CELL_LIMIT, Sheet, write_xlsx
from tests.conftest import client_for
from tests.factories import (
    make_case,
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "refi"
SCHEMAS = Path(
    os.environ.get("REFI_QDA_SCHEMAS")
    or Path(__file__).resolve().parents[3] / "shared" / "refi-qda"
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@functools.cache
def _load_schema(name: str) -> etree.XMLSchema | None:
    path = SCHEMAS / name
    if not path.exists():
        return None
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(xml: bytes, name: str) -> None:
    """``xml`` validates against the official XSD ``name``."""
    xsd = _load_schema(name)
    if xsd is None:
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMAS / name} is missing in CI")
        pytest.skip(f"{SCHEMAS / name} not available; set REFI_QDA_SCHEMAS")
    assert xsd.validate(etree.fromstring(xml)), str(xsd.error_log)


def qde_of(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("project.qde")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response, delimiter=","):
    text = body(response).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def row_counts() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "users": User.objects.count(),
        "documents": Document.objects.count(),
        "codes": Code.objects.count(),
        "codings": Coding.objects.count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.fixture(autouse=True)
def _remove_written_files():
    """Export files and kept uploads under REGIE_VAR_DIR/interop go after each test
    (the database rows are rolled back, the files would stay)."""
    root = Path(settings.VAR_DIR) / "interop"
    before = set(root.rglob("*")) if root.exists() else set()
    yield
    if root.exists():
        for path in sorted(set(root.rglob("*")) - before, reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


@pytest.fixture
def coded(project, members):
    """Two coders' codings, a case with attributes, a long and a formula memo."""
    case = make_case(project=project, label="R01", niveau="middenveld")
    document = make_document(project=project, case=case, title="Interview J@M")
    parent = make_code(project=project, name="Beleidsinstrumenten")
    code = make_code(project=project, name="Subsidies", parent=parent)
    start = document.text.index("De stad geeft")
    mine = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 13,
        memo="=SOM(A1)",
    )
    theirs = make_coding(
        document=document,
        code=parent,
        coder=members["coder2"],
        start=0,
        end=11,
        memo="x" * 40_000,
    )
    return document, code, mine, theirs


# ---------------------------------------------------------------------------
# Importing what real tools write
# ---------------------------------------------------------------------------

# The passages each tool showed (see tests/coding/test_refi.py), per source; a
# selection with two codes gives two codings of the same passage.
RUST = "Rust 🌱. Na een dag op kantoor wil ik mijn handen in de aarde."
EXPECTED_PASSAGES = {
    "nvivo12_windows.qdpx": [
        [
            "Ik had het gevoel dat ik 😅 alles tegelijk moest leren.",
            "Zij namen de tijd om uit te leggen hoe het rooster werkt, en dat voelde "
            "als een warm bad 🛁.",
            "“Neem je tijd, meisje.”",
            # "Die waren geduldig." was coded with a case only: the source's case.
        ],
        [
            "We hebben tien minuten en dan moet het klaar zijn.",
            "Meestal niet.",
            "Vooral in het weekend is het druk.",
        ],
    ],
    "atlasti.qdpx": [
        [
            "Meestal cola, eerlijk gezegd 🥤.",
            "Dan maak ik pannenkoeken met mijn dochter. Zij strooit overal suiker op, "
            "het wordt één grote knoeiboel, maar dat is juist het leuke ervan.",
        ]
    ],
    "maxqda.qdpx": [
        [
            "Mijn vader woont drie straten verderop en ik ga elke ochtend even langs.",
            "Begripvol, gelukkig. Ik mag later beginnen als het nodig is.",
            "Vooral mijn zoon merkt dat, hij is pas zes.",
            "Dat schiet er weleens bij in.",  # a memo without a code
        ]
    ],
    "qualcoder.qdpx": [
        [
            RUST,
            RUST,
            "Marijke deelt altijd haar zaden, en ik help haar met de composthoop. "
            "Zo’n ruil voelt eerlijk.",
        ]
    ],
    "quirk_bom.qdpx": [["naar huis"], ["open."]],
    "quirk_paths.qdpx": [["Ik werk hier"], ["vijf jaar"], ["we lachen veel"]],
    "quirk_qde_name.qdpx": [["Het team is hecht"]],
    "quirk_inline_text.qde": [["geen apart bestand"]],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PASSAGES))
def test_every_coding_selects_exactly_the_passage_the_tool_showed(name):
    """After import, document.text[start:end] is each passage the other tool showed."""
    owner = make_user()
    data = fixture(name)
    result = project_import_file(data=data, filename=name, owner=owner)
    documents = list(Document.objects.filter(project=result.project).order_by("pk"))
    assert len(documents) == len(EXPECTED_PASSAGES[name])
    for document, expected in zip(documents, EXPECTED_PASSAGES[name], strict=True):
        codings = Coding.objects.filter(document=document)
        assert {document.text[c.start : c.end] for c in codings} == set(expected)
        assert document.length == len(document.text)
    # And exactly what the reader made of the file, source by source.
    refi = read_project_file(data, name)
    sources = [s for s in refi.sources if s.text.strip()]
    for source, document in zip(sources, documents, strict=True):
        assert document.text == source.text
        wanted = Counter(
            (s.start, s.end)
            for s in source.selections
            for _ in range(len(s.codings) or int(bool(s.description or s.notes)))
        )
        got = Counter(
            Coding.objects.filter(document=document).values_list("start", "end")
        )
        assert got == wanted


def test_an_upload_cannot_put_codings_on_a_strangers_account():
    """User names in an uploaded file match only the importer's teammates; a
    stranger's name becomes a placeholder account. The command line matches all."""
    owner = make_user(username="importer")
    stranger = make_user(username="Coder")  # shares no project with the importer
    project = project_import_file(
        data=fixture("nvivo12_windows.qdpx"), filename="n.qdpx", owner=owner
    ).project
    members = dict(project.memberships.values_list("user__username", "role"))
    assert members == {"importer": Role.OWNER, "Coder-2": Role.CODER}
    assert not project.memberships.filter(user=stranger).exists()
    assert not Coding.objects.filter(coder=stranger).exists()
    trusted = project_import_file(
        data=fixture("nvivo12_windows.qdpx"),
        filename="n.qdpx",
        owner=owner,
        trusted=True,
    ).project
    assert trusted.memberships.filter(user=stranger).exists()


def test_nvivo_import_maps_users_codes_cases_and_notes():
    """Existing users by name; the importer owns; codes, colours, cases, notes."""
    owner = make_user(username="importer")
    coder = make_user(username="Coder")  # NVivo's user is called "Coder"
    team = make_project(owner=owner)  # a teammate: the file may name them
    make_membership(project=team, user=coder, role=Role.CODER)
    result = project_import_file(
        data=fixture("nvivo12_windows.qdpx"), filename="n.qdpx", owner=owner
    )
    project = result.project
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {"importer": Role.OWNER, "Coder": Role.CODER}
    assert set(
        Coding.objects.filter(document__project=project).values_list(
            "coder_id", flat=True
        )
    ) == {coder.pk}
    tree = {
        (c.name, c.parent.name if c.parent else None)
        for c in Code.objects.filter(project=project)
    }
    assert ("Tijdsdruk", "Werkdruk") in tree
    assert ("Patiënten", "Steun") in tree
    case = Case.objects.get(project=project)
    assert case.label == "Respondent 1"
    assert case.attributes == {"Leeftijd": "24", "Functie": "Verpleegkundige"}
    first = Document.objects.filter(project=project).order_by("pk").first()
    assert first.case == case
    assert first.turns.exists()  # speaker turns detected as for any import
    assert "Eerste indruk: veel steun" in project.description
    # Every created row is in the audit trail, as made by the importer.
    events = AuditEvent.objects.filter(project=project)
    assert (
        events.filter(entity="coding").count()
        == Coding.objects.filter(document__project=project).count()
    )
    assert set(events.values_list("actor_id", flat=True)) == {owner.pk}


def test_unknown_users_become_inactive_placeholder_coders():
    owner = make_user()
    result = project_import_file(
        data=fixture("atlasti.qdpx"), filename="a.qdpx", owner=owner
    )
    placeholders = User.objects.filter(
        memberships__project=result.project, memberships__role=Role.CODER
    )
    assert placeholders.count() == 2
    for user in placeholders:
        assert not user.is_active
        assert not user.has_usable_password()
    coders = set(
        Coding.objects.filter(document__project=result.project).values_list(
            "coder__username", flat=True
        )
    )
    assert coders <= set(placeholders.values_list("username", flat=True))
    # Importing the same file again maps to the same placeholder accounts.
    before = User.objects.count()
    project_import_file(data=fixture("atlasti.qdpx"), filename="a.qdpx", owner=owner)
    assert User.objects.count() == before


def test_maxqda_source_variables_and_memo_without_code():
    owner = make_user()
    result = project_import_file(
        data=fixture("maxqda.qdpx"), filename="m.qdpx", owner=owner
    )
    case = Case.objects.get(project=result.project)
    assert case.label == "Interview Anna"
    assert case.attributes["Toestemming"] == "true"
    assert case.attributes["Datum interview"] == "2020-09-14"
    memo = Coding.objects.get(
        document__project=result.project, code__name="Memo (imported)"
    )
    assert memo.memo == "Schuldgevoel? Doorvragen in het tweede interview."
    assert any("memo but no code" in w for w in result.warnings)


def test_sets_and_skipped_sources_are_reported():
    owner = make_user()
    result = project_import_file(
        data=fixture("atlasti.qdpx"), filename="a.qdpx", owner=owner
    )
    assert any("Regie has no sets" in w and "Ontbijtspul" in w for w in result.warnings)
    assert any("picture source" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is no zip", "it should be a ZIP archive"),
        (b"", "it should be a ZIP archive"),
        (b"PK\x03\x04broken", "ZIP archive"),
    ],
)
def test_bad_files_answer_400_with_the_readers_message_and_write_nothing(data, message):
    user = make_user()
    before = row_counts()
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(data)},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert row_counts() == before


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_without_project_and_a_damaged_project_write_nothing():
    user = make_user()
    before = row_counts()
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip({"notes.txt": b"hi"}))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "contains no project document (.qde)" in response.json()["detail"]
    outside = (
        b'<Project xmlns="urn:QDA-XML:project:1.0" name="P"><CodeBook><Codes>'
        b'<Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true"/>'
        b"</Codes></CodeBook><Sources><TextSource guid="
        b'"00000000-0000-4000-8000-000000000002" name="T" plainTextPath="internal://t.txt">'
        b'<PlainTextSelection guid="00000000-0000-4000-8000-000000000003" '
        b'startPosition="5" endPosition="500"><Coding guid="00000000-0000-4000-8000-'
        b'000000000004"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/>'
        b"</Coding></PlainTextSelection></TextSource></Sources></Project>"
    )
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip({"project.qde": outside, "sources/t.txt": b"kort"}))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "outside its text" in response.json()["detail"]
    assert row_counts() == before


def test_a_failure_halfway_leaves_nothing_behind(monkeypatch):
    """One transaction: if writing the codings fails, no project, user or code stays."""
    owner = make_user()
    before = row_counts()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Coding.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        project_import_file(
            data=fixture("atlasti.qdpx"), filename="a.qdpx", owner=owner
        )
    assert row_counts() == before


# ---------------------------------------------------------------------------
# The import page: upload → preview → confirm or cancel
# ---------------------------------------------------------------------------


def test_import_preview_shows_counts_and_warnings_before_anything_is_written():
    user = make_user()
    client = client_for(user)
    before = row_counts()
    response = client.post(
        reverse("interop:project_import"),
        {"file": io.BytesIO(fixture("nvivo12_windows.qdpx")), "name": ""},
    )
    assert response.status_code == 302
    pending = PendingImport.objects.get(uploaded_by=user)
    assert response["Location"] == reverse(
        "interop:project_import_preview", args=[pending.pk]
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "text sources (documents)" in html
    assert pending.summary["counts"]["sources"] == 2
    assert pending.summary["counts"]["codings"] == 6
    assert "UTF-16 code units with Windows line breaks (NVivo for Windows)" in html
    assert "passages coded with a case were imported as the whole source" in html
    assert "a new placeholder account" in html
    assert row_counts() == before  # nothing imported yet
    # Someone else cannot see or confirm it.
    other = client_for(make_user())
    assert other.get(response["Location"]).status_code == 404
    assert (
        other.post(
            reverse("interop:project_import_confirm", args=[pending.pk])
        ).status_code
        == 404
    )
    response = client.post(
        reverse("interop:project_import_confirm", args=[pending.pk]),
        {"name": "Verpleging"},
    )
    project = Project.objects.get(name="Verpleging")
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert Coding.objects.filter(document__project=project).count() == 6
    assert not PendingImport.objects.filter(pk=pending.pk).exists()
    assert not pending.file.storage.exists(pending.file.name)


def test_import_preview_lists_counts_in_a_fixed_order_without_empty_extras():
    user = make_user()
    client = client_for(user)
    response = client.post(
        reverse("interop:project_import"), {"file": io.BytesIO(fixture("maxqda.qdpx"))}
    )
    html = client.get(response["Location"]).content.decode()
    labels = ["text sources (documents)", "codes", "codings", "users", "case variables"]
    positions = [html.index(f'<th scope="row">{label}</th>') for label in labels]
    assert positions == sorted(positions)
    # Neither sets nor notes in this file: those rows are left out.
    assert "sets (not imported)" not in html
    assert '<th scope="row">notes</th>' not in html
    assert "They become coders of the new project" in html


def test_import_cancel_deletes_the_upload():
    user = make_user()
    client = client_for(user)
    client.post(
        reverse("interop:project_import"),
        {"file": io.BytesIO(fixture("atlasti.qdpx"))},
    )
    pending = PendingImport.objects.get(uploaded_by=user)
    name = pending.file.name
    assert pending.file.storage.exists(name)
    before = row_counts()
    response = client.post(reverse("interop:project_import_cancel", args=[pending.pk]))
    assert response.status_code == 302
    assert not PendingImport.objects.exists()
    assert not pending.file.storage.exists(name)
    assert row_counts() == before


def test_import_page_refuses_bad_files_readably():
    client = client_for(make_user())
    assert client.get(reverse("interop:project_import")).status_code == 200
    response = client.post(
        reverse("interop:project_import"), {"file": io.BytesIO(b"nope")}
    )
    assert response.status_code == 400
    assert "it should be a ZIP archive" in response.content.decode()
    assert not PendingImport.objects.exists()
    response = client.post(reverse("interop:project_import"), {})
    assert response.status_code == 400


def test_import_page_limits_the_upload_size(settings):
    settings.REGIE_MAX_UPLOAD_REQUEST_BYTES = 100
    response = client_for(make_user()).post(
        reverse("interop:project_import"),
        {"file": io.BytesIO(fixture("atlasti.qdpx"))},
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    user = make_user()
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(fixture("atlasti.qdpx"))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


def test_project_list_links_to_the_import_page(members):
    html = client_for(members["coder"]).get(reverse("coding:project_list")).content
    assert reverse("interop:project_import").encode() in html


# ---------------------------------------------------------------------------
# REFI-QDA export: valid against the XSDs, and read back the same
# ---------------------------------------------------------------------------


@pytest.fixture
def demo():
    return demo_load().project


def test_project_export_validates_and_reads_back_the_same(demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    response = api(owner).get(f"/api/v1/projects/{demo.pk}/export/project.qdpx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = body(response)
    assert_valid(qde_of(data), "Project.xsd")
    refi = read_qdpx(data)
    assert refi.origin.startswith("Regie")
    # Importing our own export gives the same texts, codebook and codings.
    copy = project_import_refi(refi=refi, owner=owner).project

    def codings(project):
        return Counter(
            (c.document.title, c.code.name, c.coder.username, c.start, c.end, c.memo)
            for c in Coding.objects.filter(document__project=project).select_related(
                "document", "code", "coder"
            )
        )

    assert codings(copy) == codings(demo)
    assert {d.title: d.text for d in Document.objects.filter(project=copy)} == {
        d.title: d.text for d in Document.objects.filter(project=demo)
    }
    tree = lambda p: {  # noqa: E731
        (c.name, c.parent.name if c.parent else "", c.color, c.description)
        for c in Code.objects.filter(project=p).select_related("parent")
    }
    assert tree(copy) == tree(demo)
    assert {
        (c.label, tuple(sorted(c.attributes.items())))
        for c in Case.objects.filter(project=copy)
    } == {
        (c.label, tuple(sorted((k, str(v)) for k, v in c.attributes.items())))
        for c in Case.objects.filter(project=demo)
    }


def test_codebook_export_validates_and_reimports(demo, members):
    user = demo.memberships.get(role=Role.OWNER).user
    response = api(user).get(f"/api/v1/projects/{demo.pk}/export/codebook.qdc")
    assert response.status_code == 200
    data = body(response)
    assert_valid(data, "Codebook.xsd")
    codebook = read_qdc(data)
    assert len(codebook.codes) == Code.objects.filter(project=demo, parent=None).count()
    # Into an empty project: the same tree.
    target = make_project(owner=user)
    response = api(user).post(
        f"/api/v1/projects/{target.pk}/codebook/import/",
        {"file": io.BytesIO(data)},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == Code.objects.filter(project=demo).count()
    paths = lambda p: {  # noqa: E731
        (c.name, c.parent.name if c.parent else "", c.color, c.description)
        for c in Code.objects.filter(project=p).select_related("parent")
    }
    assert paths(target) == paths(demo)


def test_taguette_codebook_on_the_codebook_page(project, members):
    client = client_for(members["supervisor"])
    response = client.post(
        reverse("coding:codebook_import_csv", args=[project.pk]),
        {"file": io.BytesIO(fixture("taguette.qdc"))},
    )
    assert response.status_code == 302
    assert set(Code.objects.filter(project=project).values_list("name", flat=True)) == {
        "interesting",
        "emotions.joy",
        "emotions.sadness",
    }
    page = client.get(reverse("coding:codebook", args=[project.pk])).content.decode()
    assert reverse("api-export-codebook-qdc", args=[project.pk]) in page
    response = client.post(
        reverse("coding:codebook_import_csv", args=[project.pk]),
        {"file": io.BytesIO(b"<CodeBook><Codes>")},
    )
    assert response.status_code == 400
    assert "codebook" in response.content.decode().lower()


CODEBOOK_CSV = (
    "path,name,description,color\n"
    "Overleg > Formeel,Formeel,Vergaderingen met agenda,#00aa00\n"
    "Beleidsinstrumenten > Subsidies,Subsidies,Geld van de stad,\n"
)


def test_codebook_import_shows_what_changes_before_anything_is_written(
    project, members, coded
):
    _document, code, _mine, _theirs = coded
    client = client_for(members["supervisor"])
    url = reverse("interop:codebook_import", args=[project.pk])
    assert client.get(url).status_code == 200
    page = client.get(reverse("coding:codebook", args=[project.pk])).content.decode()
    assert f'action="{url}"' in page  # the codebook page uploads to the preview
    before = row_counts()
    upload = io.BytesIO(CODEBOOK_CSV.encode())
    upload.name = "codeboek.csv"
    response = client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 new codes" in html
    assert "<li>Overleg</li><li>Overleg &gt; Formeel</li></ul>" in html
    assert "1 code changed" in html
    assert 'Beleidsinstrumenten &gt; Subsidies <span class="muted">(definition)' in html
    assert row_counts() == before  # the preview was rolled back
    confirm = reverse("interop:codebook_import_confirm", args=[project.pk])
    data = html.split('name="data" value="')[1].split('"')[0]
    response = client.post(confirm, {"filename": "codeboek.csv", "data": data})
    assert response.status_code == 302
    assert Code.objects.get(project=project, name="Formeel").parent.name == "Overleg"
    code.refresh_from_db()
    assert code.description == "Geld van de stad"
    # The same file again changes nothing, and the page says so.
    upload.seek(0)
    html = client.post(url, {"file": upload}).content.decode()
    assert "importing would change nothing" in html
    assert confirm not in html
    # Definitions and colours that change are listed per code.
    upload = io.BytesIO(b"path,name,description,color\nOverleg,Overleg,Nieuw,#123456\n")
    upload.name = "codeboek.csv"
    html = client.post(url, {"file": upload}).content.decode()
    assert "1 code changed" in html
    assert 'Overleg <span class="muted">(definition, colour)</span>' in html


def test_codebook_import_refuses_bad_files_and_roles_readably(project, members):
    url = reverse("interop:codebook_import", args=[project.pk])
    confirm = reverse("interop:codebook_import_confirm", args=[project.pk])
    client = client_for(members["supervisor"])
    before = row_counts()
    bad = io.BytesIO(b"<CodeBook><Codes>")
    bad.name = "kapot.qdc"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "The file kapot.qdc is damaged" in response.content.decode()
    assert client.post(url, {}).status_code == 400
    response = client.post(confirm, {"filename": "x.csv", "data": "not base64!"})
    assert response.status_code == 400
    assert "choose it again" in response.content.decode()
    deep = io.BytesIO(("path\n" + " > ".join(f"c{i}" for i in range(950))).encode())
    deep.name = "diep.csv"
    response = client.post(url, {"file": deep})
    assert response.status_code == 400
    assert "950 levels deep" in response.content.decode()
    assert row_counts() == before
    for role in ("coder", "viewer"):
        assert client_for(members[role]).get(url).status_code == 403
        assert client_for(members[role]).post(confirm, {}).status_code == 403
    assert client_for(members["outsider"]).get(url).status_code == 404


def test_codebook_import_api_takes_csv_and_refuses_a_project(project, members):
    client = api(members["supervisor"])
    url = f"/api/v1/projects/{project.pk}/codebook/import/"
    csv_file = io.BytesIO(b"path,name,description,color\nA > B,B,def,#112233\n")
    csv_file.name = "codebook.csv"
    response = client.post(url, {"file": csv_file}, format="multipart")
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "warnings": []}
    qdpx = io.BytesIO(fixture("atlasti.qdpx"))
    qdpx.name = "atlasti.qdc"
    response = client.post(url, {"file": qdpx}, format="multipart")
    assert response.status_code == 400
    assert "probably a REFI-QDA project" in response.json()["detail"]


# ---------------------------------------------------------------------------
# Backup and restore: every row of the project comes back
# ---------------------------------------------------------------------------


def _rich_demo():
    """The demo plus what the standard cannot carry: consensus, deletions, settings."""
    demo = demo_load().project
    owner = demo.memberships.get(role=Role.OWNER).user
    coder1 = User.objects.get(username="coder1")
    coder2 = User.objects.get(username="coder2")
    coding = Coding.objects.filter(document__project=demo, coder=coder1).first()
    adjudicate(
        document=coding.document,
        code=coding.code,
        coder_a=coder1,
        coder_b=coder2,
        unit_start=coding.start,
        unit_end=coding.end,
        decision="a",
        actor=owner,
    )
    consensus_publish(project=demo, published=True, actor=owner)
    # A deleted coding and a deleted code stay in the trail (ghost ids).
    coding_delete(
        coding=Coding.objects.filter(document__project=demo, coder=coder2).last(),
        actor=coder2,
    )
    spare = make_code(project=demo, name="Weg")
    make_coding(document=coding.document, code=spare, coder=coder1, start=3, end=9)
    code_delete(code=spare, actor=owner)
    ProjectStopWords.objects.create(project=demo, dutch="de\nhet", english="the")
    AgreementSettings.objects.create(project=demo, good=0.8, tentative=0.7)
    AutoCodeRun.objects.create(
        project=demo,
        code=coding.code,
        coder=coder1,
        created_by=owner,
        status="done",
        coding_ids=[coding.pk],
        params={
            "pattern": "stad",
            "filter": {
                "codes": [coding.code_id],
                "coders": [coder1.pk],
                "documents": [coding.document_id],
            },
        },
    )
    return demo


class _Keys:
    """Ids → natural keys for one project; ids of rows that are gone get a label by
    the order in which they first appear (the same order in both projects)."""

    def __init__(self, project: Project):
        self.project = project
        consensus = project.consensus_user_id
        self.maps: dict[str, dict[int, object]] = {
            USER: {
                pk: ("<consensus>" if pk == consensus else name)
                for pk, name in User.objects.values_list("pk", "username")
            },
            "coding.Project": {project.pk: "<project>"},
        }
        codes = {c.pk: c for c in Code.objects.filter(project=project)}

        def path(code):
            return (
                (*path(codes[code.parent_id]), code.name)
                if code.parent_id
                else (code.name,)
            )

        self.maps["coding.Code"] = {pk: path(c) for pk, c in codes.items()}
        self.maps["coding.Case"] = dict(
            Case.objects.filter(project=project).values_list("pk", "label")
        )
        titles = dict(
            Document.objects.filter(project=project).values_list("pk", "title")
        )
        assert len(set(titles.values())) == len(titles)
        self.maps["coding.Document"] = titles
        self.ghosts: dict[tuple[str, int], tuple] = {}

    def get(self, kind: str, value):
        if not isinstance(value, int) or isinstance(value, bool):
            return value
        found = self.maps.get(kind, {}).get(value)
        if found is not None:
            return found
        key = (kind, value)
        if key not in self.ghosts:
            self.ghosts[key] = (
                "ghost",
                kind,
                sum(1 for k in self.ghosts if k[0] == kind),
            )
        return self.ghosts[key]


def _natural_key(table_name: str, row: dict, keys: _Keys):
    if table_name == "codings":
        return (row["document"], row["code"], row["coder"], row["start"], row["end"])
    if table_name == "memberships":
        return row["user"]
    if table_name == "assignments":
        return (row["document"], row["coder"])
    if table_name == "speaker_turns":
        return (row["document"], row["number"])
    if table_name == "codebook_versions":
        return row["number"]
    if table_name == "adjudications":
        return tuple(
            row[k] for k in ("document", "code", "coder_a", "coder_b", "start", "end")
        )
    if table_name == "flow_types":
        return row["key"]
    if table_name in {"actors"}:
        return row["code"]
    if table_name == "relations":
        return row["coding"]
    return None


def _canonical(project: Project) -> dict[str, list]:
    """Every row of every backed-up table, ids replaced by natural keys."""
    project.refresh_from_db()
    keys = _Keys(project)
    result: dict[str, list] = {}
    result["project"] = [
        (
            project.name,
            project.description,
            project.blind_coding,
            project.created_at,
            keys.get(USER, project.created_by_id),
            project.consensus_published,
            project.consensus_user_id is not None,
        )
    ]
    for table in backup_tables():
        model = table.model_class
        fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and not f.is_relation)
        ]
        rows = []
        order = ("at", "pk") if table.name == "audit_events" else ("pk",)
        queryset = model._default_manager.filter(**{table.scope: project}).order_by(
            *order
        )
        plain = list(queryset.values(*(f.attname for f in fields)))
        # Natural keys of this table's rows, for tables referred to later.
        canon_rows = []
        for values in plain:
            row = {"id": None, **values}
            row = _translate_embedded(table.name, row, keys)
            canon = {}
            for f in fields:
                value = row[f.attname]
                if f.is_relation:
                    kind = (
                        USER if f.related_model is User else f.related_model._meta.label
                    )
                    value = keys.get(kind, value)
                canon[f.name] = value
            canon_rows.append(canon)
        pks = list(queryset.values_list("pk", flat=True))
        label = model._meta.label
        for pk, canon in zip(pks, canon_rows, strict=True):
            natural = _natural_key(table.name, canon, keys)
            if natural is not None:
                keys.maps.setdefault(label, {})[pk] = natural
        if table.name == "audit_events":
            # Entity ids of live rows come out as natural keys, others as ghosts:
            # translate once more now that every table's keys are known.
            embedded = ("entity_id", "document_id", "coder_id", "before", "after")
            canon_rows = [
                {
                    **c,
                    **{
                        k: v
                        for k, v in _translate_embedded(
                            table.name, dict(raw), keys
                        ).items()
                        if k in embedded
                    },
                }
                for c, raw in zip(canon_rows, plain, strict=True)
            ]
        rows = (
            sorted(canon_rows, key=repr) if table.name != "audit_events" else canon_rows
        )
        result[table.name] = [sorted(r.items(), key=lambda item: item[0]) for r in rows]
    return result


def test_backup_round_trip_reproduces_every_row():
    demo = _rich_demo()
    owner = demo.memberships.get(role=Role.OWNER).user
    response = api(owner).get(f"/api/v1/projects/{demo.pk}/export/project.qdpx?full=1")
    assert response.status_code == 200
    data = body(response)
    # A backup is a valid REFI-QDA project that other tools can open.
    assert_valid(qde_of(data), "Project.xsd")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert "regie/manifest.json" in names
    assert "regie/audit_events.jsonl" in names
    before = _canonical(demo)
    users = User.objects.count()
    response = api(owner).post(
        "/api/v1/projects/import/", {"file": io.BytesIO(data)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    restored = Project.objects.get(pk=response.json()["id"])
    assert restored.pk != demo.pk
    assert User.objects.count() == users + 1  # only the new consensus coder
    after = _canonical(restored)
    assert after.keys() == before.keys()
    for table in before:
        for old, new in zip(before[table], after[table], strict=False):
            assert new == old, table
        assert len(after[table]) == len(before[table]), table
    assert len(after["codings"]) > 400
    assert len(after["audit_events"]) > 500
    # The deleted coding and code are in both trails, as rows that are gone.
    ghosts = repr(after["audit_events"])
    assert "('ghost', 'coding.Coding', 0)" in ghosts
    assert "('ghost', 'coding.Code', 0)" in ghosts


def test_restored_trail_still_restores_a_deleted_coding():
    from coding.services.audit_restore import audit_restore_coding

    demo = _rich_demo()
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    restored = project_import_file(
        data=out.getvalue(), filename="b.qdpx", owner=owner
    ).project
    event = AuditEvent.objects.filter(
        project=restored,
        entity="coding",
        action="delete",
        before__coder=User.objects.get(username="coder2").pk,
    ).first()
    coding = audit_restore_coding(event=event, actor=owner)
    assert coding.document.project == restored
    assert coding.code.project == restored


def test_every_project_model_is_backed_up_or_named_as_derived():
    """A new model that belongs to a project must join the backup (or be derived)."""
    family = {"coding.Project"}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            label = model._meta.label
            if label in family or model is User:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model._meta.label in family:
                    family.add(label)
                    grew = True
                    break
    covered = {t.model for t in backup_tables()} | NOT_BACKED_UP | {"coding.Project"}
    assert family - covered == set()


def test_a_damaged_backup_is_refused_and_nothing_is_written(demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    text = next(n for n in members if n.startswith("sources/"))
    broken = {n: d for n, d in members.items() if n != text}
    before = row_counts()
    response = api(owner).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip(broken))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "The backup cannot be restored" in response.json()["detail"]
    assert row_counts() == before
    members["regie/manifest.json"] = b'{"format": "regie-backup", "version": 99}'
    response = api(owner).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip(members))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "newer Regie" in response.json()["detail"]
    assert row_counts() == before


def test_a_backup_restored_by_an_outsider_names_no_real_accounts(demo):
    """Someone outside the team restoring a team's backup gets placeholder
    accounts: the coders' real accounts are not pulled into their project."""
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    outsider = make_user(username="buitenstaander")
    preview = project_file_preview(
        data=out.getvalue(), filename="b.qdpx", importer=outsider
    )
    assert not any(user["existing"] for user in preview["users"])
    restored = project_import_file(
        data=out.getvalue(), filename="b.qdpx", owner=outsider
    ).project
    team = set(demo.memberships.values_list("user_id", flat=True))
    assert not restored.memberships.filter(user_id__in=team).exists()
    assert not Coding.objects.filter(
        document__project=restored, coder_id__in=team
    ).exists()
    names = set(restored.memberships.values_list("user__username", flat=True))
    assert {"coder1-2", "coder2-2"} <= names


def test_backup_preview_on_the_import_page(demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    client = client_for(owner)
    response = client.post(
        reverse("interop:project_import"), {"file": io.BytesIO(out.getvalue())}
    )
    page = client.get(response["Location"]).content.decode()
    assert "It is a Regie backup" in page
    assert "audit trail events" in page
    assert "They keep the roles the backup gives them" in page
    assert "They become coders of the new project" not in page
    pending = PendingImport.objects.get(uploaded_by=owner)
    assert (
        pending.summary["counts"]["codings"]
        == Coding.objects.filter(document__project=demo).count()
    )


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------


def test_xlsx_sheets_header_rows_long_text_and_formulas(project, members, coded):
    response = api(members["supervisor"]).get(
        f"/api/v1/projects/{project.pk}/export/segments.xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == [
        "segments",
        "codebook",
        "cases",
        "frequencies",
        "notes",
    ]
    rows = list(workbook["segments"].values)
    from coding.access import ProjectAccess

    access = ProjectAccess(
        project=project, user_id=members["supervisor"].pk, role=Role.SUPERVISOR
    )
    assert list(rows[0]) == segment_header(attribute_names(access))
    assert len(rows) == 3
    memo_column = rows[0].index("memo")
    memos = {row[memo_column] for row in rows[1:]}
    assert "=SOM(A1)" in memos  # text, not a formula, and no apostrophe
    long = next(m for m in memos if m and m.startswith("xxx"))
    assert len(long) == CELL_LIMIT
    assert "40,000 characters in full" in long
    notes = [r[0] for r in workbook["notes"].values if r and r[0]]
    assert any("1 cell held more than 32,767 characters" in str(n) for n in notes)
    codebook = list(workbook["codebook"].values)
    assert codebook[0][:3] == ("code_id", "path", "name")
    assert ("Beleidsinstrumenten > Subsidies") in [r[1] for r in codebook[1:]]
    cases = list(workbook["cases"].values)
    assert cases[0] == ("case", "niveau", "documents", "document_titles")
    frequencies = {r[1]: r for r in list(workbook["frequencies"].values)[1:]}
    assert frequencies["Beleidsinstrumenten > Subsidies"][2] == 1


def test_xlsx_writer_keeps_formulas_as_text_and_splits_long_sheets(
    tmp_path, monkeypatch
):
    import coding.xlsx as xlsx

    monkeypatch.setattr(xlsx, "SHEET_ROW_LIMIT", 4)
    path = tmp_path / "t.xlsx"
    report = write_xlsx(
        [
            Sheet("data", ["a", "b"], ([i, f"=A{i}"] for i in range(7))),
            Sheet("odd: [x]", ["c"], [["be\x01l\x0b"], ["#N/A"], [""]]),
        ],
        str(path),
        notes_intro=["test"],
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["data", "data (2)", "data (3)", "odd_ _x_", "notes"]
    assert report.rows == {"data": 3, "data (2)": 3, "data (3)": 1, "odd_ _x_": 3}
    odd = [row[0] for row in workbook["odd_ _x_"].values]
    assert odd[:3] == ["c", "bel", "#N/A"]  # control characters dropped, text kept
    assert report.cut_count == 0
    assert "No cell was cut" in repr(list(workbook["notes"].values))
    first = workbook["data"]
    assert first["B2"].value == "=A0"
    assert first["B2"].data_type == "s"
    assert [c.value for c in workbook["data (2)"][1]] == ["a", "b"]


def test_xlsx_writer_drops_what_xml_cannot_hold_and_keeps_line_breaks(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(
        [
            Sheet(
                "a & b",
                ["tekst", "getal", "ja"],
                [["x\r\ny <z>", 1.5, True], ["\ufffe\x02weg", None, " spatie "]],
                widths=[30],
            )
        ],
        str(path),
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["a & b", "notes"]
    sheet = workbook["a & b"]
    assert list(sheet.values) == [
        ("tekst", "getal", "ja"),
        ("x\r\ny <z>", 1.5, True),
        ("weg", None, " spatie "),
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 30


def test_xlsx_blind_coding(project, members, coded):
    for role, expected in (("coder", {members["coder"].username}), ("viewer", set())):
        response = api(members[role]).get(
            f"/api/v1/projects/{project.pk}/export/segments.xlsx"
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(body(response)))["segments"].values
        )
        coder = rows[0].index("coder")
        assert {r[coder] for r in rows[1:]} == expected


# ---------------------------------------------------------------------------
# Cases CSV and code × document table
# ---------------------------------------------------------------------------


def test_cases_csv(project, members, coded):
    rows = csv_rows(
        api(members["viewer"]).get(
            f"/api/v1/projects/{project.pk}/export/cases.csv", {"delimiter": ";"}
        ),
        delimiter=";",
    )
    assert rows[0] == ["case", "niveau", "documents", "document_titles"]
    assert rows[1] == ["R01", "middenveld", "1", "Interview J@M"]


def test_code_document_table_counts_visible_codings(project, members, coded):
    document, code, _mine, _theirs = coded
    url = f"/api/v1/projects/{project.pk}/export/code-documents.csv"
    rows = csv_rows(api(members["supervisor"]).get(url))
    assert rows[0] == ["code_id", "code_path", "Interview J@M", "total"]
    by_path = {r[1]: r for r in rows[1:]}
    assert by_path["Beleidsinstrumenten"][2:] == ["1", "1"]
    assert by_path["Beleidsinstrumenten > Subsidies"][2:] == ["1", "1"]
    assert by_path["total"][2:] == ["2", "2"]
    rows = csv_rows(api(members["coder"]).get(url))  # blind: own codings only
    assert {r[1]: r for r in rows[1:]}["total"][2:] == ["1", "1"]
    rows = csv_rows(api(members["supervisor"]).get(url, {"codes": str(code.pk)}))
    assert {r[1]: r for r in rows[1:]}["total"][2:] == ["1", "1"]


# ---------------------------------------------------------------------------
# Who may export what
# ---------------------------------------------------------------------------

ROLE_STATUS = {
    # path, then the answer for owner, supervisor, coder, viewer, outsider
    "export/segments.xlsx": (200, 200, 200, 200, 404),
    "export/codebook.qdc": (200, 200, 200, 200, 404),
    "export/codebook.csv": (200, 200, 200, 200, 404),
    "export/cases.csv": (200, 200, 200, 200, 404),
    "export/code-documents.csv": (200, 200, 200, 200, 404),
    "export/project.qdpx": (200, 200, 403, 403, 404),
    "export/project.qdpx?full=1": (200, 403, 403, 403, 404),
}
ROLES = ("owner", "supervisor", "coder", "viewer", "outsider")


@pytest.mark.parametrize("path", sorted(ROLE_STATUS))
def test_export_access_per_role(project, members, coded, path):
    for role, expected in zip(ROLES, ROLE_STATUS[path], strict=True):
        response = api(members[role]).get(f"/api/v1/projects/{project.pk}/{path}")
        assert response.status_code == expected, (role, path)


def test_project_export_of_a_supervisor_holds_everyone(project, members, coded):
    refi = read_qdpx(
        body(
            api(members["supervisor"]).get(
                f"/api/v1/projects/{project.pk}/export/project.qdpx"
            )
        )
    )
    users = {u.guid: u.name for u in refi.users}
    coders = {
        users[c.user_guid]
        for s in refi.sources
        for sel in s.selections
        for c in sel.codings
    }
    assert coders == {members["coder"].username, members["coder2"].username}
    memos = {sel.description for s in refi.sources for sel in s.selections}
    assert "=SOM(A1)" in memos


def test_codebook_import_access_per_role(project, members):
    for role, expected in zip(ROLES, (200, 200, 403, 403, 404), strict=True):
        data = io.BytesIO(fixture("taguette.qdc"))
        data.name = "t.qdc"
        response = api(members[role]).post(
            f"/api/v1/projects/{project.pk}/codebook/import/",
            {"file": data},
            format="multipart",
        )
        assert response.status_code == expected, role


def test_export_page_offers_each_role_its_kinds(project, members):
    url = reverse("interop:export", args=[project.pk])
    pages = {role: client_for(members[role]).get(url) for role in ROLES}
    assert pages["outsider"].status_code == 404
    for role in ("owner", "supervisor", "coder", "viewer"):
        assert pages[role].status_code == 200
    assert 'value="backup"' in pages["owner"].content.decode()
    assert 'value="backup"' not in pages["supervisor"].content.decode()
    assert 'value="project_qdpx"' in pages["supervisor"].content.decode()
    assert 'value="project_qdpx"' not in pages["coder"].content.decode()
    assert 'value="segments_xlsx"' in pages["viewer"].content.decode()
    response = client_for(members["coder"]).post(
        reverse("interop:export_start", args=[project.pk]), {"kind": "backup"}
    )
    assert response.status_code == 403


def test_project_page_links_to_the_export_page(project, members):
    html = client_for(members["coder"]).get(project.get_absolute_url()).content.decode()
    assert reverse("interop:export", args=[project.pk]) in html
    assert reverse("api-export-segments-csv", args=[project.pk]) in html


# ---------------------------------------------------------------------------
# The export page: direct downloads and background jobs
# ---------------------------------------------------------------------------


def test_small_exports_download_at_once(project, members, coded):
    client = client_for(members["coder"])
    url = reverse("interop:export_start", args=[project.pk])
    response = client.post(
        url, {"kind": "segments_csv", "delimiter": ";", "bom": "1", "codes": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("api-export-segments-csv", args=[project.pk])
    )
    rows = csv_rows(client.get(response["Location"]), delimiter=";")
    assert len(rows) == 2  # header + the coder's own coding
    response = client.post(
        url, {"kind": "segments_xlsx"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(
        reverse("api-export-segments-xlsx", args=[project.pk])
    )
    response = client.post(url, {"kind": "segments_csv", "delimiter": "|"})
    assert response.status_code == 400
    assert "separator" in response.content.decode()
    response = client.post(
        url, {"kind": "segments_csv", "delimiter": "|"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400  # htmx swaps 4xx answers (htmx-config.js)
    assert 'id="export-result"' in response.content.decode()
    response = client.post(url, {"kind": "backup"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="export-result"' in html
    assert "can manage its members" in html


def test_direct_downloads_carry_only_the_options_they_use(project, members, coded):
    """The form sends filters and CSV options for every kind; the address a member
    downloads from holds only those of the kind chosen, each once."""
    client = client_for(members["owner"])
    url = reverse("interop:export_start", args=[project.pk])
    form = {
        "delimiter": ";",
        "bom": ["0", "1"],  # the hidden "0" before a ticked box
        "subcodes": ["0", "1"],
        "match": "any",
        "text": "stad",
    }
    location = client.post(url, {**form, "kind": "segments_csv"})["Location"]
    assert location.endswith("?text=stad&match=any&subcodes=1&delimiter=%3B&bom=1")
    location = client.post(url, {**form, "kind": "codebook_csv"})["Location"]
    assert location.endswith("codebook.csv?delimiter=%3B&bom=1")
    location = client.post(url, {**form, "kind": "codebook_qdc"})["Location"]
    assert location.endswith("codebook.qdc")
    location = client.post(url, {**form, "kind": "backup", "bom": "0"})["Location"]
    assert location.endswith("project.qdpx?full=1")
    response = client.post(url, {**form, "kind": "segments_csv", "bom": ["1", "0"]})
    rows = client.get(response["Location"])
    assert not body(rows).startswith(b"\xef\xbb\xbf")  # unticked: no BOM


def test_large_exports_become_a_job_with_progress_and_a_download(
    project, members, coded, monkeypatch, django_capture_on_commit_callbacks
):
    import coding.services.exports as exports
    from coding.tasks import run_export_job

    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)
    sent = []
    monkeypatch.setattr(
        run_export_job, "apply_async", lambda **kwargs: sent.append(kwargs)
    )
    client = client_for(members["coder"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interop:export_start", args=[project.pk]),
            {"kind": "segments_xlsx"},
            headers={"HX-Request": "true"},
        )
    job = ExportJob.objects.get(project=project)
    assert sent == [{"kwargs": {"job_id": job.pk}}]
    html = response.content.decode()
    assert f'id="job-{job.pk}"' in html
    assert "every 2s" in html  # the badge polls while the job waits
    status_url = reverse("interop:export_job_status", args=[project.pk, job.pk])
    run_export_job(job_id=job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == "done"
    assert job.total == 1
    html = client.get(status_url).content.decode()
    assert "every 2s" not in html
    download = reverse("interop:export_download", args=[project.pk, job.pk])
    assert download in html
    response = client.get(download)
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(body(response)))["segments"].values)
    assert len(rows) == 2  # the coder's own coding only
    # Only the member who asked may see or download it.
    assert client_for(members["supervisor"]).get(download).status_code == 404
    assert client_for(members["supervisor"]).get(status_url).status_code == 404


def test_a_job_without_a_broker_fails_readably(
    project, members, coded, monkeypatch, django_capture_on_commit_callbacks
):
    import coding.services.exports as exports
    from coding.tasks import run_export_job

    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)

    def down(**kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(run_export_job, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(members["owner"]).post(
            reverse("interop:export_start", args=[project.pk]), {"kind": "backup"}
        )
    job = ExportJob.objects.get(project=project)
    assert job.status == "failed"
    assert "No worker could be reached" in job.error


def test_a_job_of_someone_who_left_the_project_fails(project, members, coded):
    from coding.access import ProjectAccess
    from coding.services.exports import export_job_run, export_request

    owner = members["owner"]
    access = ProjectAccess(project=project, user_id=owner.pk, role=Role.OWNER)
    job = ExportJob.objects.create(
        project=project, requested_by=members["supervisor"], kind="backup"
    )
    assert export_request(access, "backup").kind == "backup"
    job = export_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert "no longer" in job.error


def test_a_job_left_waiting_says_the_worker_may_be_down(project, members, coded):
    from datetime import timedelta

    from django.utils import timezone

    job = ExportJob.objects.create(
        project=project, requested_by=members["owner"], kind="segments_csv"
    )
    url = reverse("interop:export_job_status", args=[project.pk, job.pk])
    client = client_for(members["owner"])
    assert "Is the Celery worker running?" not in client.get(url).content.decode()
    ExportJob.objects.filter(pk=job.pk).update(
        requested_at=timezone.now() - timedelta(minutes=5)
    )
    html = client.get(url).content.decode()
    assert "Is the Celery worker running?" in html
    assert "every 2s" in html  # it keeps polling: the worker may come up


def test_a_job_message_delivered_twice_writes_it_once(
    project, members, coded, monkeypatch
):
    """A resend on worker start and the original message may both arrive: the
    second finds the job taken (or done) and leaves it as it is."""
    from datetime import timedelta

    from django.utils import timezone

    import coding.services.exports as exports
    from coding.tasks import run_export_job

    sent = []
    monkeypatch.setattr(
        run_export_job, "apply_async", lambda **kwargs: sent.append(kwargs)
    )
    job = ExportJob.objects.create(
        project=project, requested_by=members["owner"], kind="segments_csv"
    )
    job = exports.export_job_run(job_id=job.pk)
    finished = job.finished_at
    assert job.status == "done"
    again = exports.export_job_run(job_id=job.pk)
    assert (again.status, again.finished_at) == ("done", finished)
    # A running job is another worker's, unless it outlived the time limit.
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now()
    )
    assert exports.export_jobs_resend() == 0
    assert exports.export_job_run(job_id=job.pk).status == "running"
    ExportJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now()
        - timedelta(seconds=exports.JOB_TIME_LIMIT_SECONDS + 1)
    )
    assert exports.export_jobs_resend() == 1
    assert sent == [{"kwargs": {"job_id": job.pk}}]
    assert exports.export_job_run(job_id=job.pk).status == "done"


# ---------------------------------------------------------------------------
# Commands and routes
# ---------------------------------------------------------------------------


def test_export_and_import_commands(tmp_path, demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    path = tmp_path / "demo.qdpx"
    call_command("export_qdpx", str(demo.pk), str(path))
    assert_valid(qde_of(path.read_bytes()), "Project.xsd")
    out = io.StringIO()
    call_command(
        "import_qdpx",
        str(path),
        "--owner",
        owner.username,
        "--name",
        "Kopie",
        stdout=out,
    )
    copy = Project.objects.get(name="Kopie")
    assert f"Project {copy.pk}" in out.getvalue()
    assert (
        Coding.objects.filter(document__project=copy).count()
        == Coding.objects.filter(document__project=demo).count()
    )
    full = tmp_path / "backup.qdpx"
    call_command("export_qdpx", str(demo.pk), str(full), "--full")
    call_command(
        "import_qdpx",
        str(full),
        "--owner",
        owner.username,
        "--name",
        "Terug",
        stdout=io.StringIO(),
    )
    restored = Project.objects.get(name="Terug")
    assert restored.assignments.count() == demo.assignments.count()
    assert restored.audit_events.count() == demo.audit_events.count()
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"nope")
    with pytest.raises(CommandError, match="ZIP archive"):
        call_command("import_qdpx", str(bad), "--owner", owner.username)
    with pytest.raises(CommandError, match="--owner"):
        call_command("import_qdpx", str(path))


def test_import_qdc_command(project, tmp_path):
    path = tmp_path / "t.qdc"
    path.write_bytes(fixture("taguette.qdc"))
    out = io.StringIO()
    call_command("import_qdc", str(project.pk), str(path), stdout=out)
    assert "codes added: 3" in out.getvalue()
    with pytest.raises(CommandError, match="no project"):
        call_command("import_qdc", "999999", str(path))


def test_import_route_is_not_shadowed_by_project_routes():
    assert resolve("/api/v1/projects/import/").url_name == "api-projects-import"
    assert resolve("/api/v1/projects/7/export/project.qdpx").url_name == (
        "api-export-project-qdpx"
    )


def test_api_import_answers_201_with_the_new_project():
    user = make_user()
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(fixture("qualcoder.qdpx")), "name": "Moestuinen"},
        format="multipart",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["name"] == "Moestuinen"
    assert data["role"] == "owner"
    assert data["counts"]["codings"] == 3
    assert Project.objects.filter(pk=data["id"], memberships__user=user).exists()
    listed = api(user).get("/api/v1/projects/").json()
    assert data["id"] in [p["id"] for p in listed["results"]]


def test_preview_matches_what_is_imported():
    user = make_user()
    data = fixture("qualcoder.qdpx")
    preview = import_preview(read_project_file(data, "q.qdpx"), importer=user)
    result = project_import_file(data=data, filename="q.qdpx", owner=user)
    assert preview["counts"]["codings"] == result.counts["codings"]
    assert preview["counts"]["sources"] == result.counts["documents"]
    assert [u["username"] for u in preview["users"]] == ["default"]


def test_backup_module_documents_its_folder():
    assert backup_service.MANIFEST == "regie/manifest.json"
    assert (Path(settings.BASE_DIR) / "docs" / "backup.md").exists()


# ---------------------------------------------------------------------------
# The fast CSV path writes exactly what the generic one writes
# ---------------------------------------------------------------------------


def test_fast_segment_csv_equals_the_generic_writer(project, members, coded):
    """``iter_segment_csv`` over records = ``iter_csv`` over ``segment_cells``,
    by both of its paths: from the batches and row by row from any iterable."""
    from datetime import UTC, datetime

    from coding.access import ProjectAccess
    from coding.exports import (
        iter_csv,
        iter_segment_cells,
        iter_segment_csv,
        segment_cells,
    )
    from coding.models import CodebookVersion
    from coding.segments import (
        SegmentFilter,
        filtered_codings,
        iter_segment_records,
        iter_segment_rows,
    )
    from tests.factories import make_actor, make_relation

    other_case = make_case(project=project, label="=R02", functie='zegt "ja"; nee')
    text = 'Interviewer: "Vraag"; en\n\nRespondent: =SOM en @x -3 +4\tklaar\n'
    second = make_document(project=project, case=other_case, text=text, title="Twee")
    third = make_document(project=project, text="Geen case hier.\n", title="Drie")
    code = make_code(project=project, name="-min")
    owner = members["owner"]
    for start, end, memo in ((0, 20, "regel\nregel"), (13, 30, '"q"; r'), (33, 38, "")):
        make_coding(
            document=second, code=code, coder=owner, start=start, end=end, memo=memo
        )
    make_coding(document=third, code=code, coder=members["coder"], start=0, end=4)
    Coding.objects.filter(document=third).update(
        created_at=datetime(2024, 7, 1, 10, 0, 0, tzinfo=UTC),
        updated_at=datetime(2024, 12, 1, 10, 0, 0, 5, tzinfo=UTC),
    )
    version = CodebookVersion.objects.create(project=project, number=3)
    Coding.objects.filter(document=second, start=13).update(
        codebook_version=version,
        created_at=datetime(2023, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
        updated_at=datetime(2023, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
    )
    source = make_actor(project=project, name="=Stad")
    target = make_actor(project=project, name="J@M vzw")
    make_relation(
        document=second, source=source, target=target, coder=owner, start=2, end=9
    )
    access = ProjectAccess(project=project, user_id=owner.pk, role=Role.OWNER)
    names = attribute_names(access)
    codings = filtered_codings(access, SegmentFilter())
    assert codings.count() >= 7
    generic_cells = [
        segment_cells(r, names) for r in iter_segment_rows(access, codings)
    ]
    records = iter_segment_records(access, codings, chunk_size=2)
    cells = iter_segment_cells(records, project=project.name, attribute_names=names)
    assert list(cells) == generic_cells  # what the Excel export writes
    for delimiter in (",", ";", "\t"):
        for bom in (True, False):
            generic = "".join(
                iter_csv(
                    segment_header(names),
                    (
                        segment_cells(r, names)
                        for r in iter_segment_rows(access, codings)
                    ),
                    delimiter=delimiter,
                    bom=bom,
                )
            )
            for records in (
                iter_segment_records(access, codings, chunk_size=2),
                (r for r in iter_segment_records(access, codings, chunk_size=3)),
            ):
                fast = "".join(
                    iter_segment_csv(
                        records,
                        project=project.name,
                        attribute_names=names,
                        delimiter=delimiter,
                        bom=bom,
                        chunk_bytes=10,
                    )
                )
                assert fast == generic


def test_segment_csv_reports_progress_between_chunks(project, members, coded):
    """A job records its progress while the CSV streams: the callback may query
    the database (nothing else is running on the connection then)."""
    from coding.access import ProjectAccess
    from coding.exports import iter_segment_csv
    from coding.segments import SegmentFilter, filtered_codings, iter_segment_records

    document, code, _mine, _theirs = coded
    for start in range(0, 40, 4):
        make_coding(
            document=document,
            code=code,
            coder=members["owner"],
            start=start,
            end=start + 3,
        )
    access = ProjectAccess(
        project=project, user_id=members["owner"].pk, role=Role.OWNER
    )
    codings = filtered_codings(access, SegmentFilter())
    total = codings.count()
    calls = []

    def progress(rows: int) -> None:
        calls.append((rows, Coding.objects.filter(document=document).count()))

    text = "".join(
        iter_segment_csv(
            iter_segment_records(access, codings, chunk_size=3),
            project=project.name,
            attribute_names=attribute_names(access),
            progress=progress,
            progress_every=5,
        )
    )
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == total + 1
    assert [rows for rows, _count in calls] == [6, 12]  # after 5 and 10 rows
    assert all(count == total for _rows, count in calls)


def test_segment_records_page_through_a_document_in_order(project, members):
    """Keyset paging gives every coding once, in (start, end, id) order."""
    from coding.access import ProjectAccess
    from coding.segments import SegmentFilter, filtered_codings, iter_segment_records

    document = make_document(project=project, text="woord " * 50)
    codes = [make_code(project=project) for _ in range(3)]
    for i in range(20):
        for code in codes[: 1 + i % 3]:
            make_coding(
                document=document,
                code=code,
                coder=members["coder"],
                start=(i % 5) * 6,
                end=(i % 5) * 6 + 5 + i // 5,
            )
    access = ProjectAccess(
        project=project, user_id=members["owner"].pk, role=Role.OWNER
    )
    codings = filtered_codings(access, SegmentFilter())
    expected = list(
        codings.order_by("start", "end", "pk").values_list("start", "end", "code_id")
    )
    for chunk_size in (1, 2, 7, 1000):
        got = [
            (r[7], r[8], r[4])
            for r in iter_segment_records(access, codings, chunk_size=chunk_size)
        ]
        assert got == expected


def test_export_page_passes_several_chosen_codes(project, members, coded):
    _document, code, _mine, _theirs = coded
    response = client_for(members["supervisor"]).post(
        reverse("interop:export_start", args=[project.pk]),
        {
            "kind": "code_document_csv",
            "codes": [str(code.pk), str(code.parent_id)],
            "subcodes": ["0"],
        },
    )
    assert response.status_code == 302
    assert f"codes={code.pk}%2C{code.parent_id}" in response["Location"]
    assert "subcodes=0" in response["Location"]
