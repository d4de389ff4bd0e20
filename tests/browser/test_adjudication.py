"""The adjudication page, measured: readable passages, buttons beside the difference,
keys that move and decide without losing the place (issue 14)."""

import pytest

from coding.models import Role
from tests.browser.conftest import log_in
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "wachtwoord-123"
TURN = (
    "Stafmedewerker: De stad geeft subsidies aan J@M vzw en er is een "
    "samenwerkingsovereenkomst met ROJM vzw die elk jaar wordt herbekeken. "
    "Met Groep INTRO is er vooral overleg over toeleiding naar sportclubs, "
    "en de diversiteitsclausule zit in het sportreglement sinds 2016.\n\n"
)
LAYOUT_JS = """() => {
  const texts = [...document.querySelectorAll('.unit-context .text')];
  const buttons = [...document.querySelectorAll('#decide-form button')];
  const heading = document.querySelector('#adjudication h2').getBoundingClientRect();
  return {
    height: document.documentElement.scrollHeight,
    viewport: window.innerHeight,
    textWidths: texts.map(t => t.getBoundingClientRect().width),
    buttons: buttons.map(b => b.getBoundingClientRect()).map(r => [r.top, r.bottom]),
    headingTop: heading.top,
  };
}"""


def _project_with_differences():
    supervisor = make_user(username="begeleider", password=PASSWORD)
    project = make_project(owner=supervisor)
    coder_a, coder_b = make_user(), make_user()
    for coder in (coder_a, coder_b):
        make_membership(project=project, user=coder, role=Role.CODER)
    document = make_document(
        project=project, text="Interviewer: Vertel.\n\n" + TURN * 6
    )
    code = make_code(project=project, name="Instrument")
    for n in range(4):  # four turns: A codes a shorter span than B each time
        start = 22 + n * len(TURN) + 16
        make_coding(
            document=document, code=code, coder=coder_a, start=start, end=start + 35
        )
        make_coding(
            document=document, code=code, coder=coder_b, start=start, end=start + 90
        )
    return document, coder_a, coder_b


def test_adjudication_is_readable_and_decides_in_place(new_page):
    document, coder_a, coder_b = _project_with_differences()
    page = new_page()
    log_in(page, "begeleider", PASSWORD)
    page.goto(f"{document.get_absolute_url()}adjudicate/?a={coder_a.pk}&b={coder_b.pk}")
    page.wait_for_selector("body[data-keys-ready]")

    layout = page.evaluate(LAYOUT_JS)
    assert len(layout["textWidths"]) == 2
    assert min(layout["textWidths"]) > 300, layout
    assert layout["height"] < 3 * layout["viewport"], layout
    for top, bottom in layout["buttons"]:  # in view, and near the difference's title
        assert top >= 0, layout
        assert bottom <= layout["viewport"], layout
        assert top - layout["headingTop"] < 250, layout

    # A decision goes through htmx: same page, next difference, focus on its title.
    page.evaluate("() => { window.samePage = true; }")
    page.keyboard.press("a")
    page.wait_for_url("**i=1**")
    page.wait_for_function("() => document.activeElement?.id === 'difference-heading'")
    assert "Difference 2 of 4" in page.text_content("#difference-heading")
    assert page.evaluate("() => window.samePage") is True
    assert "saved" in page.text_content("#adj-status")
    page.keyboard.press("k")  # back: the outcome of the first decision is shown
    page.wait_for_url("**i=0**")
    page.wait_for_selector("#context-consensus .hl")
    assert "coder A" in page.text_content("#difference-heading")
