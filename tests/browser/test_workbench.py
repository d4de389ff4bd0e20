"""End to end in Chromium: select with the mouse, apply a code, reload, offsets exact."""

import pytest

from coding.demo.loader import DEMO_PASSWORD, demo_load
from coding.models import Code, Coding, Document
from tests.browser.conftest import log_in
from tests.factories import make_document, make_membership, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT_PHRASE_JS = """
(phrase) => {
  const doc = document.getElementById('doc-text');
  const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(phrase);
    if (at === -1) continue;
    node.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + phrase.length);
    const rects = range.getClientRects();
    const first = rects[0], last = rects[rects.length - 1];
    return {x1: first.left + 1, y1: (first.top + first.bottom) / 2,
            x2: last.right - 1, y2: (last.top + last.bottom) / 2};
  }
  return null;
}
"""


def drag_select(page, phrase: str) -> None:
    box = page.evaluate(SELECT_PHRASE_JS, phrase)
    assert box, f"phrase not on the page: {phrase!r}"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()


def highlighted_text(page, coding_id: int) -> str:
    return page.evaluate(
        "(id) => [...document.querySelectorAll('#doc-text span.hl')]"
        ".filter(s => s.dataset.c.split(',').includes(String(id)))"
        ".map(s => s.textContent).join('')",
        coding_id,
    )


def test_offsets_helper_converts_utf16_to_code_points(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    result = page.evaluate(
        """async () => {
          const m = await import('/static/js/offsets.js');
          const text = 'a👍é\\t𝔘b';
          return [m.utf16ToCodePoints(text, 0), m.utf16ToCodePoints(text, 1),
                  m.utf16ToCodePoints(text, 3), m.utf16ToCodePoints(text, 4),
                  m.utf16ToCodePoints(text, 5), m.utf16ToCodePoints(text, 7),
                  m.utf16ToCodePoints(text, 8), m.codePointsToUtf16(text, 2),
                  m.codePointsToUtf16(text, 6)];
        }"""
    )
    assert result == [0, 1, 2, 3, 4, 5, 6, 3, 8]


def test_coder_codes_a_demo_phrase_with_the_mouse(new_page):
    demo_load()
    document = Document.objects.get(title="Interview Stafmedewerker Diversiteit")
    phrase = "een projectmedewerker diversiteit zijn gebleven"
    assert phrase in document.text
    start = document.text.index(phrase)
    code = Code.objects.get(project=document.project, name="Visievorming stimuleren")

    page = new_page()
    log_in(page, "coder1", DEMO_PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    before = Coding.objects.filter(coder__username="coder1").count()

    drag_select(page, phrase)
    page.wait_for_selector("#palette:not([hidden])")
    page.fill("#palette-filter", "Visievorming")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('Visievorming')"
    )

    coding = Coding.objects.filter(coder__username="coder1").latest("id")
    assert Coding.objects.filter(coder__username="coder1").count() == before + 1
    assert (coding.start, coding.end, coding.code_id) == (
        start,
        start + len(phrase),
        code.pk,
    )
    assert document.text[coding.start : coding.end] == phrase
    assert highlighted_text(page, coding.pk) == phrase

    page.reload()
    page.wait_for_selector("#workbench[data-ready]")
    assert highlighted_text(page, coding.pk) == phrase


def test_astral_and_accented_text_offsets_in_the_browser(new_page):
    owner = make_user(username="eigenaar", password="wachtwoord-123")
    project = make_project(owner=owner)
    text = (
        "Interviewer: Zeg het maar 👍👍 of 𝔘𝔘.\r\n\r\n"
        "Respondent:\tDe coördinatie van het geïntegreerd beleid 😀 loopt goed.\r\n"
    )
    document = make_document(project=project, text=text)
    code = Code.objects.create(
        project=project, name="Coördinatie", color="#b3d9ff", shortcut="c"
    )
    phrase = "geïntegreerd beleid 😀 loopt"
    expected_start = document.text.index(phrase)

    page = new_page()
    log_in(page, "eigenaar", "wachtwoord-123")
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    drag_select(page, phrase)
    page.wait_for_selector("#palette:not([hidden])")
    page.keyboard.press("c")  # the code's shortcut applies it at once
    page.wait_for_function(
        "() => document.querySelectorAll('#doc-text span.hl').length > 0"
    )
    coding = Coding.objects.get(code=code)
    assert (coding.start, coding.end) == (expected_start, expected_start + len(phrase))
    assert coding.text == phrase

    # Keyboard: remove through the panel, then undo with Ctrl+Z brings it back.
    page.click("#doc-text span.hl")
    page.wait_for_selector("#panel .coding-card")
    page.click("#panel button.danger")
    page.wait_for_function(
        "() => document.querySelectorAll('#doc-text span.hl').length === 0"
    )
    assert not Coding.objects.exists()
    page.focus("#doc-text")
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "() => document.querySelectorAll('#doc-text span.hl').length > 0"
    )
    assert Coding.objects.get().text == phrase


def test_viewer_cannot_code(new_page):
    project = make_project()
    document = make_document(project=project)
    viewer = make_user(username="lezer", password="wachtwoord-123")
    make_membership(project=project, user=viewer, role="viewer")
    page = new_page()
    log_in(page, "lezer", "wachtwoord-123")
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    assert page.get_attribute("#doc-text", "contenteditable") is None
    drag_select(page, "samenwerking")
    page.wait_for_timeout(300)
    assert page.is_hidden("#palette")
