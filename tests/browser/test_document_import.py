"""A large transcript upload in Chromium: the project page's import form leads to
the job's page, whose badge polls (htmx) until the documents are listed.

The job's work (``job_run``, what the worker's task calls) runs in the test
process while the page polls; a real worker runs it in
``tests/integration/test_document_import_worker.py``.
"""

import pytest

from coding.jobs.services import job_run
from coding.models import DocumentImportJob
from coding.services.document_imports import document_import_job_work
from tests.browser.conftest import log_in
from tests.factories import make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wachtwoord-123"


def test_a_large_upload_is_followed_on_its_page_until_imported(
    new_page, settings, tmp_path
):
    settings.REGIE_DOCUMENT_IMPORT_INLINE_BYTES = 10  # every upload is "large"
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(name="Regie-interviews", owner=owner)
    transcript = tmp_path / "interview-07.txt"
    transcript.write_text("Interviewer: Hoe begon het?\nRespondent: Met overleg.\n")
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(f"/p/{project.pk}/")
    page.set_input_files("#id_files", str(transcript))
    page.click("#import button[type=submit]")
    page.wait_for_selector(".import-job .badge.computing")
    assert "queued…" in page.text_content(".import-job")
    job = DocumentImportJob.objects.get()
    assert job_run(DocumentImportJob, job.pk, document_import_job_work).status == "done"
    link = page.wait_for_selector("#imported-documents a", timeout=20_000)
    assert link.text_content() == "interview-07"
    assert "1 document imported." in page.text_content(".import-job")
    assert page.query_selector(".import-job[hx-get]") is None  # polling stopped
