"""Raster layers on the demo county: import and its refusals, API, overlays, node elevations,
and the irrigation verdicts that depend on the rasters."""

import warnings

import numpy as np
import pytest
import rasterio
from affine import Affine
from django.core.management import CommandError, call_command
from django.utils import translation
from rasterio.errors import NotGeoreferencedWarning

from compliance.evaluation import county_of
from compliance.freshness import results_ensure_fresh, stale_families
from compliance.models import Result
from dataio.importing import ImportFailed
from dataio.importing.raster_import import raster_import, raster_root
from network.models import PipeNode
from rasters.models import RasterLayer
from rasters.raster import write_geotiff
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
# 20 x 20 cells of 100 m in EPSG:4546 around the county seat (112.38E 24.78N).
INSIDE = Affine(100, 0, 638_500, 0, -100, 2_742_500)


def grid(dtype=np.float32) -> np.ndarray:
    return (np.arange(400).reshape(20, 20) % 5 + 1).astype(dtype)


def stored_files() -> set[str]:
    root = raster_root()
    return {p.name for p in root.rglob("*")} if root.exists() else set()


def assert_refused(path, reason: str, **kwargs):
    before, files = tables_fingerprint(), stored_files()
    rows = RasterLayer.objects.count()
    with pytest.raises(ImportFailed) as caught, translation.override("en"):
        raster_import(slug="mine", path=path, **kwargs)
    assert reason in str(caught.value)
    assert RasterLayer.objects.count() == rows
    assert stored_files() == files and tables_fingerprint() == before


class RasterImportTests:
    def test_a_good_file_is_registered(self, tmp_path):
        path = write_geotiff(tmp_path / "m.tif", grid(), srid=4546, transform=INSIDE, nodata=-1)
        report = raster_import(slug="mine", path=path, title="我的", unit="m")
        layer = RasterLayer.objects.get(slug="mine")
        assert report.created == 1 and layer.srid == 4546 and layer.unit == "m"
        assert (layer.width, layer.height, layer.resolution) == (20, 20, [100.0, 100.0])
        assert layer.statistics["min"] == 1 and layer.statistics["max"] == 5
        assert (raster_root().parent / layer.path).is_file()
        again = raster_import(slug="mine", path=path)
        assert again.updated == 1
        assert RasterLayer.objects.get(slug="mine").data_version == 2

    def test_outside_the_county_is_refused(self, tmp_path):
        beijing = Affine(0.01, 0, 116.3, 0, -0.01, 40.0)
        path = write_geotiff(tmp_path / "bj.tif", grid(), srid=4326, transform=beijing, nodata=-1)
        assert_refused(path, "does not overlap the county")

    def test_no_georeferencing_is_refused(self, tmp_path):
        path = tmp_path / "plain.tif"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(
                path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32"
            ) as dst:
                dst.write(grid(), 1)
        assert_refused(path, "not georeferenced")

    def test_crs_outside_the_allow_list_is_refused(self, tmp_path):
        world_mercator = Affine(100, 0, 12_500_000, 0, -100, 2_830_000)
        path = tmp_path / "wm.tif"
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=20,
            height=20,
            count=1,
            dtype="float32",
            crs="EPSG:3395",
            transform=world_mercator,
        ) as dst:
            dst.write(grid(), 1)
        assert_refused(path, "allow-list")

    def test_unreadable_too_large_and_wrong_kind_are_refused(self, tmp_path, settings):
        junk = tmp_path / "junk.tif"
        junk.write_bytes(b"not a tiff at all")
        assert_refused(junk, "not readable as a raster")
        path = write_geotiff(tmp_path / "m.tif", grid(), srid=4546, transform=INSIDE, nodata=-1)
        assert_refused(path, "whole numbers", kind="categorical")
        settings.RASTER_MAX_PIXELS = 399
        assert_refused(path, "more than the limit")

    def test_command_refuses_and_stores_nothing(self, tmp_path):
        beijing = Affine(0.01, 0, 116.3, 0, -0.01, 40.0)
        path = write_geotiff(tmp_path / "bj.tif", grid(), srid=4326, transform=beijing, nodata=-1)
        with pytest.raises(CommandError, match="nothing was stored"):
            call_command("import_raster", "mine", str(path), verbosity=0)
        assert not RasterLayer.objects.filter(slug="mine").exists()

    def test_reimport_makes_irrigation_verdicts_stale(self, tmp_path):
        area = county_of("441882")
        results_ensure_fresh(area, 2024)  # whatever earlier tests committed, start fresh
        assert "irrigation" not in stale_families(area, 2024)
        layer = RasterLayer.objects.get(slug="land-use")
        raster_import(slug="land-use", path=raster_root().parent / layer.path)
        assert "irrigation" in stale_families(area, 2024)
        assert "supply" not in stale_families(area, 2024)

    def test_a_new_terrain_refills_node_elevations(self, tmp_path):
        """Importing the elevation raster again re-samples every node: inside the new grid the
        nodes take its value, outside it they have none (not a stale height)."""
        terrain = np.full((20, 20), 321.0, dtype=np.float32)
        path = write_geotiff(tmp_path / "dem.tif", terrain, srid=4546, transform=INSIDE, nodata=-1)
        assert PipeNode.objects.exclude(elevation_m=321.0).exists()
        call_command("import_raster", "elevation", str(path), verbosity=0)
        inside = PipeNode.objects.filter(elevation_m=321.0).count()
        outside = PipeNode.objects.filter(elevation_m__isnull=True).count()
        assert inside > 0 and outside > 0
        assert inside + outside == PipeNode.objects.count()


class DemoRasterTests:
    def test_three_synthetic_rasters_with_node_elevations(self):
        layers = {r.slug: r for r in RasterLayer.objects.all()}
        assert {"elevation", "rainfall", "land-use"} <= set(layers)
        assert layers["elevation"].srid == 4546 and layers["rainfall"].srid == 4326
        assert all("synthetic" in r.source for r in layers.values())
        assert (
            1550
            <= layers["rainfall"].statistics["min"]
            < layers["rainfall"].statistics["max"]
            <= 1950
        )
        assert set(layers["land-use"].statistics["classes"]) == {"1", "2", "3", "4", "5"}
        assert not PipeNode.objects.filter(elevation_m__isnull=True).exists()

    def test_demo_irrigation_verdicts(self):
        failing = set(
            Result.objects.filter(year=2024, status="non_compliant").values_list(
                "indicator__code", "feature_code"
            )
        )
        assert ("irrigation.paddy_area", "ID02") in failing
        assert ("irrigation.net_demand", "ID01") in failing
        assert ("irrigation.paddy_area", "ID05") not in failing
        land = Result.objects.get(
            year=2024, indicator__code="irrigation.paddy_area", feature_code="ID02"
        )
        assert land.details["declared_area_mu"] > land.details["land_use_area_mu"]
        assert "亩" in land.explanation_zh and "20%" in land.explanation_zh


class RasterApiTests:
    def test_list(self, client, official, django_assert_max_num_queries):
        client.force_login(official)
        with django_assert_max_num_queries(6):
            data = client.get("/api/v1/rasters/").json()
        by_slug = {r["slug"]: r for r in data["rasters"]}
        elevation = by_slug["elevation"]
        assert elevation["unit"] == "m" and elevation["kind"] == "continuous"
        (south, west), (north, east) = elevation["overlay"]["bounds"]
        assert 112.0 < west < 112.2 and 112.7 < east < 112.9 and south < 24.65 and north > 25.15
        assert [c["code"] for c in by_slug["land-use"]["legend"]["classes"]][0] == "paddy"
        png = client.get(elevation["overlay"]["url"])
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        assert b"".join(png.streaming_content)[:4] == b"\x89PNG"

    def test_value_under_a_point(self, client, official):
        client.force_login(official)
        seat = "lon=112.380&lat=24.780"
        value = client.get(f"/api/v1/rasters/elevation/value/?{seat}").json()
        assert value["unit"] == "m" and 60 < value["value"] < 400
        land = client.get(f"/api/v1/rasters/land-use/value/?{seat}").json()
        assert land["class_code"] == "built_up" and land["class_label"] == "建设用地"
        outside = client.get("/api/v1/rasters/elevation/value/?lon=100&lat=30").json()
        assert outside["value"] is None
        bad = client.get("/api/v1/rasters/elevation/value/?lon=abc&lat=24.7")
        assert bad.status_code == 400 and "lon" in bad.json()["error"]["details"]
        assert client.get("/api/v1/rasters/nope/value/?lon=112&lat=24").status_code == 404

    def test_zonal_statistics(self, client, official):
        client.force_login(official)
        data = client.get("/api/v1/rasters/land-use/zonal/?layer=irrigation-districts").json()
        assert len(data["results"]) == 5
        id02 = next(r for r in data["results"] if r["code"] == "ID02")
        paddy = next(c for c in id02["classes"] if c["code"] == "paddy")
        assert paddy["area_mu"] == pytest.approx(paddy["area_m2"] / 666.6667, rel=1e-4)
        rain = client.get("/api/v1/rasters/rainfall/zonal/?layer=towns&code=441882100").json()
        (town,) = rain["results"]
        assert rain["unit"] == "mm" and 1550 < town["mean"] < 1950 and town["coverage"] > 0.95
        bad = client.get("/api/v1/rasters/rainfall/zonal/?layer=pipes")
        assert bad.status_code == 400 and "layer" in bad.json()["error"]["details"]

    def test_high_nodes(self, client, engineer):
        """SZ05 holds the demo's planted hilltop village, above its plant's reach (the other
        zones' streets are laid within their plants' head: demo/network_terrain.py)."""
        client.force_login(engineer)
        data = client.get("/api/v1/network/high-nodes/?zone=SZ05&head_m=40").json()
        assert data["count"] > 0 and data["head_m"] == 40
        for node in data["results"]:
            assert node["zone_code"] == "SZ05"
            assert node["elevation_m"] > node["source_elevation_m"] + 40
            assert node["excess_m"] > 0
        higher = client.get("/api/v1/network/high-nodes/?zone=SZ05&head_m=80").json()
        assert higher["count"] < data["count"]
        assert client.get("/api/v1/network/high-nodes/?zone=XX").status_code == 400


class RasterReimportTests:
    def test_the_same_file_described_the_same_changes_nothing(self):
        """Re-importing the stored rainfall file with its stored description: no new data
        version, no table changed (a forced demo reload used to bump every raster)."""
        layer = RasterLayer.objects.get(slug="rainfall")
        before = tables_fingerprint()
        report = raster_import(
            slug="rainfall", path=raster_root().parent / layer.path, source=layer.source
        )
        assert (report.created, report.updated) == (0, 0)
        assert tables_fingerprint() == before
        changed = raster_import(slug="rainfall", path=raster_root().parent / layer.path, source="x")
        assert changed.updated == 1
        assert RasterLayer.objects.get(slug="rainfall").data_version == layer.data_version + 1
