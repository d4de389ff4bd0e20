"""The import page: upload → preview → confirm or cancel."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from coding.models import (
    Coding,
    Project,
)
from interop.models import PendingImport
from tests.conftest import client_for
from tests.factories import (
    make_user,
)
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    fixture,
    row_counts,
)

pytestmark = pytest.mark.django_db


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
