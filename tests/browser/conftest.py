"""Playwright driving Debian's Chromium (``/usr/bin/chromium``) against live_server.

Outside CI, a machine without Chromium skips these tests with a clear reason (the
README's test command says so too); under ``CI`` a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("REGIE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {CHROMIUM} is not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (one per user). Console errors are
    collected; one from the Content-Security-Policy (an inline script or handler
    the policy refused) fails the test."""
    contexts = []
    console_errors: list[str] = []

    def make(locale: str = "en-GB"):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": 1300, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                message.type == "error" and console_errors.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    if console_errors:
        print("browser console errors:", *console_errors, sep="\n  ")
    refused = [e for e in console_errors if "Content Security Policy" in e]
    assert refused == [], refused


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
