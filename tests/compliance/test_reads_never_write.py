"""Reads never write: every GET of the API (from the OpenAPI schema), the tiles and the pages
leaves every table exactly as it was, even when the verdicts are stale or the year has no
data; the stored verdicts are shown with `fresh: false` until the worker re-evaluates."""

from __future__ import annotations

import pytest

from compliance.freshness import default_year
from layers.tiles import lonlat_to_tile
from network.models import PipeSegment, SupplyZone
from rasters.models import RasterLayer
from tests.helpers import database_fingerprint, evaluate_pending, rewrite_one_row
from tests.hostile.openapi import get_operations, openapi_schema

pytestmark = pytest.mark.django_db

PAGES = ["/map/", "/data/", "/reports/county/", "/consumption/", "/consumption/users/"]


def _paths() -> list[str]:
    pipe_id = str(PipeSegment.objects.order_by("id").values_list("id", flat=True)[0])
    raster = RasterLayer.objects.order_by("id").values_list("slug", flat=True).first() or "none"
    values = {"feature_id": pipe_id, "leak_id": "1", "crossing_id": "1", "change_id": "1"}
    paths = []
    for op in get_operations(openapi_schema()):
        path = op.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        if "{raster_slug}" in path or ("{slug}" in path and "rasters" in path):
            path = path.replace("{raster_slug}", raster).replace("{slug}", raster)
        slugs = ["pipes", "water-users", "supply-zones", "towns"] if "{slug}" in path else [None]
        for slug in slugs:
            paths.append(path.replace("{slug}", slug) if slug else path)
    return paths


def _tiles() -> list[str]:
    point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
    z, x, y = 14, *lonlat_to_tile(point.x, point.y, 14)
    return [f"/tiles/{slug}/{z}/{x}/{y}.pbf" for slug in ("pipes", "water-users", "towns")]


@pytest.mark.parametrize("year", [2024, 2100])
def test_no_get_writes_anything(client, django_user_model, year):
    """The pipes were changed behind Django's back, so every 2024 verdict of the supply family
    is stale; 2100 has no data at all. Neither makes a read evaluate, store or notify rows."""
    client.force_login(django_user_model.objects.get(username="admin"))
    rewrite_one_row("layers_pipesegment")
    before = database_fingerprint()
    answered = 0
    for path in [*_paths(), *_tiles(), *PAGES]:
        response = client.get(path, {"year": year})
        assert response.status_code < 500, (path, response.status_code)
        answered += response.status_code == 200
    after = database_fingerprint()
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert changed == [], f"GETs wrote to {changed}"
    assert answered >= 25
    if year == 2024:  # the fingerprint does see the writes a re-evaluation makes
        evaluate_pending()
        rewritten = database_fingerprint()
        assert rewritten["compliance_result"] != after["compliance_result"]


def test_a_stale_verdict_is_shown_as_stale_until_the_worker_runs(client, official):
    client.force_login(official)
    rewrite_one_row("layers_pipesegment")
    url = "/api/v1/layers/supply-zones/features/?year=2024&page_size=1"
    full = client.get(url + "&properties=all").json()["features"][0]["properties"]["compliance"]
    assert full["fresh"] is False and full["evaluated_at"]
    lean = client.get(url).json()["compliance"]  # the lean page says it once for all
    assert lean["fresh"] is False and lean["evaluated_at"]
    evaluate_pending()
    full = client.get(url + "&properties=all").json()["features"][0]["properties"]["compliance"]
    assert full["fresh"] is True
    assert client.get(url).json()["compliance"]["fresh"] is True


def test_a_year_without_data_stores_nothing_and_moves_no_default_year(client, official):
    """Before, GET scorecard/?year=2100 evaluated 2100 and every map then opened on it."""
    client.force_login(official)
    card = client.get("/api/v1/compliance/scorecard/?year=2100").json()
    assert card["evaluated"] is False and card["lines"] == [] and card["passed"] is not True
    assert evaluate_pending() == []  # the worker was asked, finds no data, stores nothing
    assert client.get("/api/v1/compliance/scorecard/?year=2100").json()["evaluated"] is False
    assert default_year() == 2025
