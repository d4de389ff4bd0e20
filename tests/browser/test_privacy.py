"""End to end in Chromium: the review page by keyboard (a replaces, j moves, r
keeps), then confirmation replaces the accepted original in the transcript."""

import pytest

from coding.models import Role
from privacy.models import Decision, Suggestion
from privacy.services.keytable import privacy_settings
from privacy.services.suggestions import suggestions_compute
from tests.browser.conftest import log_in
from tests.factories import make_document, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_by_keyboard_then_confirm(new_page):
    owner = make_user(username="eigenaar")
    project = make_project(owner=owner)
    settings = privacy_settings(project)
    settings.language = "en"  # patterns only: no lookup structures needed here
    settings.save()
    document = make_document(
        project=project, text="Mail an@example.be or call 0475 12 34 56 today.\n"
    )
    suggestions_compute(document=document)
    assert project.memberships.get(user=owner).role == Role.OWNER
    page = new_page()
    log_in(page, "eigenaar", "pw-regie-test")
    page.goto(f"/p/{project.pk}/d/{document.pk}/privacy/")
    page.wait_for_selector("#suggestion-list li.suggestion.current")
    page.keyboard.press("a")
    page.wait_for_selector("#suggestion-list li.decision-accepted")
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_selector("#suggestion-list li.decision-rejected")
    decisions = dict(
        Suggestion.objects.filter(document=document).values_list("category", "decision")
    )
    assert decisions == {"email": Decision.ACCEPTED, "phone": Decision.REJECTED}
    page.click("#confirm")
    page.wait_for_selector(".message")
    document.refresh_from_db()
    assert "an@example.be" not in document.text
    assert "[E-mail address 1]" in document.text
    assert "0475 12 34 56" in document.text
