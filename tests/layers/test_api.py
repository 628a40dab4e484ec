"""Read API v1: auth, layer list with counts, GeoJSON pages, bbox, errors, query counts."""

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from layers.registry import LAYERS

pytestmark = pytest.mark.django_db


class AuthTests:
    @pytest.mark.parametrize(
        "url",
        ["/api/v1/layers/", "/api/v1/layers/pipes/features/", "/api/v1/layers/pipes/features/1/"],
    )
    def test_anonymous_refused_as_json(self, client, url):
        response = client.get(url)
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")

    def test_official_token_reads_every_layer(self, client, official):
        token = Token.objects.create(user=official)
        for slug in LAYERS:
            response = client.get(
                f"/api/v1/layers/{slug}/features/?page_size=5",
                HTTP_AUTHORIZATION=f"Token {token.key}",
            )
            assert response.status_code == 200, slug
            assert response.json()["type"] == "FeatureCollection"

    def test_user_without_role_reads_nothing(self, client):
        nobody = User.objects.create_user("nobody", password="x-long-password-1")
        client.force_login(nobody)
        assert client.get("/api/v1/layers/").json()["layers"] == []
        assert client.get("/api/v1/layers/pipes/features/").status_code == 403

    def test_pages_other_than_login_need_login(self, client):
        assert client.get("/").status_code == 302
        assert client.get("/accounts/login/").status_code == 200
        assert client.get("/api/v1/docs/").status_code in (401, 403, 302)


class LayerListTests:
    def test_demo_counts(self, client, official):
        client.force_login(official)
        layers = {item["slug"]: item for item in client.get("/api/v1/layers/").json()["layers"]}
        assert list(layers) == list(LAYERS)
        counts = {slug: item["count"] for slug, item in layers.items()}
        assert counts["towns"] == 12
        assert counts["water-function-zones"] >= 10
        assert counts["irrigation-districts"] >= 4
        assert counts["pipes"] >= 15000
        assert counts["sewage-plants"] >= 8
        assert counts["water-users"] >= 1500
        assert layers["pipes"]["geometry_type"] == "LineString"


class FeatureTests:
    def test_page_and_detail(self, client, official):
        client.force_login(official)
        page = client.get("/api/v1/layers/sewage-plants/features/?page_size=2").json()
        assert page["count"] is None and len(page["features"]) == 2
        assert "next" in page["links"]
        feature = page["features"][0]
        assert feature["geometry"]["type"] == "Point"
        assert {"code", "name", "effluent_grade"} <= set(feature["properties"])
        detail = client.get(f"/api/v1/layers/sewage-plants/features/{feature['id']}/").json()
        assert detail["properties"]["code"] == feature["properties"]["code"]
        assert "town_code" in detail["properties"]

    def test_bbox_filters(self, client, official):
        client.force_login(official)
        url = "/api/v1/layers/water-users/features/?page_size=1&exact_count=true"
        everything = client.get(url).json()
        box = "112.30,24.70,112.45,24.85"
        inside = client.get(f"/api/v1/layers/water-users/features/?bbox={box}&page_size=5000")
        data = inside.json()
        assert 0 < data["count"] < everything["count"]
        for f in data["features"]:
            lon, lat = f["geometry"]["coordinates"]
            assert 112.30 <= lon <= 112.45 and 24.70 <= lat <= 24.85

    @pytest.mark.parametrize(
        "query,param",
        [
            ("bbox=1,2,3", "bbox"),
            ("bbox=a,b,c,d", "bbox"),
            ("bbox=10,10,5,5", "bbox"),
            ("page_size=0", "page_size"),
            ("page_size=100000", "page_size"),
            ("page=-1", "page"),
            ("bbox=1;DROP TABLE layers_pipesegment,2,3,4", "bbox"),
        ],
    )
    def test_bad_parameters_are_400_naming_them(self, client, official, query, param):
        client.force_login(official)
        response = client.get(f"/api/v1/layers/pipes/features/?{query}")
        assert response.status_code == 400
        assert param in response.json()["error"]["details"]

    def test_unknown_layer_and_feature_404(self, client, official):
        client.force_login(official)
        assert client.get("/api/v1/layers/nope/features/").status_code == 404
        response = client.get("/api/v1/layers/pipes/features/999999999/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_constant_queries_whatever_the_page_size(self, client, official):
        client.force_login(official)
        client.get("/api/v1/layers/pipes/features/?page_size=1")  # the session's user is cached
        counts = []
        for size in (1, 50, 2000):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"/api/v1/layers/pipes/features/?page_size={size}")
            assert len(json.loads(response.content)["features"]) == size
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1] == counts[2]


class SchemaTests:
    def test_openapi_schema_and_docs(self, client, official):
        client.force_login(official)
        schema = client.get("/api/v1/schema/?format=json")
        assert schema.status_code == 200
        assert "/api/v1/layers/{slug}/features/" in json.loads(schema.content)["paths"]
        docs = client.get("/api/v1/docs/")
        assert docs.status_code == 200
        assert b"cdn" not in docs.content.lower()
