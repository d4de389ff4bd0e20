"""The document page in Chromium: what is coded shows at a glance, every answer shows.

The apply-a-code time (key press to highlight painted) is measured and printed, never
asserted (run with ``-s`` to read it).
"""

import pytest

from bench.document_page import transcript
from coding.models import Code, Coding
from coding.services.codings import CodingSpec, codings_create_bulk
from tests.browser.conftest import log_in
from tests.browser.test_workbench import SELECT_PHRASE_JS, drag_select
from tests.factories import make_document, make_project, make_user

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
  const observer = new MutationObserver(() => {
    if (t0 === null || doc.querySelectorAll('.hl, .hl-pending').length <= before) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__applied = performance.now() - t0; });
  });
  observer.observe(doc, {subtree: true, childList: true, attributes: true});
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
    for phrase in candidates:
        if len(times) == 2 or not page.evaluate(SELECT_PHRASE_JS, phrase):
            continue
        drag_select(page, phrase)
        page.wait_for_selector("#palette:not([hidden])")
        page.evaluate(ARM_TIMER_JS)
        page.keyboard.press("s")
        page.wait_for_function("() => window.__applied !== null")
        times.append(page.evaluate("window.__applied"))
    print(f"apply a code, key to highlight painted: {times} ms")
    assert Coding.objects.filter(code=key).count() == len(times)
