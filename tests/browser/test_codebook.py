"""The codebook's merge in a browser: filter the picker by typing, confirm, undo."""

import pytest

from coding.models import Code
from tests.browser.conftest import log_in
from tests.factories import make_code, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "wachtwoord-123"


def test_merge_by_typing_a_path_then_undo_it_from_the_trail(new_page):
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(owner=owner)
    regie = make_code(project=project, name="Regie")
    types = make_code(project=project, name="Regisseur types", parent=regie)
    target = make_code(project=project, name="Netwerkregisseur", parent=types)
    source = make_code(project=project, name="Netwerk")
    for n in range(12):
        make_code(project=project, name=f"Andere code {n}")

    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(f"/p/{project.pk}/codebook/{source.pk}/edit/")
    page.get_by_label("Filter by name").nth(1).fill("regis netwerk")
    shown = page.evaluate(
        """() => [...document.querySelectorAll('#id_target option')]
             .filter(o => !o.hidden).map(o => o.textContent)"""
    )
    assert shown == ["Regie > Regisseur types > Netwerkregisseur"]
    page.click("text=Merge…")
    page.wait_for_selector("text=Merge “Netwerk” into “Netwerkregisseur”?")
    page.click("button:has-text('Merge')")
    page.wait_for_url(f"**/p/{project.pk}/codebook/")
    assert not Code.objects.filter(pk=source.pk).exists()

    page.goto(f"/p/{project.pk}/audit/")
    page.click("button:has-text('Undo merge')")
    page.wait_for_selector("text=Merge undone")
    assert Code.objects.get(pk=source.pk).name == "Netwerk"
    assert target.pk in Code.objects.values_list("pk", flat=True)
