"""Consumption inside a drawn polygon: the polygon checks (pure), hand-computed totals by a live
spatial join, and every refusal as a 400 naming the parameter."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
import shapely
from django.utils import translation

from consumption.params import Period
from consumption.polygon import MAX_VERTICES, PolygonError, polygon_from_geojson
from consumption.selectors import consumption_in_area
from tests.consumption.test_world import T1_BOX, agriculture_profile, build_world

AREA = "/api/v1/consumption/area/"


def square(x0=100.0, y0=10.0, x1=100.1, y1=10.1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def circle(n: int) -> dict:
    ring = [
        [112.4 + 0.05 * math.cos(2 * math.pi * k / n), 24.9 + 0.05 * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture
def english():
    """The refusal messages are checked in English (Chinese is the site's default)."""
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english")
class PolygonCheckTests:
    def test_polygon_and_multipolygon_accepted(self):
        assert polygon_from_geojson(square()).area == pytest.approx(0.01)
        multi = {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]}
        assert polygon_from_geojson(multi).geom_type == "MultiPolygon"
        for name in ("EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326"):
            crs = {"type": "name", "properties": {"name": name}}
            assert polygon_from_geojson({**square(), "crs": crs}).is_valid

    @pytest.mark.parametrize(
        "geometry, reason",
        [
            ({"type": "Point", "coordinates": [112.4, 24.9]}, "Polygon or MultiPolygon"),
            ("POLYGON((0 0, 1 0, 1 1, 0 0))", "GeoJSON geometry"),
            ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}, "four positions"),
            ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "end where"),
            ({"type": "Polygon", "coordinates": [[["0", 0], [1, 0], [1, 1], ["0", 0]]]}, "numbers"),
            ({"type": "Polygon", "coordinates": []}, "non-empty"),
            (
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [float("nan"), 1], [0, 0]]]},
                "NaN",
            ),
            ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [math.inf, 1], [0, 0]]]}, "NaN"),
            ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "±180"),
            ({"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]}, "±90"),
            (
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                "not valid",
            ),
            (
                {**square(), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
                "EPSG:3857",
            ),
        ],
    )
    def test_refused_with_a_reason(self, geometry, reason):
        with pytest.raises(PolygonError, match=reason.replace("(", r"\(")):
            polygon_from_geojson(geometry)

    def test_vertex_limit(self):
        assert polygon_from_geojson(circle(MAX_VERTICES - 1)).is_valid
        with pytest.raises(PolygonError, match=f"{MAX_VERTICES}|{MAX_VERTICES:,}"):
            polygon_from_geojson(circle(MAX_VERTICES + 5))


@pytest.fixture
def planner(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="planner"))
    return client


def post(client, body, raw: str | None = None):
    return client.post(AREA, data=raw or json.dumps(body), content_type="application/json")


@pytest.mark.django_db
class AreaTotalsTests:
    def test_town_square_holds_its_users_and_half_the_district(self, planner):
        world = build_world()
        response = post(
            planner, {"geometry": square(*T1_BOX), "start": "2024-01", "end": "2024-12"}
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["users"] == 2
        # U1 12,000 + U2 6,000, plus the half of D1's 120,000 that lies inside.
        assert data["total"]["users_volume_m3"] == pytest.approx(18_000)
        assert data["total"]["irrigation_volume_m3"] == pytest.approx(60_000, rel=1e-6)
        assert data["total"]["volume_m3"] == pytest.approx(78_000, rel=1e-6)
        assert data["total"]["plan_m3"] == pytest.approx(12_000)
        assert data["area_km2"] == pytest.approx(
            shapely.area(shapely.box(*T1_BOX)) * 111.32 * 109.6, rel=0.02
        )
        by_sector = {r["sector"]: r["volume_m3"] for r in data["by_sector"]}
        assert by_sector["industry"] == pytest.approx(12_000)
        assert by_sector["residential"] == pytest.approx(6_000)
        assert by_sector["agriculture"] == pytest.approx(60_000, rel=1e-6)
        profile = agriculture_profile(2024)
        assert [r["month"] for r in data["results"]] == [f"2024-{m:02d}" for m in range(1, 13)]
        for row in data["results"]:
            share = profile[dt.date(2024, int(row["month"][5:]), 1)]
            assert row["volume_m3"] == pytest.approx(1500 + 60_000 * share, abs=0.01)
        assert world.t1.code == "TST001"

    def test_sector_filter_and_group_by(self, planner):
        build_world()
        body = {"geometry": square(100.0, 10.0, 100.2, 10.1), "start": "2024-01", "end": "2024-12"}
        data = post(planner, {**body, "sector": "services", "group_by": "sector"}).json()
        assert data["total"]["volume_m3"] == pytest.approx(7200)
        assert [r["sector"] for r in data["results"]] == ["services"]
        everything = post(planner, {**body, "group_by": "month,sector"}).json()
        assert everything["total"]["volume_m3"] == pytest.approx(153_000, rel=1e-6)
        assert len(everything["results"]) == 12 * 4

    def test_one_query(self, django_assert_num_queries):
        geom = shapely.box(112.3, 24.8, 112.5, 25.0)
        with django_assert_num_queries(1):
            result = consumption_in_area(geom, Period(dt.date(2024, 1, 1), dt.date(2024, 12, 1)))
        assert result.users > 0 and result.total["volume_m3"] > 0


@pytest.mark.django_db
class AreaRefusalTests:
    GOOD = {"geometry": square(112.3, 24.8, 112.5, 25.0), "start": "2024-01", "end": "2024-12"}

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}, "geometry"),
            ({"geometry": None}, "geometry"),
            ({"geometry": square(112.3, 24.8, 250, 25.0)}, "geometry"),
            ({"geometry": circle(MAX_VERTICES + 10)}, "geometry"),
            ({"geometry": square(100.0, 0.0, 130.0, 40.0)}, "geometry"),  # bigger than county
            (
                {
                    "geometry": {
                        **square(),
                        "crs": {"type": "name", "properties": {"name": "EPSG:4490"}},
                    }
                },
                "geometry",
            ),
            ({"crs": {"type": "name", "properties": {"name": "EPSG:4546"}}}, "crs"),
            ({"start": "2024-13"}, "start"),
            ({"end": "2023-12"}, "end"),
            ({"sector": "mining"}, "sector"),
            ({"group_by": "zone"}, "group_by"),
        ],
    )
    def test_bad_body_names_the_field(self, planner, change, field):
        response = post(planner, {**self.GOOD, **change})
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "bad_request" and field in error["details"]

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
    def test_nan_and_infinity_refused(self, planner, constant):
        raw = json.dumps(self.GOOD).replace("112.5, 24.8", f"{constant}, 24.8", 1)
        assert constant in raw
        response = post(planner, None, raw=raw)
        assert response.status_code == 400
        assert "geometry" in response.json()["error"]["details"]

    @pytest.mark.parametrize("raw", ["[1, 2]", "not json", '"text"'])
    def test_not_an_object(self, planner, raw):
        response = post(planner, None, raw=raw)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"

    def test_anonymous_refused(self, client):
        assert post(client, self.GOOD).status_code in (401, 403)
