"""The export and import commands and routes."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import resolve

from coding.models import (
    Coding,
    Project,
    Role,
)
from interop.services.project_files import project_import_file
from interop.services.refi import import_preview, read_project_file
from tests.factories import (
    make_user,
)
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    assert_valid,
    fixture,
    qde_of,
)

pytestmark = pytest.mark.django_db


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
