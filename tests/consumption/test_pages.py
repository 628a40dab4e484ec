"""The consumption pages: who may open them, the page's JSON configuration, the users list."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def as_role(client, django_user_model, role):
    client.force_login(django_user_model.objects.get(username=role))
    return client


def page_config(response) -> dict:
    match = re.search(
        r'<script id="consumption-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries its configuration as json_script"
    return json.loads(match.group(1))


class QueryPageTests:
    @pytest.mark.parametrize("role", ["planner", "official", "admin"])
    def test_viewers_open_it(self, client, django_user_model, role):
        response = as_role(client, django_user_model, role).get("/consumption/")
        assert response.status_code == 200
        config = page_config(response)
        types = {t["value"]: t for t in config["zone_types"]}
        assert len(types["town"]["zones"]) == 12
        assert types["town"]["layer"] == "towns" and types["town"]["stats"]
        assert config["urls"]["api"] == "/api/v1/consumption/"
        assert config["columns"]["volume_m3"]["label"].endswith("(m³)")
        assert "vendor/echarts/echarts.min.js" in response.content.decode()
        assert "vendor/geoman/leaflet-geoman.min.js" in response.content.decode()

    def test_roleless_and_anonymous_refused(self, client, django_user_model):
        assert client.get("/consumption/").status_code == 302  # to the login page
        nobody = django_user_model.objects.create_user("nobody", password="x-long-password-1")
        client.force_login(nobody)
        assert client.get("/consumption/").status_code == 403
        assert client.get("/consumption/users/").status_code == 403

    def test_route_name(self):
        assert reverse("consumption_pages:query") == "/consumption/"
        assert reverse("consumption_pages:users") == "/consumption/users/"
        assert reverse("consumption:list") == "/api/v1/consumption/"


class UsersPageTests:
    def test_lists_users_with_filters(self, client, django_user_model):
        planner = as_role(client, django_user_model, "planner")
        response = planner.get("/consumption/users/", {"year": 2024})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="users-table"' in html and "WU000001" in html
        # numbers grouped by thousands in zh-hans (Django's own zh_Hans formats group nothing)
        assert "年用水量 ≥ 500,000 m³" in html
        # the quota-checked cement works: its over-quota volume beside its over-plan volume
        assert "超定额水量" in html and "定额未核实" in html
        over = planner.get("/consumption/users/", {"year": 2024, "status": "over_plan"})
        rows = re.findall(r'<tr data-code="([^"]+)"', over.content.decode())
        assert rows and all(f'data-code="{code}"' in html for code in rows)
        assert len(rows) < len(re.findall(r'<tr data-code="', html))

    def test_bad_filter_is_a_400_page(self, client, django_user_model):
        planner = as_role(client, django_user_model, "planner")
        response = planner.get("/consumption/users/", {"year": "abc"})
        assert response.status_code == 400
        assert "year" in response.content.decode()
