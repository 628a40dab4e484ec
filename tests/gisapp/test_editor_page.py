"""The network editor page: engineers and admins only, the server's snap tolerance in metres in
the page config, every asset served by the site itself."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/network/edit/"


def page_config(response) -> dict:
    """The JSON the page's script reads (json_script with id editor-config)."""
    found = re.search(
        rb'<script id="editor-config" type="application/json">(.*?)</script>',
        response.content,
        re.S,
    )
    assert found, "no editor-config script in the page"
    return json.loads(found.group(1))


@pytest.fixture
def as_user(client, django_user_model):
    def login(username: str):
        client.force_login(django_user_model.objects.get(username=username))
        return client

    return login


class EditorPageTests:
    def test_route_name(self):
        assert reverse("editor:edit") == URL

    @pytest.mark.parametrize("username", ["engineer", "admin"])
    def test_engineer_gets_the_page_with_the_tolerance_in_metres(self, as_user, settings, username):
        settings.NETWORK_SNAP_TOLERANCE_M = 0.8
        response = as_user(username).get(URL)
        assert response.status_code == 200
        config = page_config(response)
        assert config["snap_tolerance_m"] == 0.8
        assert config["edit_min_zoom"] >= 15
        assert config["urls"]["pipes"] == "/api/v1/layers/pipes/features/"
        assert config["urls"]["merge"] == "/api/v1/layers/pipes/merge/"
        assert config["urls"]["validate"] == "/api/v1/network/validate/"
        assert {"valve", "hydrant", "meter"} <= set(config["choices"]["placed_kinds"])
        assert 100 in config["choices"]["diameter_mm"]
        assert config["labels"]["conflict"] and config["labels"]["refused"]
        assert b'id="tool-draw"' in response.content
        assert b'<meta name="csrf-token" content="' in response.content

    @pytest.mark.parametrize("username", ["official", "planner"])
    def test_others_get_403_and_no_edit_control(self, as_user, username):
        response = as_user(username).get(URL)
        assert response.status_code == 403
        assert b"tool-draw" not in response.content
        assert b"editor-config" not in response.content
        # Nor does any other page lead there.
        assert URL.encode() not in as_user(username).get("/map/").content

    def test_anonymous_is_sent_to_the_login_page(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "next=/network/edit/" in response["Location"]

    def test_assets_come_from_the_site_not_a_cdn(self, as_user):
        html = as_user("engineer").get(URL).content.decode()
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert any(u.endswith("vendor/geoman/leaflet-geoman.min.js") for u in urls)
        assert any(u.endswith("vendor/geoman/leaflet-geoman.css") for u in urls)
        assert any(u.endswith("gisapp/editor.js") for u in urls)
        assert '<script type="module" src="/static/gisapp/editor.js">' in html
        assert [u for u in urls if not u.startswith(("/", "#"))] == []
