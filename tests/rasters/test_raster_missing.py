"""A raster layer whose GeoTIFF is missing on disk (deleted or moved under MEDIA_ROOT/rasters):
reads that sample it answer a clear 503 "raster_file_missing" in the error shape, irrigation
verdicts that need it are no_data saying to re-import it; never a 500."""

from __future__ import annotations

import shutil

import pytest
from django.core.cache import cache

from compliance.models import Result
from dataio.importing.raster_import import raster_root
from rasters.models import RasterLayer
from tests.helpers import evaluate_pending, rewrite_one_row

pytestmark = pytest.mark.django_db

SEAT = "lon=112.380&lat=24.780"  # the county seat


@pytest.fixture
def missing(tmp_path):
    """Moves the GeoTIFFs (and rendered overlays) of the named rasters away; puts them back."""
    moved: list[tuple] = []

    def move(*slugs: str) -> None:
        for slug in slugs:
            layer = RasterLayer.objects.get(slug=slug)
            files = [raster_root().parent / layer.path]
            files += list((raster_root() / "cache").glob(f"{slug}-v*.png"))
            for path in files:
                aside = tmp_path / path.name
                shutil.move(path, aside)
                moved.append((aside, path))
        cache.clear()  # zonal figures are cached on the data versions, not on the file

    yield move
    for aside, path in moved:
        shutil.move(aside, path)
    cache.clear()


def _assert_missing(response, slug: str) -> None:
    assert response.status_code == 503, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "raster_file_missing"
    assert error["details"] == {"raster": slug}
    assert slug in error["message"] and "重新导入" in error["message"]


class RasterFileMissingTests:
    def test_value_on_click_is_a_503(self, client, official, missing):
        client.force_login(official)
        missing("elevation")
        _assert_missing(client.get(f"/api/v1/rasters/elevation/value/?{SEAT}"), "elevation")
        client.cookies["django_language"] = "en"
        message = client.get(f"/api/v1/rasters/elevation/value/?{SEAT}").json()["error"]
        assert "re-import" in message["message"]

    def test_zonal_statistics_are_a_503(self, client, official, missing):
        client.force_login(official)
        missing("land-use")
        url = "/api/v1/rasters/land-use/zonal/?layer=irrigation-districts"
        _assert_missing(client.get(url), "land-use")

    def test_overlay_is_a_503(self, client, official, missing):
        client.force_login(official)
        url = next(
            r["overlay"]["url"]
            for r in client.get("/api/v1/rasters/").json()["rasters"]
            if r["slug"] == "rainfall"
        )
        missing("rainfall")
        _assert_missing(client.get(url), "rainfall")

    def test_other_rasters_still_answer(self, client, official, missing):
        client.force_login(official)
        missing("elevation")
        land = client.get(f"/api/v1/rasters/land-use/value/?{SEAT}")
        assert land.status_code == 200 and land.json()["class_code"] == "built_up"
        assert client.get("/api/v1/rasters/").status_code == 200

    def test_irrigation_verdicts_are_no_data_saying_to_reimport(self, client, official, missing):
        client.force_login(official)
        missing("land-use", "rainfall")
        rewrite_one_row("layers_rasterlayer")  # as a re-import would: verdicts are stale
        evaluate_pending()
        response = client.get(
            "/api/v1/compliance/results/?year=2024&layer=irrigation-districts&page_size=1000"
        )
        assert response.status_code == 200, response.content[:300]
        by_indicator: dict[str, set[str]] = {}
        for row in response.json()["results"]:
            by_indicator.setdefault(row["indicator"], set()).add(row["status"])
        assert by_indicator["irrigation.paddy_area"] == {"no_data"}
        assert by_indicator["irrigation.net_demand"] == {"no_data"}
        land = Result.objects.get(
            year=2024, indicator__code="irrigation.paddy_area", feature_code="ID02"
        )
        assert "re-import" in land.explanation_en and "重新导入" in land.explanation_zh
        demand = Result.objects.get(
            year=2024, indicator__code="irrigation.net_demand", feature_code="ID01"
        )
        assert "rainfall raster's file is missing" in demand.explanation_en
