"""The agreement dot plot and the co-occurrence heatmap fit a 1024 px screen with
their labels readable, in Chromium on the demo project."""

import pytest

from agreement.forms import agreement_selection_from_params
from agreement.services import agreement_request
from coding.demo.loader import DEMO_PASSWORD, PROJECT_NAME, demo_load
from coding.models import Project
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
# Elements whose text is cut off: wider content than box (1 px of rounding allowed).
CLIPPED = """selector => [...document.querySelectorAll(selector)]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent.trim())"""


def test_agreement_plot_and_heatmap_fit_1024_px(new_page):
    demo_load()
    project = Project.objects.get(name=PROJECT_NAME)
    run = agreement_request(
        project=project,
        selection=agreement_selection_from_params(project, {"n_resamples": "20"}),
        compute_now=True,
    )
    page = new_page()
    page.set_viewport_size({"width": 1024, "height": 800})
    log_in(page, "supervisor", DEMO_PASSWORD)

    page.goto(run.get_absolute_url())
    plot = page.locator("#agreement-plot")
    plot.wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert plot.bounding_box()["width"] <= 1024
    assert page.evaluate(CLIPPED, "#agreement-plot th, #agreement-plot td.group") == []
    dots = page.locator("#agreement-plot line.dot")
    assert dots.count() > 50
    assert page.locator("#agreement-plot td.plain").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    ) in ("rgba(0, 0, 0, 0)", "transparent")  # percentages carry no verdict colour
    page.locator("#exact-figures summary").click()
    assert page.locator("#agreement-matrix").is_visible()

    page.goto(f"/p/{project.pk}/analysis/cooccurrence/")
    heatmap = page.locator("#cooccurrence-heatmap")
    heatmap.wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page.evaluate(
        "() => { const w = document.querySelector('.heatmap-wrap');"
        " return w.scrollWidth <= w.clientWidth; }"
    )
    assert page.evaluate(CLIPPED, "#cooccurrence-heatmap th") == []
    # Hovering a cell names both codes in full; clicking lists its passages.
    link = page.locator("#cooccurrence-heatmap td:not(.diagonal) a").first
    link.hover()
    status = page.locator("#heatmap-focus")
    assert " × " in status.inner_text()
    assert status.inner_text() == link.get_attribute("title")
    link.click()
    page.wait_for_selector("#cell-segments .segment-pair")
