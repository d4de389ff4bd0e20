"""The document page in Chromium: what is coded shows at a glance, every answer shows.

The apply-a-code time (key press to highlight painted) is measured and printed, never
asserted (run with ``-s`` to read it).
"""

import pytest

from bench.document_page import transcript
from coding.models import Code, Coding, Role
from coding.services.codings import CodingSpec, codings_create_bulk
from tests.browser.conftest import log_in
from tests.browser.test_workbench import SELECT_PHRASE_JS, drag_select
from tests.factories import make_document, make_membership, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "wachtwoord-123"

# Time from the key press to the first frame painted after a highlight of the new
# coding appears (a MutationObserver sees it; requestAnimationFrame waits for paint).
ARM_TIMER_JS = """() => {
  window.__applied = null;
  const doc = document.getElementById('doc-text');
  const before = doc.querySelectorAll('.hl, .hl-pending').length;
  let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); },
                            {capture: true, once: true});
  window.__confirmed = null;
  const observer = new MutationObserver(() => {
    if (t0 === null || doc.querySelectorAll('.hl, .hl-pending').length <= before) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__applied = performance.now() - t0; });
  });
  observer.observe(doc, {subtree: true, childList: true, attributes: true});
  // And until the server's answer is painted (the status line says "Coded with …";
  // it keeps its element, so screen readers announce each answer).
  const head = document.querySelector('.doc-head');
  const confirmed = new MutationObserver(() => {
    if (t0 === null || !head.querySelector('#status .status-ok')) return;
    confirmed.disconnect();
    requestAnimationFrame(() => { window.__confirmed = performance.now() - t0; });
  });
  confirmed.observe(head, {subtree: true, childList: true});
}"""


def _big_document(owner):
    project = make_project(owner=owner)
    document = make_document(project=project, text=transcript(8_000))
    code = Code.objects.create(project=project, name="Beleid", color="#fdf8da")
    key = Code.objects.create(
        project=project, name="Samenwerking", color="#b3d9ff", shortcut="s"
    )
    step = document.length // 300
    codings_create_bulk(
        specs=[
            CodingSpec(document, code, i * step + 10, i * step + 10 + step // 2)
            for i in range(300)
        ],
        coder=owner,
    )
    return project, document, key


def test_apply_a_code_time_is_measured(new_page):
    owner = make_user(username="eigenaar", password=PASSWORD)
    project, document, key = _big_document(owner)
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    times = []
    candidates = ("integratiebeleid", "verloederde", "criminaliteit", "wegtrokken")
    candidates += ("Mechelen", "gesprek", "onderzoek", "vertellen", "straten")
    for phrase in candidates:
        if len(times) == 5 or not page.evaluate(SELECT_PHRASE_JS, phrase):
            continue
        drag_select(page, phrase)
        page.wait_for_selector("#palette:not([hidden])")
        page.evaluate(ARM_TIMER_JS)
        page.keyboard.press("s")
        page.wait_for_function("() => window.__confirmed !== null")
        times.append(page.evaluate("[window.__applied, window.__confirmed]"))
    print(f"apply a code, key to highlight painted / server answer painted: {times} ms")
    assert Coding.objects.filter(code=key).count() == len(times)


STATUS_JS = "() => document.querySelector('#status').textContent"


def _status(page, text: str, error: bool = False) -> None:
    selector = "#status .status-error" if error else "#status .status-ok"
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.textContent.includes(text)",
        arg=[selector, text],
    )


def test_coder_sees_every_answer_stripes_codes_and_list(new_page):
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(owner=owner)
    document = make_document(project=project)
    Code.objects.create(
        project=project, name="Subsidies", color="#fdf8da", shortcut="s"
    )
    Code.objects.create(project=project, name="Overleg", color="#b3d9ff", shortcut="o")
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    assert page.locator(".stripe").count() == 0
    page.evaluate("window.__status = document.getElementById('status')")

    drag_select(page, "subsidies aan J@M vzw")
    page.keyboard.press("s")
    _status(page, "Coded with “Subsidies”.")
    page.wait_for_selector(".stripe")
    assert page.get_attribute(".stripe", "aria-label") == "Subsidies — eigenaar"
    assert page.text_content("#doc-codes li .count") == "1"
    assert page.locator("#coding-list .coding-link").count() == 1

    # A refusal replaces the success message.
    drag_select(page, "subsidies aan J@M vzw")
    page.keyboard.press("s")
    _status(page, "already coded this passage", error=True)

    # A network failure: said, and the drawn-ahead highlight is taken back.
    page.route("**/apply/", lambda route: route.abort())
    drag_select(page, "overleg")
    page.keyboard.press("o")
    _status(page, "No connection to the server", error=True)
    assert page.locator(".hl-pending").count() == 0
    page.unroute("**/apply/")
    drag_select(page, "overleg")
    page.keyboard.press("o")
    _status(page, "Coded with “Overleg”.")
    page.wait_for_function("() => document.querySelectorAll('.stripe').length === 2")

    # Focus on one code, then show all again.
    page.click("#doc-codes li:has-text('Overleg') .code-only")
    page.wait_for_function("() => document.querySelectorAll('.stripe').length === 1")
    assert page.locator("#coding-list .coding-link").count() == 1
    page.click("#codes-show-all")
    page.wait_for_function("() => document.querySelectorAll('.stripe').length === 2")

    # A stripe opens its coding; the saved memo shows in the list without a reload.
    page.click(".stripe[aria-label^='Overleg']")
    page.wait_for_selector("#panel .coding-card")
    page.fill("#panel textarea", "elke maand")
    page.click("#panel button[type=submit]")
    _status(page, "Memo saved.")
    page.wait_for_selector("#coding-list .memo-flag")
    assert "elke maand" in page.get_attribute(".stripe[aria-label^='Overleg']", "title")

    # Undo: the memo, both codings, then nothing left to undo.
    page.focus("#doc-text")
    page.keyboard.press("Control+z")
    _status(page, "the memo is restored")
    page.wait_for_function("() => !document.querySelector('#coding-list .memo-flag')")
    for remaining in (1, 0):
        page.keyboard.press("Control+z")
        page.wait_for_function(
            f"() => document.querySelectorAll('.stripe').length === {remaining}"
        )
    page.keyboard.press("Control+z")
    _status(page, "Nothing to undo.", error=True)
    assert Coding.objects.count() == 0
    # One live region throughout (a replaced one would not be announced).
    assert page.evaluate("window.__status === document.getElementById('status')")


def test_supervisor_sees_every_layer_and_codes_at_phone_width(new_page):
    owner = make_user(username="begeleider", password=PASSWORD)
    project = make_project(owner=owner)
    document = make_document(project=project)
    code = Code.objects.create(project=project, name="Subsidies", color="#fdf8da")
    for name, phrase in (("codeur-a", "subsidies"), ("codeur-b", "overleg")):
        coder = make_user(username=name, password=PASSWORD)
        make_membership(project=project, user=coder, role=Role.CODER)
        start = document.text.index(phrase)
        codings_create_bulk(
            specs=[CodingSpec(document, code, start, start + len(phrase))],
            coder=coder,
        )
    page = new_page()
    log_in(page, "begeleider", PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    assert page.locator(".layer-toggle:checked").count() == 3
    assert page.locator(".layers .layer-swatch").count() == 3
    assert page.locator(".stripe").count() == 2
    assert page.text_content("#doc-codes li .count") == "2"
    labels = {
        page.get_attribute(s, "aria-label")
        for s in [".stripe >> nth=0", ".stripe >> nth=1"]
    }
    assert labels == {"Subsidies — codeur-a", "Subsidies — codeur-b"}

    page.set_viewport_size({"width": 390, "height": 800})
    drag_select(page, "élke maand")
    page.wait_for_selector("#palette:not([hidden])")
    box = page.locator("#palette").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    page.keyboard.press("Enter")
    _status(page, "Coded with “Subsidies”.")
    assert Coding.objects.filter(coder=owner).count() == 1


def test_codes_applied_in_quick_succession_are_all_saved(new_page):
    """Two shortcuts in a row give the passage both codes, and a third coding made
    while the first request is still on its way waits its turn (none is dropped)."""
    owner = make_user(username="eigenaar", password=PASSWORD)
    project = make_project(owner=owner)
    document = make_document(project=project)
    for name, key in (("Subsidies", "s"), ("Overleg", "o")):
        Code.objects.create(project=project, name=name, color="#fdf8da", shortcut=key)
    page = new_page()
    log_in(page, "eigenaar", PASSWORD)
    page.goto(document.get_absolute_url())
    page.wait_for_selector("#workbench[data-ready]")
    held = []  # the first coding request, let through only once all three are made
    page.route(
        "**/apply/",
        lambda route: route.continue_() if held else held.append(route),
    )
    drag_select(page, "subsidies aan J@M vzw")
    page.keyboard.press("s")
    page.keyboard.press("o")
    drag_select(page, "overleg")
    page.keyboard.press("o")
    page.wait_for_function("() => document.querySelectorAll('.hl-pending').length")
    assert len(held) == 1  # the others wait behind it, in the browser
    held[0].continue_()
    page.wait_for_function(
        "() => document.querySelectorAll('#coding-list .coding-link').length === 3"
    )
    names = page.locator("#coding-list .coding-link .code-name").all_text_contents()
    assert sorted(names) == ["Overleg", "Overleg", "Subsidies"]
    assert Coding.objects.filter(document=document).count() == 3
    assert page.locator(".hl-pending").count() == 0
