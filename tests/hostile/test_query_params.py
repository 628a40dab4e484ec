"""SQL metacharacters, control bytes, unicode and very long strings in every query parameter of
every GET endpoint (listed from the OpenAPI schema, plus the tile and page routes outside it):
never a 5xx, a 4xx is in the error shape, and every table is intact afterwards."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from network.models import PipeSegment
from rasters.models import RasterLayer

from .conftest import stored_fingerprint
from .openapi import get_operations, openapi_schema
from .payloads import SQL_VALUES

pytestmark = pytest.mark.django_db

# Query parameters of the HTML pages and exports (not in the OpenAPI schema), from their views.
PAGE_PARAMS = {
    "/map/": ["year"],
    "/data/": ["year"],
    "/reports/county/": ["year", "area"],
    "/reports/county.pdf": ["year", "area"],
    "/reports/map.html": ["year", "area"],
    "/consumption/": ["zone_type", "start", "end", "sector", "group_by", "year"],
    "/consumption/users/": ["year", "sector", "zone", "page"],
    "/network/edit/": ["bbox", "pipe"],
}


def _path_values() -> dict[str, str]:
    raster = RasterLayer.objects.order_by("id").values_list("slug", flat=True).first()
    return {
        "slug": "pipes",
        "feature_id": str(PipeSegment.objects.order_by("id").values_list("id", flat=True)[0]),
        "leak_id": "1",
        "crossing_id": "1",
        "change_id": "1",
        "raster_slug": raster or "none",
    }


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def _check(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert set(json.loads(response.content)) == {"error"}


def test_every_get_operation_has_been_listed():
    ops = get_operations(openapi_schema())
    with_query = [op for op in ops if op.query_params]
    assert len(ops) >= 20 and len(with_query) >= 10, [op.path for op in ops]


@pytest.mark.parametrize("role", ["engineer", "official"])
def test_sql_metacharacters_in_every_api_query_parameter(client, django_user_model, role):
    client.force_login(django_user_model.objects.get(username=role))
    before = stored_fingerprint()
    values = _path_values()
    sent = 0
    for op in get_operations(openapi_schema()):
        path = _fill(op.path, values)
        if "{" in path:  # a raster's own slug
            path = _fill(op.path, {"slug": values["raster_slug"]})
        for name in op.query_params:
            for value in SQL_VALUES:
                _check(client.get(path, {name: value}))
                sent += 1
        for value in SQL_VALUES[:3]:  # metacharacters in the path itself
            for name in op.path_params:
                _check(client.get(_fill(op.path, {**values, name: value})))
                sent += 1
    assert sent > 300
    assert stored_fingerprint() == before


def test_sql_metacharacters_in_tiles_and_pages(client, official):
    client.force_login(official)
    before = stored_fingerprint()
    for value in SQL_VALUES:
        _check(client.get("/tiles/pipes/14/13360/7060.pbf", {"year": value, "all": value}))
        for path, names in PAGE_PARAMS.items():
            for name in names:
                _check(client.get(path, {name: value}))
        _check(client.get(reverse("layers:search"), {"q": value}))
    assert stored_fingerprint() == before


@pytest.mark.parametrize(
    "zxy", ["23/0/0", "3/8/0", "3/0/8", "99999999999999999999/0/0", "14/99999999999999999999/1"]
)
def test_out_of_range_tiles_are_a_400(client, official, zxy):
    """Out-of-range coordinates (more in tests/layers/test_tiles.py::TileErrorTests), including
    ones past any integer type the database has."""
    client.force_login(official)
    response = client.get(f"/tiles/pipes/{zxy}.pbf")
    assert response.status_code == 400
    assert set(json.loads(response.content)) == {"error"}
