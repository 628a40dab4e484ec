"""Browser fixtures: Debian's Chromium through Playwright, failing on console errors and on any
request to a host other than the test server.

The browser tests share one live server over the committed demo county. They do not use
pytest-django's `live_server`/`transactional_db`, whose flush after every test would empty the
database (and reloading the demo each time costs ~12 s). They run with the plain `db` marker
(the test's own reads sit in a transaction that sees what the server commits); a test that must
change data for the server to see does so through `committed_sql` and restores it.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    """A browser per test: Playwright's event loop must not outlive the test, or Django code
    in later tests would run inside it (on another connection, outside their transaction)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Console errors, page errors and off-host requests seen by a page."""

    def __init__(self, page, host: str):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self._request(r.url, host))

    def _request(self, url: str, host: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.hostname not in (host, "127.0.0.1", "localhost"):
            self.foreign.append(url)

    def assert_clean(self):
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.foreign == [], f"requests leaving the test server: {self.foreign}"


class Site:
    """A live server thread over the test database; `url` is its base URL."""

    def __init__(self):
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.db import connections
        from django.test.testcases import LiveServerThread

        connections.close_all()  # the thread opens its own connections
        self.thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
        self.thread.daemon = True
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://localhost:{self.thread.port}"

    def stop(self):
        self.thread.terminate()


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The live site over the demo county (reloaded once if transactional tests emptied it)."""
    from django.core.management import call_command

    from demo.load import demo_is_loaded

    with django_db_blocker.unblock():
        if not demo_is_loaded():
            call_command("load_demo", out=tmp_path_factory.mktemp("demo-e2e"), verbosity=0)
    server = Site()
    yield server
    server.stop()


def committed_sql(sql: str, params: list) -> None:
    """Run one statement on a fresh autocommit connection, outside the test's transaction,
    so that the live server sees it at once."""
    from django.db import connections

    conn = connections.create_connection("default")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
    finally:
        conn.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.watch = PageWatch(page, urlparse(site.url).hostname)
    yield page
    context.close()
    # Queries the test body made while Playwright's loop ran used connections of that loop's
    # context (outside the test transaction); close them so the test database can be dropped.
    from django.db import connections

    connections.close_all()


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state("networkidle")
