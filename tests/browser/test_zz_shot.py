import pytest
from coding.demo.loader import DEMO_PASSWORD, demo_load
from coding.models import Document
from tests.browser.conftest import log_in
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_shot(new_page):
    demo_load()
    document = Document.objects.get(title="Interview Stafmedewerker Diversiteit")
    for user in ("coder1", "supervisor"):
        page = new_page()
        try:
            log_in(page, user, DEMO_PASSWORD)
        except Exception:
            continue
        page.goto(document.get_absolute_url())
        page.wait_for_selector("#workbench[data-ready]")
        page.wait_for_timeout(300)
        page.screenshot(path=f"/tmp/docpage/{user}.png")
        page.set_viewport_size({"width": 390, "height": 800})
        page.wait_for_timeout(300)
        page.screenshot(path=f"/tmp/docpage/{user}-390.png")
