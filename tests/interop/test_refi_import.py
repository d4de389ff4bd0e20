"""Importing the REFI-QDA projects real tools write: passages, users, codes, cases, notes; bad files write nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from coding.models import (
    AuditEvent,
    Case,
    Code,
    Coding,
    Document,
    Role,
)
from interop.services.project_files import project_import_file
from interop.services.refi import read_project_file
from tests.factories import (
    make_membership,
    make_project,
    make_user,
)
from tests.interop.helpers import (
    User,
    _remove_written_files,  # noqa: F401 (autouse)
    _zip,
    api,
    fixture,
    row_counts,
)

pytestmark = pytest.mark.django_db


# Importing what real tools write
# ---------------------------------------------------------------------------

# The passages each tool showed (see tests/interop/test_refi_tools.py), per source; a
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
