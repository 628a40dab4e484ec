"""Raster layers limited to the reader's area (issue 19): a raster is a coverage, seen by every
reader whose area it reaches, clipped to that area.

Beside the demo's Lianzhou (about 112.1–112.7°E, 24.6–25.2°N, with the demo's three rasters)
lies 测试县 (tests/security/test_area_scope.py: 113.50–113.60°E, 24.00–24.10°N). A hand-made
raster of 0.01° cells spans both (112.00–113.70°E, 23.90–25.30°N: 170 × 140 cells, each cell's
value its column + 1, so a point's value says where it is).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import rasterio
from affine import Affine
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import translation
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from accounts.scope import scope_for_user
from dataio.importing import ImportFailed
from dataio.importing.raster_import import raster_import
from layers.scope import scope_bound
from network.models import PipeNode, SupplyZone
from rasters.models import RasterLayer
from rasters.overlay import overlay_grid_of
from rasters.raster import write_geotiff
from tests.helpers import tables_fingerprint
from tests.security.test_area_scope import counties, member  # noqa: F401 - a fixture
from tests.security.test_area_scope_network import county_net  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

RASTERS = "/api/v1/rasters/"
BOTH = Affine(0.01, 0, 112.00, 0, -0.01, 25.30)
IN_OTHER = (113.555, 24.055)  # column (113.555 − 112.00) / 0.01 = 155 → value 156
IN_LIANZHOU = (112.385, 24.785)  # the county seat: column 38 → value 39
TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)


@pytest.fixture
def both(counties, tmp_path):  # noqa: F811
    """The raster spanning both counties, imported as `t-both` by no one in particular."""
    data = (np.arange(170, dtype=np.float32)[None, :] + 1).repeat(140, axis=0)
    path = write_geotiff(tmp_path / "both.tif", data, srid=4326, transform=BOTH, nodata=-1)
    raster_import(slug="t-both", path=path, title="两县", unit="u")
    return {**counties, "raster": RasterLayer.objects.get(slug="t-both")}


def alpha_at(png: bytes, layer: RasterLayer, lonlat: tuple[float, float]) -> int:
    """The overlay PNG's opacity at a lon/lat point (its pixel on the EPSG:3857 grid)."""
    col, row = ~overlay_grid_of(layer).transform @ TO_3857.transform(*lonlat)
    with warnings.catch_warnings(), MemoryFile(png) as mem:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with mem.open() as src:
            return int(src.read(4)[int(row), int(col)])


def overlay(client, layer: RasterLayer) -> bytes:
    listed = {r["slug"]: r for r in client.get(RASTERS).json()["rasters"]}
    response = client.get(listed[layer.slug]["overlay"]["url"])
    assert response.status_code == 200
    return b"".join(response.streaming_content)


class ScopedRasterTests:
    def test_a_raster_is_listed_where_it_reaches(self, client, both, django_user_model):
        """测试县's official sees the raster reaching both counties, not the demo's three
        (which reach only Lianzhou): their overlay, value and zonal answers are 404."""
        client.force_login(member(django_user_model, "yang", both["other"], "official"))
        assert [r["slug"] for r in client.get(RASTERS).json()["rasters"]] == ["t-both"]
        assert client.get("/rasters/elevation/overlay.png").status_code == 404
        assert client.get("/rasters/elevation/hillshade.png").status_code == 404
        assert client.get("/rasters/elevation/overlay.pgw").status_code == 404
        value = client.get("/api/v1/rasters/elevation/value/", {"lon": 113.55, "lat": 24.05})
        assert value.status_code == 404
        zonal = client.get("/api/v1/rasters/rainfall/zonal/", {"layer": "supply-zones"})
        assert zonal.status_code == 404
        client.force_login(member(django_user_model, "lz", both["lianzhou"], "official"))
        slugs = [r["slug"] for r in client.get(RASTERS).json()["rasters"]]
        assert {"elevation", "rainfall", "land-use", "t-both"} <= set(slugs)

    def test_the_overlay_is_clipped_to_the_reader_area(self, client, both, django_user_model):
        """The same raster's PNG: opaque in 测试县 and transparent in Lianzhou for 测试县's
        official, the reverse for Lianzhou's, opaque in both for the city's official; each
        area's PNG has its own address."""
        layer = both["raster"]
        seen = {}
        for name, area in (("yang", "other"), ("lz", "lianzhou"), ("qy", "city")):
            client.force_login(member(django_user_model, name, both[area], "official"))
            png = overlay(client, layer)
            seen[name] = (alpha_at(png, layer, IN_OTHER), alpha_at(png, layer, IN_LIANZHOU))
        assert seen == {"yang": (255, 0), "lz": (0, 255), "qy": (255, 255)}
        urls = set()
        for name in ("yang", "lz"):
            client.force_login(django_user_model.objects.get(username=name))
            listed = client.get(RASTERS).json()["rasters"]
            urls.add(next(r for r in listed if r["slug"] == "t-both")["overlay"]["url"])
        assert len(urls) == 2

    def test_the_value_under_a_point_outside_the_area_is_none(
        self, client, both, django_user_model
    ):
        """Value = column + 1: 156 in 测试县, 39 at Lianzhou's seat; None across the line."""
        url = "/api/v1/rasters/t-both/value/"

        def value(lonlat):
            return client.get(url, {"lon": lonlat[0], "lat": lonlat[1]}).json()["value"]

        client.force_login(member(django_user_model, "yang", both["other"], "official"))
        assert (value(IN_OTHER), value(IN_LIANZHOU)) == (156, None)
        client.force_login(member(django_user_model, "lz", both["lianzhou"], "official"))
        assert (value(IN_OTHER), value(IN_LIANZHOU)) == (None, 39)

    def test_zonal_statistics_are_of_the_reader_features(self, client, both, django_user_model):
        """Supply zone T-YS (113.5505–113.5595°E) lies within the raster's column 155, whose
        cells hold 156: min = max = 156. 测试县's official gets that zone alone; Lianzhou's
        gets its own zones (asked second: the first answer, kept in the cache, is not served
        to another area)."""
        square = Polygon.from_bbox((113.5505, 24.02, 113.5595, 24.08))
        SupplyZone.objects.create(code="T-YS", name="测", geom=MultiPolygon(square, srid=4326))
        url = "/api/v1/rasters/t-both/zonal/"
        client.force_login(member(django_user_model, "yang", both["other"], "official"))
        (zone,) = client.get(url, {"layer": "supply-zones"}).json()["results"]
        assert zone["code"] == "T-YS" and zone["min"] == zone["max"] == 156
        client.force_login(member(django_user_model, "lz", both["lianzhou"], "official"))
        codes = [r["code"] for r in client.get(url, {"layer": "supply-zones"}).json()["results"]]
        assert codes and "T-YS" not in codes
        theirs = SupplyZone.objects.exclude(code="T-YS").values_list("code", flat=True)
        assert set(codes) == set(theirs)


class ScopedHighNodesTests:
    def test_high_nodes_are_of_the_reader_area(
        self,
        client,
        county_net,  # noqa: F811
        django_user_model,
    ):
        """测试县's node H at 200 m in zone T-YZ, whose source S is at 100 m: with a head of
        50 m, H is 50 m above its reach. 测试县's engineer: H only; Lianzhou's: never H."""
        PipeNode.objects.create(
            code="T-YH", kind="junction", elevation_m=200.0, geom=Point(113.57, 24.07, srid=4326)
        )
        url = "/api/v1/network/high-nodes/"
        client.force_login(member(django_user_model, "yang", county_net["other"], "engineer"))
        data = client.get(url, {"head_m": 50}).json()
        assert [(n["code"], n["excess_m"]) for n in data["results"]] == [("T-YH", 50.0)]
        client.force_login(member(django_user_model, "lz", county_net["lianzhou"], "engineer"))
        assert "T-YH" not in [n["code"] for n in client.get(url, {"head_m": 50}).json()["results"]]
        assert client.get(url, {"zone": "T-YZ"}).status_code == 400  # not a zone of theirs


class ScopedRasterImportTests:
    def test_a_county_admin_imports_only_a_raster_within_their_area(
        self,
        counties,  # noqa: F811
        django_user_model,
        tmp_path,
    ):
        """测试县's administrator: the raster reaching Lianzhou is refused, nothing written; a
        raster inside 测试县 (113.52–113.58°E) is imported; replacing the demo's terrain, which
        reaches Lianzhou, is refused."""
        yang = member(django_user_model, "yangadm", counties["other"], "admin", True)
        ones = np.ones((140, 170), dtype=np.float32)
        wide = write_geotiff(tmp_path / "w.tif", ones, srid=4326, transform=BOTH, nodata=-1)
        small = Affine(0.006, 0, 113.52, 0, -0.006, 24.08)  # 10 × 10 cells
        inside = write_geotiff(
            tmp_path / "i.tif", ones[:10, :10], srid=4326, transform=small, nodata=-1
        )
        before, rows = tables_fingerprint(), RasterLayer.objects.count()
        with scope_bound(lambda: scope_for_user(yang)), translation.override("en"):
            for slug, path in (("t-wide", wide), ("elevation", inside)):
                with pytest.raises(ImportFailed) as refused:
                    raster_import(slug=slug, path=path)
                assert "outside your area" in str(refused.value)
            assert tables_fingerprint() == before and RasterLayer.objects.count() == rows
            raster_import(slug="t-inside", path=inside)
        assert RasterLayer.objects.filter(slug="t-inside").exists()


def test_the_hand_made_raster_is_what_the_docstring_says(tmp_path):
    """Column 155 holds 156 and spans 113.55–113.56°E; column 38 spans 112.38–112.39°E."""
    data = (np.arange(170, dtype=np.float32)[None, :] + 1).repeat(140, axis=0)
    path = write_geotiff(tmp_path / "b.tif", data, srid=4326, transform=BOTH, nodata=-1)
    with rasterio.open(path) as src:
        assert [v[0] for v in src.sample([IN_OTHER, IN_LIANZHOU])] == [156, 39]
