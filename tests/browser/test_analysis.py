"""End to end in Chromium on the demo project: analysis cells open their segments
in place (with a working pager), and an auto-coding run is previewed, made and
undone."""

import re

import pytest

from analysis.models import AutoCodeRun
from coding.demo.loader import DEMO_PASSWORD, PROJECT_NAME, demo_load
from coding.models import Coding, Project
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def open_page(page, address: str) -> None:
    page.goto(address)
    page.wait_for_selector("body[data-keys-ready]")


def biggest(links) -> tuple[object, int]:
    counts = [number(links.nth(i).inner_text()) for i in range(links.count())]
    best = max(range(len(counts)), key=counts.__getitem__)
    return links.nth(best), counts[best]


def test_cooccurrence_and_matrix_cells_list_their_segments(new_page):
    demo_load()
    project = Project.objects.get(name=PROJECT_NAME)
    page = new_page()
    log_in(page, "supervisor", DEMO_PASSWORD)

    address = f"/p/{project.pk}/analysis/cooccurrence/"
    open_page(page, address)
    pair = page.locator("#cooccurrence-pairs tbody tr").first.locator("a")
    expected = number(pair.inner_text())
    pair.click()
    page.wait_for_selector("#cell-segments .segment-pair")
    cell = page.locator("#cell-segments")
    assert f"{expected} pairs of passages" in cell.inner_text()
    assert page.locator("#cell-segments .segment-pair").count() == min(expected, 25)
    assert page.url.endswith(address)  # listed in place, no navigation

    # The busiest heatmap cell (a diagonal: the code's own passages) pages on.
    link, expected = biggest(page.locator("#cooccurrence-heatmap td a"))
    assert expected > 25
    link.click()
    page.wait_for_function(
        "n => document.querySelector('#cell-segments')?.innerText.includes(n)",
        arg=f"{expected} segments",
    )
    assert cell.locator("article.segment").count() == 25
    cell.locator("nav.pager a").last.click()
    page.wait_for_selector("#cell-segments nav.pager >> text=page 2 of")
    assert cell.locator("article.segment").count() == min(expected - 25, 25)
    assert f"{expected} segments" in cell.inner_text()

    address = f"/p/{project.pk}/analysis/matrix/"
    open_page(page, address)
    link, expected = biggest(page.locator("table.heatmap td a"))
    row_code = link.locator("xpath=ancestor::tr/th").inner_text()
    link.click()
    page.wait_for_function(
        "n => document.querySelector('#cell-segments')?.innerText.includes(n)",
        arg=f"{expected} segments",
    )
    assert row_code.split(" > ")[-1].strip() in cell.locator("h2").inner_text()
    assert cell.locator("article.segment").count() == min(expected, 25)
    assert page.url.endswith(address)

    with page.expect_download() as download:
        page.locator("a[href*='matrix/export.csv']").last.click()
    with open(download.value.path(), encoding="utf-8-sig") as csv_file:
        header = csv_file.readline()
    assert header.startswith("code,")
    assert "middenveld" in header


def test_auto_coding_preview_run_and_undo(new_page):
    demo_load()
    project = Project.objects.get(name=PROJECT_NAME)
    mine = Coding.objects.filter(coder__username="coder1")
    before = mine.count()
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "coder1", DEMO_PASSWORD)

    open_page(page, f"/p/{project.pk}/analysis/autocode/")
    page.fill("#a-pattern", "subsidie*")
    page.click("form.analysis-form button[type=submit]")
    page.wait_for_selector("#preview-count")
    passages = number(page.inner_text("#preview-count"))
    assert passages > 5
    assert (
        page.locator(".preview-match mark")
        .first.inner_text()
        .lower()
        .startswith("subsidie")
    )

    page.select_option("#a-code", label="Beleidsinstrumenten")
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("#runs button.danger")
    run = AutoCodeRun.objects.get(project=project)
    assert (run.status, run.created, run.coder.username) == ("done", passages, "coder1")
    assert mine.count() == before + passages

    page.click("#runs button.danger")  # undo, after the confirmation
    page.wait_for_selector("#runs >> text=Auto-coding undone.")
    assert page.locator("#runs button.danger").count() == 0
    assert mine.count() == before
