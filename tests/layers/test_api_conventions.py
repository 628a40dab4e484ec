"""Our API follows the conventions GIS clients assume (issue 18): `Accept: application/geo+json`
is honoured, `limit`/`offset` page like OGC API (never ignored), polygons follow RFC 7946
(exterior rings counter-clockwise, holes clockwise, no `crs` member), and GeoJSON exports too."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from layers.models import SewagePlant

pytestmark = pytest.mark.django_db
FEATURES = "/api/v1/layers/{slug}/features/"


@pytest.fixture
def reader(client, official):
    client.force_login(official)
    return client


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace sum: positive for a counter-clockwise ring (lon/lat)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


class AcceptTests:
    @pytest.mark.parametrize("accept", ["application/geo+json", "application/json", "*/*"])
    def test_geojson_is_served_whatever_json_the_client_accepts(self, reader, accept):
        plant = SewagePlant.objects.order_by("id").first()
        for url in (
            FEATURES.format(slug="sewage-plants"),
            f"{FEATURES.format(slug='sewage-plants')}{plant.id}/",
        ):
            response = reader.get(url, HTTP_ACCEPT=accept)
            assert response.status_code == 200, (url, accept)
            assert response["Content-Type"].startswith("application/geo+json")

    def test_an_unservable_type_is_406(self, reader):
        response = reader.get(FEATURES.format(slug="sewage-plants"), HTTP_ACCEPT="text/csv")
        assert response.status_code == 406


class LimitOffsetTests:
    def test_limit_and_offset_page_by_feature(self, reader):
        """10 plants by id: limit=3&offset=4 returns the 5th–7th, with next at offset 7 and
        prev at offset 1; following next to the end yields every plant once."""
        ids = list(SewagePlant.objects.order_by("id").values_list("id", flat=True))
        got = reader.get(FEATURES.format(slug="sewage-plants"), {"limit": 3, "offset": 4}).json()
        assert [f["id"] for f in got["features"]] == ids[4:7]
        assert (got["offset"], got["limit"]) == (4, 3) and "page" not in got
        assert "offset=7" in got["links"]["next"] and "offset=1" in got["links"]["prev"]
        seen, url = [], FEATURES.format(slug="sewage-plants") + "?limit=4"
        while url:
            page = reader.get(url).json()
            seen += [f["id"] for f in page["features"]]
            url = page["links"].get("next")
        assert seen == ids

    def test_mixing_the_two_pagings_is_refused(self, reader):
        response = reader.get(FEATURES.format(slug="sewage-plants"), {"limit": 3, "page": 2})
        assert response.status_code == 400 and "limit" in response.json()["error"]["details"]

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 999_999}, {"offset": -1}])
    def test_bounds(self, reader, params):
        assert reader.get(FEATURES.format(slug="sewage-plants"), params).status_code == 400


class RingOrientationTests:
    @pytest.mark.parametrize("slug", ["towns", "water-function-zones", "irrigation-districts"])
    def test_exterior_rings_counter_clockwise_holes_clockwise(self, reader, slug):
        got = reader.get(FEATURES.format(slug=slug), {"page_size": 100}).json()
        assert "crs" not in got
        for feature in got["features"]:
            for polygon in polygons(feature["geometry"]):
                assert signed_area(polygon[0]) > 0, feature["id"]
                assert all(signed_area(hole) < 0 for hole in polygon[1:]), feature["id"]

    def test_the_geojson_export_follows_rfc_7946(self, tmp_path):
        path = tmp_path / "towns.geojson"
        call_command("export_layer", "towns", str(path), verbosity=0)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert "crs" not in data
        for feature in data["features"]:
            for polygon in polygons(feature["geometry"]):
                assert signed_area(polygon[0]) > 0
