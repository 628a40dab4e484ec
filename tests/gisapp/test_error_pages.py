"""Errors show nothing of the server (issue 16, finding 7): `make run` serves with DEBUG off (its
static files still load), unknown URLs get the translated 404 page without the URL patterns, a
500 shows no settings values (its page needs no database), 403 and CSRF failures are translated
pages in the site's layout, and /api/ keeps answering JSON."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory

from gisapp.error_pages import server_error

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ERROR_URLS = "tests.gisapp.error_urls"
MARKER = "marker-value-of-a-setting-7f3a"


def _database_credentials() -> str:
    """The "user:password@host" part of the database URL, whether it came from DATABASE_URL or
    the settings' default (CI runs without DATABASE_URL)."""
    db = settings.DATABASES["default"]
    return f"{db['USER']}:{db['PASSWORD']}@{db['HOST']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (local server)
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _dev_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = (
        f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["DJANGO_SETTINGS_MODULE"] = "gisapp.settings.dev"
    return env


@pytest.fixture(scope="module")
def dev_server():
    """`manage.py runserver` as `make run` starts it (dev settings, DEBUG not set)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_dev_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("runserver did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


class DevServerTests:
    def test_dev_settings_have_debug_off_unless_asked(self):
        code = "import gisapp.settings.dev as s; print(s.DEBUG)"
        env = _dev_env()
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.stdout.strip() == "False", out.stderr
        env["DEBUG"] = "1"
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.stdout.strip() == "True", out.stderr

    def test_unknown_url_is_the_translated_404_without_url_patterns(self, dev_server):
        status, content_type, body = _get(f"{dev_server}/no-such-page/")
        page = body.decode()
        assert status == 404 and content_type.startswith("text/html")
        assert "URLconf" not in page and "api/v1/" not in page and "DEBUG" not in page
        assert '<html lang="zh-hans">' in page and "<main>" in page
        status, content_type, body = _get(f"{dev_server}/api/v1/no-such-thing/")
        assert status == 404 and content_type.startswith("application/json")
        assert b'"not_found"' in body

    def test_the_map_page_static_files_load_with_debug_off(self, dev_server, client, official):
        # every script and style sheet the map page links, fetched from the dev server
        client.force_login(official)
        page = client.get("/map/").content.decode()
        urls = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
        assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
        for url in sorted(urls):
            status, content_type, body = _get(dev_server + url)
            assert status == 200, url
            assert body, url
            if url.endswith(".css"):
                assert content_type.startswith("text/css"), url
            if url.endswith(".js"):
                assert "javascript" in content_type, url


class ServerErrorTests:
    @pytest.fixture(autouse=True)
    def failing_view(self, settings, official):
        settings.ROOT_URLCONF = ERROR_URLS
        settings.SOME_MARKER_SETTING = MARKER
        self.user = official  # any logged-in user

    def _boom(self, path="/boom/", **headers):
        client = Client(raise_request_exception=False, **headers)
        client.force_login(self.user)
        return client.get(path)

    def test_a_500_is_the_translated_page_with_no_settings_values(self):
        response = self._boom()
        page = response.content.decode()
        assert response.status_code == 500
        assert "<main>" in page and "系统内部错误" in page  # translated, in the layout
        for secret in (settings.SECRET_KEY, _database_credentials(), MARKER):
            assert secret not in page
        assert "Traceback" not in page and "a bug in a view" not in page

    def test_a_500_under_the_api_is_json(self):
        response = self._boom("/api/v1/boom/")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "error"

    def test_the_500_page_needs_no_database(self, django_assert_num_queries):
        request = RequestFactory().get("/boom/")
        with django_assert_num_queries(0):
            response = server_error(request)
        assert response.status_code == 500 and "系统内部错误" in response.content.decode()

    def test_a_debug_page_if_ever_turned_on_shows_no_settings_values(self, settings):
        settings.DEBUG = True
        response = self._boom()
        page = response.content.decode()
        assert response.status_code == 500 and "a bug in a view" in page  # the debug page
        assert MARKER not in page and "SOME_MARKER_SETTING" in page
        for secret in (settings.SECRET_KEY, _database_credentials()):
            assert secret not in page


class ForbiddenTests:
    def test_403_is_a_translated_page_in_the_layout(self, client, official):
        client.force_login(official)  # an official may not run scenarios
        client.cookies["django_language"] = "en"
        response = client.get("/scenarios/")
        page = response.content.decode()
        assert response.status_code == 403
        assert "<main>" in page and "Access denied" in page
        assert "You do not have permission to open this page." in page
        assert 'class="site-header"' in page and official.username in page

    def test_403_is_chinese_by_default(self, client, official):
        client.force_login(official)
        response = client.get("/scenarios/")
        assert response.status_code == 403
        assert '<html lang="zh-hans">' in response.content.decode()
        assert "403 Forbidden" not in response.content.decode()

    def test_a_csrf_failure_is_a_translated_page_and_json_under_the_api(self, official):
        client = Client(enforce_csrf_checks=True)
        client.force_login(official)
        client.cookies["django_language"] = "en"
        response = client.post("/scenarios/", {"year": "2024"})
        assert response.status_code == 403
        assert "Reload the page and try again." in response.content.decode()
        assert "<main>" in response.content.decode()
        response = client.post("/api/v1/compliance/evaluate/", {}, content_type="application/json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


class NotFoundTests:
    def test_404_page_is_translated_without_url_patterns(self, client, official):
        client.force_login(official)
        client.cookies["django_language"] = "en"
        response = client.get("/no-such-page/")
        page = response.content.decode()
        assert response.status_code == 404
        assert "Page not found" in page and "No page lives at this address." in page
        assert "URLconf" not in page and 'class="site-header"' in page

    def test_api_404_stays_json(self, client, official):
        client.force_login(official)
        response = client.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
