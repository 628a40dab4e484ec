"""A drawn area is bounded before its query (issue 16, finding 2): a spiky 9,999-vertex polygon,
an edge across 180° of longitude and a polygon wrapped around the globe are refused with a 400
naming the geometry, without running the area query."""

from __future__ import annotations

import json
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.limits import county_extent_4326

pytestmark = pytest.mark.django_db

AREA = "/api/v1/consumption/area/"


@pytest.fixture
def official_en(client, official):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    return client


def spiky(n: int, centre: tuple[float, float]) -> dict:
    """A star of n vertices around `centre` (lon/lat): radii alternate 0.02° and 0.25°."""
    lon, lat = centre
    ring = []
    for k in range(n):
        r = 0.25 if k % 2 else 0.02
        a = 2 * math.pi * k / n
        ring.append([round(lon + r * math.cos(a), 7), round(lat + r * math.sin(a), 7)])
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def ask(client, geometry) -> tuple[int, dict, list[str]]:
    """POST the area query; (status, body, SQL of every query the request ran)."""
    body = {"geometry": geometry, "start": "2024-01", "end": "2024-12"}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(AREA, json.dumps(body), content_type="application/json")
    return response.status_code, response.json(), [q["sql"] for q in queries]


def area_query_ran(sqls: list[str]) -> bool:
    return any("consumption_" in sql or "layers_wateruser" in sql for sql in sqls)


class AreaLimitTests:
    def test_a_spiky_9999_vertex_polygon_is_a_400_before_any_query(self, official_en):
        xmin, ymin, xmax, ymax = county_extent_4326()
        geometry = spiky(9_998, ((xmin + xmax) / 2, (ymin + ymax) / 2))  # + closing vertex
        assert len(json.dumps(geometry)) > 250_000  # the issue sent ~400 KB
        status, body, sqls = ask(official_en, geometry)
        assert status == 400
        assert "2000 vertices" in body["error"]["details"]["geometry"][0]
        assert not area_query_ran(sqls)

    def test_a_spiky_polygon_within_the_limit_is_answered(self, official_en):
        xmin, ymin, xmax, ymax = county_extent_4326()
        status, body, _sqls = ask(official_en, spiky(1_000, ((xmin + xmax) / 2, (ymin + ymax) / 2)))
        assert status == 200, body
        assert body["area_km2"] > 0

    def test_an_edge_spanning_180_degrees_is_a_400_not_a_500(self, official_en):
        geometry = {
            "type": "Polygon",
            "coordinates": [[[-90, 0], [90, 0], [90, 1], [-90, 1], [-90, 0]]],
        }
        status, body, sqls = ask(official_en, geometry)
        assert status == 400
        message = body["error"]["details"]["geometry"][0]
        assert "spans 180.00°" in message and "antimeridian" in message
        assert not area_query_ran(sqls)

    def test_an_edge_across_the_antimeridian_is_refused(self, official_en):
        geometry = {
            "type": "Polygon",
            "coordinates": [[[179.5, 10], [-179.5, 10], [-179.5, 11], [179.5, 11], [179.5, 10]]],
        }
        status, body, _sqls = ask(official_en, geometry)
        assert status == 400
        assert "antimeridian" in body["error"]["details"]["geometry"][0]

    def test_a_globe_wrapping_polygon_is_refused_not_counted_as_zero(self, official_en):
        geometry = {
            "type": "Polygon",
            "coordinates": [[[-180, -60], [180, -60], [180, 60], [-180, 60], [-180, -60]]],
        }
        status, body, sqls = ask(official_en, geometry)
        assert status == 400, body
        assert "area_km2" not in body
        assert not area_query_ran(sqls)

    def test_a_polygon_larger_than_the_county_box_is_refused_before_the_query(self, official_en):
        xmin, ymin, xmax, ymax = county_extent_4326()
        # 0.9° edges (under the edge limit), far larger than 1.5 × the county's box.
        x0, y0 = xmin - 0.2, ymin - 0.2
        ring = [[x0, y0], [x0 + 0.9, y0], [x0 + 0.9, y0 + 0.9], [x0, y0 + 0.9], [x0, y0]]
        status, body, sqls = ask(official_en, {"type": "Polygon", "coordinates": [ring]})
        assert status == 400
        assert "county's bounding box" in body["error"]["details"]["geometry"][0]
        assert not area_query_ran(sqls)
