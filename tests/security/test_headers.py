"""Security headers and the Content-Security-Policy on pages, the API and the folium export."""

import base64
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from gisapp.middleware import csp_origin
from gisapp.reports.csp import script_hashes

pytestmark = pytest.mark.django_db


def signed_in(username: str = "official") -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def directives(header: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[-1] for d in header.split("; ")}


class SecurityHeadersTests:
    def test_page_headers(self):
        response = signed_in().get("/map/")
        csp = directives(response["Content-Security-Policy"])
        assert csp["default-src"] == "'self'"
        assert csp["object-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["base-uri"] == "'self'"
        assert csp["form-action"] == "'self'"
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-inline'" not in csp["style-src"]
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    def test_every_inline_script_carries_this_responses_nonce(self):
        for url in ("/map/", "/network/edit/", "/consumption/"):
            response = signed_in("admin").get(url)
            nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
            html = response.content.decode()
            for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
                if 'type="application/json"' in tag:
                    continue  # data, never executed
                assert f'nonce="{nonce}"' in tag, (url, tag)
            assert not re.search(r"<[a-z]+[^>]*\sstyle=", html), url

    def test_login_page_and_api_get_the_headers_too(self):
        assert "Content-Security-Policy" in Client().get("/accounts/login/")
        assert Client().get("/api/v1/layers/")["X-Content-Type-Options"] == "nosniff"

    @override_settings(BASEMAP_URL="https://t{s}.tianditu.example/vec_w/{z}/{x}/{y}")
    def test_basemap_origin_allowed_for_images(self):
        csp = directives(signed_in().get("/map/")["Content-Security-Policy"])
        assert csp["img-src"] == "'self' data: blob: https://t*.tianditu.example"

    def test_csp_origin(self):
        assert csp_origin("") == ""
        assert csp_origin("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == "http://10.1.2.3:8080"

    def test_folium_export_has_its_own_hashed_sandboxed_policy(self):
        response = signed_in().get("/reports/map.html?year=2024")
        assert response.status_code == 200
        csp = directives(response["Content-Security-Policy"])
        html = response.content.decode()
        assert csp["sandbox"] == "allow-scripts"
        assert csp["default-src"] == "'none'"
        assert "'unsafe-inline'" not in csp["script-src"]
        bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
        assert bodies
        for body in bodies:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp["script-src"]

    def test_script_hashes_ignore_external_scripts(self):
        html = '<script src="/a.js"></script><script>alert(1)</script>'
        assert script_hashes(html) == ["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"]
