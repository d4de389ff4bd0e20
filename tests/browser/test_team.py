"""Two coders in two browsers, then the supervisor compares and adjudicates."""

import pytest

from coding.models import Code, Coding, Role
from coding.services.team import consensus_user_for
from tests.browser.conftest import log_in
from tests.browser.test_workbench import drag_select
from tests.factories import make_document, make_membership, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Interviewer: Hoe werkt de stad met haar partners?\n\n"
    "Stafmedewerker: De stad geeft subsidies aan J@M vzw. Daarnaast is er een "
    "samenwerkingsovereenkomst met ROJM vzw die elk jaar wordt herbekeken. "
    "Met Groep INTRO is er vooral overleg over toeleiding naar sportclubs.\n"
)
PASSWORD = "wachtwoord-123"


CODING_IDS_JS = """() => new Set([...document.querySelectorAll('#doc-text span.hl')]
    .flatMap(s => s.dataset.c.split(','))).size"""


def code_phrase(page, phrase: str) -> None:
    """Select, press the code's shortcut, and wait until the new coding is drawn."""
    before = page.evaluate(CODING_IDS_JS)
    drag_select(page, phrase)
    page.wait_for_selector("#palette:not([hidden])")
    page.keyboard.press("s")
    page.wait_for_function(f"() => ({CODING_IDS_JS})() > {before}")


def test_two_coders_then_side_by_side_and_adjudication(new_page):
    supervisor = make_user(username="begeleider", password=PASSWORD)
    project = make_project(owner=supervisor)
    coders = []
    for name in ("codeur-a", "codeur-b"):
        user = make_user(username=name, password=PASSWORD)
        make_membership(project=project, user=user, role=Role.CODER)
        coders.append(user)
    document = make_document(project=project, text=TEXT)
    code = Code.objects.create(
        project=project, name="Instrument", color="#ffd966", shortcut="s"
    )

    page_a, page_b = new_page(), new_page()
    log_in(page_a, "codeur-a", PASSWORD)
    log_in(page_b, "codeur-b", PASSWORD)
    for page in (page_a, page_b):
        page.goto(document.get_absolute_url())
        page.wait_for_selector("#workbench[data-ready]")
    # Both code at the same time in their own browser; neither sees the other (blind).
    code_phrase(page_a, "De stad geeft subsidies aan J@M vzw.")
    code_phrase(page_b, "De stad geeft subsidies aan J@M vzw.")
    code_phrase(page_a, "samenwerkingsovereenkomst met ROJM vzw")
    code_phrase(
        page_b, "samenwerkingsovereenkomst met ROJM vzw die elk jaar wordt herbekeken."
    )
    code_phrase(page_b, "vooral overleg over toeleiding")
    assert Coding.objects.filter(coder=coders[0]).count() == 2
    assert Coding.objects.filter(coder=coders[1]).count() == 3
    assert page_a.locator("#doc-text span.hl").count() == 2  # only A's own

    page = new_page()
    log_in(page, "begeleider", PASSWORD)
    page.goto(
        f"/p/{project.pk}/d/{document.pk}/compare/?a={coders[0].pk}&b={coders[1].pk}"
    )
    assert page.locator(".compare-column").count() == 2
    assert page.locator(".compare-column >> nth=0 >> span.k-match").count() >= 1
    assert page.locator(".compare-column >> nth=1 >> span.k-partial").count() >= 1
    assert page.locator(".compare-column >> nth=1 >> span.k-only_b").count() >= 1

    page.click("text=Adjudicate the differences")
    page.wait_for_selector("body[data-keys-ready]")
    assert "Difference 1 of 2" in page.text_content("h2")
    page.keyboard.press("a")  # accept A's shorter span of the overeenkomst
    page.wait_for_url("**i=1**")
    page.wait_for_selector("body[data-keys-ready]")
    assert "Difference 2 of 2" in page.text_content("h2")
    page.keyboard.press("b")  # accept B's one-sided coding
    page.wait_for_url("**i=2**")

    consensus = consensus_user_for(project)
    spans = sorted(
        document.text[s:e]
        for s, e in Coding.objects.filter(coder=consensus, code=code).values_list(
            "start", "end"
        )
    )
    assert spans == [
        "samenwerkingsovereenkomst met ROJM vzw",
        "vooral overleg over toeleiding",
    ]
    assert Coding.objects.filter(coder=coders[0]).count() == 2
    assert Coding.objects.filter(coder=coders[1]).count() == 3
