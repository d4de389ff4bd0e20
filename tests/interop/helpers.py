"""Helpers shared by the interop tests: fixture files, the XSDs, API clients."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from lxml import etree
from rest_framework.test import APIClient

from coding.models import (
    AuditEvent,
    Case,
    Code,
    Coding,
    Document,
    Membership,
    Project,
)
from tests.interop.refi_helpers import fixture, schema  # noqa: F401  (fixture: re-exported for the tests)

User = get_user_model()


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def assert_valid(xml: bytes, name: str) -> None:
    """``xml`` validates against the official XSD ``name``."""
    xsd = schema(name)
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


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
