"""Pages under the Content-Security-Policy: behaviour from static/js/ still works,
and the policy refuses nothing (the new_page fixture fails on a CSP console error)."""

import pytest

from coding.models import Document
from tests.browser.conftest import log_in
from tests.factories import make_document, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "wachtwoord-123"


def test_confirm_before_deleting_a_document(new_page):
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(owner=owner)
    document = make_document(project=project, title="Interview 1")
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(f"/p/{project.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_timeout(500)
    assert Document.objects.filter(pk=document.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('form[data-confirm]')")
    assert not Document.objects.filter(pk=document.pk).exists()


def test_api_docs_run_under_the_policy(new_page):
    make_user(username="lezer", password=PASSWORD)
    page = new_page()
    log_in(page, "lezer", PASSWORD)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Regie API" in page.inner_text(".swagger-ui .info .title")


def test_password_reset_link_on_the_login_page(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    page.click("a[href='/accounts/password-reset/']")
    page.wait_for_selector("#id_email")
