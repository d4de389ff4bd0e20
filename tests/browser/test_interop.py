"""The export and import pages in Chromium: what a member clicks, what they get.

Exports: a small CSV downloads at once (with the separator chosen), a large one
becomes a job that a real Celery worker writes while the page shows its badge.
Imports: a ``.qdpx`` written by ``manage.py export_qdpx`` is previewed, then
committed; bad files are refused readably; a codebook is previewed, then added.
"""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command

import interop.services.exports as exports
from coding.models import Code, Coding, Document, Project
from interop.models import ExportJob, PendingImport
from tests.browser.conftest import log_in
from tests.factories import (
    make_case,
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)
from tests.integration.test_celery_worker import worker  # noqa: F401
from tests.interop.helpers import _remove_written_files  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wachtwoord-123"


@pytest.fixture
def team():
    """A blind-coded project: two coders, a case, one coding each."""
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(name="Regie-interviews", owner=owner)
    coders = [make_user(username=n, password=PASSWORD) for n in ("lien", "jonas")]
    for coder in coders:
        make_membership(project=project, user=coder)
    case = make_case(project=project, label="R01", niveau="middenveld")
    document = make_document(project=project, case=case, title="Interview J@M")
    code = make_code(project=project, name="Subsidies; financiering")
    start = document.text.index("De stad geeft")
    make_coding(
        document=document, code=code, coder=coders[0], start=start, end=start + 13
    )
    make_coding(document=document, code=code, coder=coders[1], start=0, end=11)
    return project, owner, coders


def open_export_page(page, project) -> None:
    page.goto(f"/p/{project.pk}/export/")
    page.wait_for_selector("body[data-keys-ready]")


def test_a_small_csv_downloads_at_once_with_semicolons(new_page, team):
    project, _owner, (lien, _jonas) = team
    page = new_page()
    log_in(page, "lien", PASSWORD)
    open_export_page(page, project)
    assert "only the codings you may see" in page.text_content("main")
    page.check("input[name=kind][value=codebook_qdc]")  # no CSV: options greyed out
    assert page.is_disabled("#f-delimiter")
    page.check("input[name=kind][value=segments_csv]")
    page.select_option("#f-delimiter", ";")
    with page.expect_download() as download:
        page.click("form.export-form button[type=submit]")
    data = download.value.path().read_bytes()
    assert download.value.suggested_filename == "regie-interviews-segments.csv"
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM box is ticked by default
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    # Blind coding: only Lien's own coding, and the ";" in the code name is quoted.
    assert [(r["coder"], r["code"], r["text"]) for r in rows] == [
        ("lien", "Subsidies; financiering", "De stad geeft")
    ]


@pytest.mark.usefixtures("worker")
def test_a_large_export_is_written_by_the_worker_while_the_page_shows_a_badge(
    new_page, team, monkeypatch
):
    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)  # every export is large
    project, _owner, _coders = team
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    open_export_page(page, project)
    page.check("input[name=kind][value=segments_xlsx]")
    page.click("form.export-form button[type=submit]")
    page.wait_for_selector("#export-result .export-job .badge")
    link = page.wait_for_selector("#export-result .export-job a.button", timeout=60_000)
    assert ExportJob.objects.get(project=project).status == "done"
    with page.expect_download() as download:
        link.click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert len(list(book["segments"].values)) == 3  # header and both codings


def test_the_import_page_shows_what_a_qdpx_creates_before_it_commits(
    new_page, team, tmp_path
):
    project, _owner, _coders = team
    qdpx = tmp_path / "regie-interviews.qdpx"
    call_command("export_qdpx", project.pk, str(qdpx), stdout=io.StringIO())
    make_user(username="importeur", password=PASSWORD)
    projects = Project.objects.count()
    page = new_page()
    log_in(page, "importeur", PASSWORD)
    page.click("a[href='/projects/import/']")  # from the project list
    page.set_input_files("#id_file", str(qdpx))
    page.fill("#id_name", "Heranalyse")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#import-counts")
    counts = {
        row.query_selector("th").inner_text(): row.query_selector("td").inner_text()
        for row in page.query_selector_all("#import-counts tr")
    }
    assert counts["text sources (documents)"] == "1"
    assert counts["codes"] == "1"
    assert counts["codings"] == "2"
    assert counts["users"] == "3"
    assert page.locator("#import-users li").count() == 3
    assert "Interview J@M" in page.inner_text("#import-sources")
    assert Project.objects.count() == projects  # nothing imported yet
    assert page.input_value("#id_name") == "Heranalyse"

    page.click("#import-confirm-button")
    page.wait_for_selector(".message.success")
    new = Project.objects.get(name="Heranalyse")
    assert page.url.endswith(new.get_absolute_url())
    assert "2 codings" in page.inner_text(".messages")
    assert Coding.objects.filter(document__project=new).count() == 2
    assert not PendingImport.objects.exists()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


BAD_FILES = {
    "geen-zip.qdpx": (b"dit is geen zip", "het kon niet als zodanig geopend worden"),
    "leeg.qdpx": (_zip({"readme.txt": "hallo"}), "bevat geen projectdocument (.qde)"),
    "kapot.qdpx": (
        _zip({"project.qde": "<Project><Users>"}),
        "is beschadigd: het is geen welgevormde XML (regel 1",
    ),
}


def test_bad_project_files_are_refused_in_dutch_and_create_nothing(new_page, tmp_path):
    make_user(username="importeur", password=PASSWORD)
    page = new_page(locale="nl-BE")
    log_in(page, "importeur", PASSWORD)
    page.goto("/projects/import/")
    page.select_option("#lang-select", "nl")  # the language switch
    page.wait_for_selector("html[lang=nl]")
    for name, (data, message) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.set_input_files("#id_file", str(path))
        page.click("button[type=submit].primary")
        page.wait_for_selector(".errors")
        assert message in page.inner_text(".errors"), name
    assert not Project.objects.exists()
    assert not PendingImport.objects.exists()


def test_a_codebook_import_is_previewed_then_added(new_page, team, tmp_path):
    project, _owner, _coders = team
    csv_file = tmp_path / "codeboek.csv"
    csv_file.write_text(
        "path,name,description,color\n"
        "Overleg > Formeel,Formeel,Vergaderingen met agenda,#00aa00\n"
        "Subsidies; financiering,Subsidies; financiering,Geld van de stad,\n",
        encoding="utf-8",
    )
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(f"/p/{project.pk}/codebook/")
    page.set_input_files("#codebook-file", str(csv_file))
    page.focus("#codebook-file")
    page.keyboard.press("Tab")  # to "Read the file"
    page.keyboard.press("Enter")
    page.wait_for_selector("#codebook-new")
    assert page.inner_text("#codebook-new").split("\n") == [
        "Overleg",
        "Overleg > Formeel",
    ]
    assert "Subsidies; financiering (definition)" in page.inner_text(
        "#codebook-updated"
    )
    assert not Code.objects.filter(project=project, name="Overleg").exists()

    page.click("form[action$='/codebook/import/confirm/'] button[type=submit]")
    page.wait_for_selector(".message.success")
    assert page.url.endswith(f"/p/{project.pk}/codebook/")
    formeel = Code.objects.get(project=project, name="Formeel")
    assert formeel.parent.name == "Overleg"
    assert Code.objects.get(
        project=project, name="Subsidies; financiering"
    ).description == ("Geld van de stad")
    assert Document.objects.filter(project=project).count() == 1
