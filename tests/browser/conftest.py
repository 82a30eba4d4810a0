"""Browser tests: Debian's Chromium driven by Playwright, with an axe-core audit.

Locally, a machine without Chromium skips them; in CI (CI=true) that is a failure.
"""

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("VS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}

# Playwright's sync API runs an event loop in this thread; Django's live server runs in
# another thread, and the test body only touches the database between page actions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@contextmanager
def launched_chromium():
    """Debian's Chromium through Playwright; without it, a skip locally and a failure in CI."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian 'chromium'."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium_browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def reference_lists(transactional_db):
    """Transactional tests flush the database after each test, which removes the categories and
    skills created by a data migration: recreate them before every browser test."""
    from tests.browser.helpers import reference_lists as create_reference_lists

    create_reference_lists()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )
    assert not violations, f"Violations axe-core sur {page.url} :\n{details}"
