"""REFI-QDA export (valid against the XSDs, read back the same) and codebook import."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.urls import reverse

from coding.models import (
    Case,
    Code,
    Coding,
    Document,
    Role,
)
from interop.refi import read_qdc, read_qdpx
from interop.services.refi import (
    project_import_refi,
)
from tests.conftest import client_for
from tests.factories import (
    make_project,
)
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    assert_valid,
    body,
    fixture,
    qde_of,
    row_counts,
)

pytestmark = pytest.mark.django_db


# REFI-QDA export: valid against the XSDs, and read back the same
# ---------------------------------------------------------------------------


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
