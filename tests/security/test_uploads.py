"""Hostile uploads are refused with a readable 4xx and nothing written.

Every file is generated in memory (``tests/security/hostile.py``): the issue's
102 KB ``.qdpx`` holding 100 MB of ``<x/>``, the 92 KB ``.docx`` with 60 MB of
``<w:p/>``, zip-bomb members, 100,000 levels of nesting, billion laughs, huge text
nodes. Each goes to every door an upload has: ``POST /api/v1/projects/import/``,
the import page, the document import (page and API) and the codebook import (page
and API). Time and memory are measured by ``bench/hostile_uploads.py``; here the
behaviour is asserted: refused by the right limit (so the scan stopped early),
a message a researcher can read, no row and no kept upload.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.importing import ImportFileError, parse_file
from coding.importing.safexml import (
    BoundedMember,
    UploadLimits,
    UploadRefused,
    read_member,
    scan_xml,
)
from interop.models import PendingImport
from interop.refi import RefiError, read_qdc, read_qdpx
from tests.conftest import client_for
from tests.factories import make_user
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    row_counts,
)
from tests.security import hostile

MB = hostile.MB
PROTECT = "refused to protect the server"
ZIP_BOMB = "as only a zip bomb does"
ENTITIES = "declares XML entities"

# (builder, words the refusal must contain)
PROJECT_FILES = {
    "elements": (hostile.qdpx_elements, ZIP_BOMB),
    "deep": (hostile.qdpx_deep, "nested more than 100 levels deep"),
    "laughs": (hostile.qdpx_laughs, ENTITIES),
    "huge_text": (hostile.qdpx_huge_text, ZIP_BOMB),
    "bomb_source": (hostile.qdpx_bomb_source, ZIP_BOMB),
}
DOCUMENT_FILES = {
    "docx_paragraphs": ("leeg.docx", hostile.docx_paragraphs, ZIP_BOMB),
    "docx_deep": ("diep.docx", hostile.docx_deep, "nested more than 100 levels"),
    "docx_laughs": ("lach.docx", hostile.docx_laughs, ENTITIES),
    "docx_huge_text": ("tekst.docx", hostile.docx_huge_text, ZIP_BOMB),
    "odt_elements": ("leeg.odt", hostile.odt_elements, ZIP_BOMB),
    "zip_bomb": ("bom.zip", hostile.zip_bomb, ZIP_BOMB),
}
CODEBOOK_FILES = {
    "elements": (hostile.qdc_elements, "more than 10,000 XML elements"),
    "deep": (hostile.qdc_deep, "nested more than 100 levels deep"),
    "laughs": (hostile.qdc_laughs, ENTITIES),
    "huge_text": (hostile.qdc_huge_text, "longer than 100,000 characters"),
}


@pytest.fixture
def small_xml_caps(settings):
    """Caps low enough that a small .qdc crosses them (the defaults are documented)."""
    settings.REGIE_UPLOAD_MAX_XML_ELEMENTS = 10_000
    settings.REGIE_UPLOAD_MAX_XML_TEXT = 100_000


def _nothing_written(before: dict[str, int]) -> None:
    assert row_counts() == before
    assert not PendingImport.objects.exists()


# ---------------------------------------------------------------------------
# The readers: each limit on its own
# ---------------------------------------------------------------------------


def test_the_issue_files_are_as_small_as_reported():
    assert len(hostile.qdpx_elements()) < 110_000
    assert len(hostile.docx_paragraphs()) < 100_000


def test_100mb_of_elements_is_refused_by_the_ratio_then_by_the_element_cap():
    with pytest.raises(RefiError) as caught:
        read_qdpx(hostile.qdpx_elements())
    assert caught.value.code == "member_ratio"
    assert str(caught.value) == (
        "The project file cannot be imported: “project.qde” inside the file unpacks "
        "to more than 100 times its packed size, as only a zip bomb does; it was "
        "refused to protect the server."
    )
    # Without a ratio cap the element count stops the scan.
    lenient = UploadLimits(max_member_ratio=100_000, max_member_bytes=1024 * MB)
    with pytest.raises(RefiError) as caught:
        read_qdpx(hostile.qdpx_elements(), limits=lenient)
    assert caught.value.code == "xml_elements"
    assert str(caught.value) == (
        "The file project.qde cannot be imported: the file contains more than "
        "1,000,000 XML elements; it was refused to protect the server."
    )


def test_docx_of_60mb_paragraphs_is_refused_by_ratio_then_element_cap(settings):
    with pytest.raises(ImportFileError) as caught:
        parse_file("leeg.docx", hostile.docx_paragraphs())
    assert str(caught.value).startswith("leeg.docx: “word/document.xml” inside the")
    assert ZIP_BOMB in str(caught.value)
    settings.REGIE_UPLOAD_MAX_MEMBER_RATIO = 100_000
    with pytest.raises(ImportFileError, match="more than 1,000,000 XML elements"):
        parse_file("leeg.docx", hostile.docx_paragraphs())


def test_odt_elements_refused_by_element_cap_without_ratio(settings):
    settings.REGIE_UPLOAD_MAX_MEMBER_RATIO = 100_000
    with pytest.raises(ImportFileError, match="more than 1,000,000 XML elements"):
        parse_file("leeg.odt", hostile.odt_elements())


def test_huge_text_node_is_refused_by_the_text_cap():
    lenient = UploadLimits(max_member_ratio=100_000)
    with pytest.raises(RefiError) as caught:
        read_qdpx(hostile.qdpx_huge_text(), limits=lenient)
    assert caught.value.code == "xml_text"
    assert "longer than 5,242,880 characters" in str(caught.value)
    limits = UploadLimits(max_text_chars=1000)
    for text in (b"<a>" + b"y" * 1001 + b"</a>", b'<a b="' + b"y" * 1001 + b'"/>'):
        with pytest.raises(UploadRefused) as refused:
            scan_xml(text, limits)
        assert refused.value.kind == "xml_text"
    # A tail (text after a child) counts too, also when it is the last one.
    for text in (
        b"<a><b/>" + b"y" * 1001 + b"<c/></a>",
        b"<a><b/>" + b"y" * 1001 + b"</a>",
    ):
        with pytest.raises(UploadRefused, match="longer than 1,000 characters"):
            scan_xml(text, limits)
    scan_xml(b"<a>" + b"y" * 1000 + b"<b/>" + b"y" * 1000 + b"</a>", limits)


def test_docx_huge_text_refused_by_text_cap_without_ratio(settings):
    settings.REGIE_UPLOAD_MAX_MEMBER_RATIO = 100_000
    with pytest.raises(ImportFileError, match="longer than 5,242,880 characters"):
        parse_file("tekst.docx", hostile.docx_huge_text())


def test_deep_nesting_and_entities_are_refused_everywhere():
    with pytest.raises(RefiError, match="nested more than 100 levels deep"):
        read_qdpx(hostile.qdpx_deep())
    with pytest.raises(RefiError, match="nested more than 100 levels deep"):
        read_qdc(hostile.qdc_deep())
    with pytest.raises(ImportFileError, match="nested more than 100 levels deep"):
        parse_file("diep.docx", hostile.docx_deep())
    # Deeper than libxml2's own limit (256) reads the same; shallower ours.
    with pytest.raises(UploadRefused, match="nested more than 300 levels deep"):
        scan_xml(b"<a>" * 400 + b"</a>" * 400, UploadLimits(max_depth=300))
    with pytest.raises(UploadRefused, match="nested more than 5 levels deep"):
        scan_xml(b"<a>" * 6 + b"</a>" * 6, UploadLimits(max_depth=5))
    scan_xml(b"<a>" * 5 + b"</a>" * 5, UploadLimits(max_depth=5))
    for reader in (
        lambda: read_qdpx(hostile.qdpx_laughs()),
        lambda: read_qdc(hostile.qdc_laughs()),
    ):
        with pytest.raises(RefiError) as caught:
            reader()
        assert caught.value.code == "xml_doctype"
    with pytest.raises(ImportFileError, match=ENTITIES):
        parse_file("lach.docx", hostile.docx_laughs())


def test_external_entities_are_never_fetched(tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<CodeBook><Codes>&x;</Codes></CodeBook>"
    ).encode()
    with pytest.raises(RefiError) as caught:
        read_qdc(xml)
    assert caught.value.code == "xml_doctype"
    assert "geheim" not in str(caught.value)


def test_archive_members_are_bounded_by_ratio_and_absolute_size():
    data = hostile.zip_bomb(size=3 * MB)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
        with pytest.raises(UploadRefused) as refused:
            read_member(archive, info, UploadLimits())
        assert refused.value.kind == "member_ratio"
        with pytest.raises(UploadRefused) as refused:
            read_member(
                archive,
                info,
                UploadLimits(max_member_ratio=100_000, max_member_bytes=2 * MB),
            )
        assert refused.value.kind == "member_too_large"
        assert "unpacks to more than 2.0 MB" in str(refused.value)
        assert (
            len(read_member(archive, info, UploadLimits(max_member_ratio=100_000)))
            == 3 * MB
        )
        # A header that lies about the size: what comes out is counted.
        info.file_size = 10
        member = BoundedMember(archive, info, UploadLimits())
        with pytest.raises((UploadRefused, zipfile.BadZipFile)):
            member.read()
    # Members up to 1 MB are never refused for their ratio.
    small = hostile.zip_bomb(size=MB)
    with zipfile.ZipFile(io.BytesIO(small)) as archive:
        assert len(read_member(archive, "interview.txt", UploadLimits())) == MB


def test_a_malformed_document_within_the_limits_keeps_its_own_message():
    with pytest.raises(RefiError) as caught:
        read_qdc(b"<CodeBook><Codes>")
    assert caught.value.code == "xml_syntax"


# ---------------------------------------------------------------------------
# Every door: 4xx, a readable reason, nothing written
# ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PROJECT_FILES)
def test_project_import_api_refuses(kind):
    build, words = PROJECT_FILES[kind]
    user = make_user()
    before = row_counts()
    response = api(user).post(
        "/api/v1/projects/import/",
        {"file": SimpleUploadedFile("vijandig.qdpx", build())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert words in response.content.decode()
    _nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PROJECT_FILES)
def test_project_import_page_refuses(kind):
    build, words = PROJECT_FILES[kind]
    client = client_for(make_user())
    before = row_counts()
    response = client.post(
        reverse("interop:project_import"),
        {"file": SimpleUploadedFile("vijandig.qdpx", build())},
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    _nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DOCUMENT_FILES)
def test_document_import_page_refuses(kind, project, members):
    name, build, words = DOCUMENT_FILES[kind]
    before = row_counts()
    url = reverse("coding:documents_import", args=[project.pk])
    response = client_for(members["owner"]).post(
        url, {"files": [SimpleUploadedFile(name, build())]}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]  # the import page, with why
    html = response.content.decode()
    assert name in html
    assert words in html
    _nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DOCUMENT_FILES)
def test_document_import_api_refuses(kind, project, members):
    name, build, words = DOCUMENT_FILES[kind]
    before = row_counts()
    response = api(members["owner"]).post(
        f"/api/v1/projects/{project.pk}/documents/",
        {"file": SimpleUploadedFile(name, build())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert words in response.content.decode()
    _nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODEBOOK_FILES)
def test_codebook_import_page_refuses(kind, project, members, small_xml_caps):
    build, words = CODEBOOK_FILES[kind]
    before = row_counts()
    response = client_for(members["supervisor"]).post(
        reverse("coding:codebook_import_csv", args=[project.pk]),
        {"file": SimpleUploadedFile("vijandig.qdc", build())},
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    _nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODEBOOK_FILES)
def test_codebook_import_api_refuses(kind, project, members, small_xml_caps):
    build, words = CODEBOOK_FILES[kind]
    before = row_counts()
    response = api(members["supervisor"]).post(
        f"/api/v1/projects/{project.pk}/codebook/import/",
        {"file": SimpleUploadedFile("vijandig.qdc", build())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert words in response.content.decode()
    _nothing_written(before)


@pytest.mark.django_db
def test_the_caps_are_read_from_settings(settings):
    settings.REGIE_UPLOAD_MAX_XML_ELEMENTS = 7
    settings.REGIE_UPLOAD_MAX_XML_DEPTH = 3
    settings.REGIE_UPLOAD_MAX_XML_TEXT = 11
    settings.REGIE_UPLOAD_MAX_MEMBER_BYTES = 13
    settings.REGIE_UPLOAD_MAX_MEMBER_RATIO = 17
    assert UploadLimits.from_settings() == UploadLimits(7, 3, 11, 13, 17)
    with pytest.raises(RefiError, match="more than 7 XML elements"):
        read_qdc(hostile.QDC_OPEN + b"<x/>" * 10 + hostile.QDC_CLOSE)


@pytest.mark.django_db
def test_a_backup_with_a_bombed_member_is_refused(project, members):
    from interop.services.backup import USERS_FILE, backup_write

    out = io.BytesIO()
    backup_write(project=project, out=out)
    bombed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename != USERS_FILE:
                target.writestr(info.filename, source.read(info))
                continue
            with target.open(USERS_FILE, "w", force_zip64=True) as member:
                member.write(source.read(info))
                for chunk in hostile.repeated(b"\n", 150 * MB):
                    member.write(chunk)
    user = make_user()
    before = row_counts()
    for post in (
        lambda data: api(user).post(
            "/api/v1/projects/import/",
            {"file": SimpleUploadedFile("backup.qdpx", data)},
            format="multipart",
        ),
        lambda data: client_for(user).post(
            reverse("interop:project_import"),
            {"file": SimpleUploadedFile("backup.qdpx", data)},
        ),
    ):
        response = post(bombed.getvalue())
        assert response.status_code == 400
        assert "The backup cannot be restored" in response.content.decode()
        assert ZIP_BOMB in response.content.decode()
    _nothing_written(before)
