"""Pure raster code: zonal statistics against a hand computation with numpy, cell areas,
sampling, the overlay PNG's bounds and colours, raster style files. No database."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Geod, Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from shapely.geometry import Polygon, box

from layers.geometry import reproject
from layers.styles import validate_file
from layers.styles_raster import default_style, validate_raster_style
from rasters.raster import (
    SQ_M_PER_MU,
    band_statistics,
    cell_areas_m2,
    render_overlay,
    sample,
    write_geotiff,
    zonal,
)

STYLES = Path(__file__).resolve().parents[2] / "styles"
# A 10 x 8 grid of 0.01° cells in Lianzhou: west 112.00, north 25.00 (EPSG:4326).
T = Affine(0.01, 0, 112.0, 0, -0.01, 25.0)
NODATA = -9999.0
GEOD = Geod(ellps="WGS84")


def values() -> np.ndarray:
    data = np.arange(80, dtype=np.float32).reshape(8, 10) * 1.5 + 100
    data[2, 3] = NODATA  # a nodata cell inside polygon A
    data[6, 1] = NODATA  # and one inside the edge polygon
    return data


@pytest.fixture
def continuous(tmp_path) -> Path:
    return write_geotiff(
        tmp_path / "c.tif", values(), srid=4326, transform=T, nodata=NODATA, tags={"UNIT": "m"}
    )


@pytest.fixture
def classes(tmp_path) -> Path:
    data = (np.arange(80).reshape(8, 10) % 3 + 1).astype(np.uint8)
    data[3, 4] = 0  # nodata
    return write_geotiff(tmp_path / "k.tif", data, srid=4326, transform=T, nodata=0)


def row_area_m2(row: int) -> float:
    """Area of one cell of a row by an independent route: pyproj's geodesic polygon area."""
    top = 25.0 - 0.01 * row
    lons, lats = [112.0, 112.01, 112.01, 112.0], [top, top, top - 0.01, top - 0.01]
    return abs(GEOD.polygon_area_perimeter(lons, lats)[0])


def cells_in(poly, srid: int) -> np.ndarray:
    """Hand computation: which cell centres lie inside poly (given in EPSG:srid)."""
    cols, rows = np.meshgrid(np.arange(10) + 0.5, np.arange(8) + 0.5)
    lon, lat = 112.0 + cols * 0.01, 25.0 - rows * 0.01
    if srid != 4326:
        lon, lat = Transformer.from_crs(4326, srid, always_xy=True).transform(lon, lat)
    return shapely.contains_xy(poly, lon, lat)


# Polygon A: rows 1-3 x columns 2-5 (edges between cell centres); polygon B leaves the raster
# to the west and south; polygon C is a triangle drawn in EPSG:4546 metres.
POLY_A = box(112.02, 24.96, 112.06, 24.99)
POLY_B = box(111.95, 24.90, 112.03, 24.95)
POLY_C = Polygon([(602_500, 2_759_000), (607_000, 2_760_000), (604_000, 2_765_000)])


class ZonalContinuousTests:
    def expected(self, inside: np.ndarray) -> dict:
        data = values()
        valid = inside & (data != NODATA)
        areas = np.array([row_area_m2(r) for r in range(8)])[:, None] * np.ones((8, 10))
        return {
            "cells": int(valid.sum()),
            "nodata": int((inside & (data == NODATA)).sum()),
            "min": float(data[valid].min()),
            "max": float(data[valid].max()),
            "mean": float(data[valid].astype(np.float64).mean()),
            "area": float(areas[valid].sum()),
        }

    def check(self, got, want):
        assert got.cells == want["cells"] and got.nodata_cells == want["nodata"]
        assert got.min == want["min"] and got.max == want["max"]
        assert got.mean == pytest.approx(want["mean"], rel=1e-12)
        assert got.area_m2 == pytest.approx(want["area"], rel=1e-7)

    def test_polygon_inside_with_a_nodata_cell(self, continuous):
        want = self.expected(cells_in(POLY_A, 4326))
        assert (want["cells"], want["nodata"]) == (11, 1)
        (got,) = zonal(continuous, 4326, [POLY_A], 4326, categorical=False)
        self.check(got, want)
        # Cells shrink with latitude: the counted area is not cells x one cell's area.
        assert got.area_m2 != pytest.approx(11 * row_area_m2(0), rel=1e-5)
        assert got.coverage == pytest.approx(11 / 12, rel=1e-3)

    def test_polygon_across_the_raster_edge(self, continuous):
        inside = cells_in(POLY_B, 4326)
        want = self.expected(inside)
        (got,) = zonal(continuous, 4326, [POLY_B], 4326, categorical=False)
        self.check(got, want)
        assert got.cells == 8 and got.nodata_cells == 1
        # Only the part over the raster (and with data) counts: coverage well below 1.
        assert 0.1 < got.coverage < 0.3

    def test_polygon_in_another_crs(self, continuous):
        lonlat = reproject(POLY_C, 4546, 4326)
        assert POLY_C.within(reproject(box(112.0, 24.92, 112.1, 25.0), 4326, 4546))
        inside = cells_in(POLY_C, 4546)
        assert inside.sum() >= 4
        want = self.expected(inside)
        (got,) = zonal(continuous, 4326, [POLY_C], 4546, categorical=False)
        self.check(got, want)
        # The same polygon given in lon/lat gives the same figures.
        (same,) = zonal(continuous, 4326, [lonlat], 4326, categorical=False)
        assert (same.cells, same.mean) == (got.cells, got.mean)

    def test_polygon_off_the_raster(self, continuous):
        (got,) = zonal(continuous, 4326, [box(113, 24, 113.1, 24.1)], 4326, categorical=False)
        assert (got.cells, got.mean, got.coverage) == (0, None, 0.0)


class ZonalCategoricalTests:
    def test_area_per_class_in_mu(self, classes):
        (got,) = zonal(classes, 4326, [POLY_A], 4326, categorical=True)
        with rasterio.open(classes) as src:
            data = src.read(1)
        inside = cells_in(POLY_A, 4326)
        for value in (1, 2, 3):
            hit = inside & (data == value)
            area = sum(row_area_m2(r) for r in np.nonzero(hit)[0])
            cells, area_m2 = got.classes[value]
            assert cells == int(hit.sum())
            assert area_m2 == pytest.approx(area, rel=1e-7)
            assert area_m2 / SQ_M_PER_MU == pytest.approx(area / 666.6667, rel=1e-6)
        assert got.nodata_cells == 1 and 0 not in got.classes


class CellAreaTests:
    def test_geographic_rows_match_geodesic_areas(self):
        areas = cell_areas_m2(4326, T, 8, 10)
        assert areas.shape == (8, 1)
        for r in range(8):
            assert areas[r, 0] == pytest.approx(row_area_m2(r), rel=1e-8)
        assert areas[0, 0] < areas[7, 0]  # farther north, smaller

    def test_projected_cells_corrected_by_the_areal_scale(self):
        gk = cell_areas_m2(4546, Affine(100, 0, 560_000, 0, -100, 2_765_000), 2, 2)
        assert gk == pytest.approx(np.full((2, 2), 10_000.0), rel=2e-4)
        merc = cell_areas_m2(3857, Affine(100, 0, 12_500_000, 0, -100, 2_870_000), 1, 1)
        lat = np.radians(24.9)
        assert merc[0, 0] == pytest.approx(10_000 * np.cos(lat) ** 2, rel=1e-3)


class SampleAndStatisticsTests:
    def test_sample_values_nodata_and_outside(self, continuous):
        got = sample(continuous, 4326, [112.005, 112.035, 113.0], [24.995, 24.975, 25.0], 4326)
        assert got[0] == 100.0 and np.isnan(got[1]) and np.isnan(got[2])
        x, y = Transformer.from_crs(4326, 4546, always_xy=True).transform(112.095, 24.925)
        assert sample(continuous, 4326, [x], [y], 4546)[0] == values()[7, 9]

    def test_band_statistics(self, classes):
        stats = band_statistics(classes, categorical=True)
        assert stats["cells"] == 79 and stats["nodata_cells"] == 1
        assert sum(stats["classes"].values()) == 79


class OverlayTests:
    def test_png_has_the_raster_bounds_and_the_ramp_colours(self, tmp_path):
        data = np.full((8, 10), 10.0, dtype=np.float32)
        data[:, 5:] = 90.0
        data[:2, :2] = NODATA
        path = write_geotiff(tmp_path / "o.tif", data, srid=4326, transform=T, nodata=NODATA)
        ramp = [{"value": 10, "color": "#ff0000"}, {"value": 90, "color": "#0000ff"}]
        png, grid = render_overlay(path, 4326, ramp=ramp)
        assert grid.bounds_4326 == pytest.approx((112.0, 24.92, 112.1, 25.0), abs=1e-9)
        with warnings.catch_warnings(), MemoryFile(png) as mem:
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with mem.open() as img:
                assert img.driver == "PNG" and img.count == 4
                assert (img.width, img.height) == (grid.width, grid.height)
                rgba = img.read()
        to_merc = Transformer.from_crs(4326, 3857, always_xy=True)

        def pixel(lon, lat):
            col, row = ~grid.transform @ to_merc.transform(lon, lat)
            return tuple(int(v) for v in rgba[:, int(row), int(col)])

        assert pixel(112.025, 24.955) == (255, 0, 0, 255)  # a cell of value 10
        assert pixel(112.075, 24.935) == (0, 0, 255, 255)  # a cell of value 90
        assert pixel(112.005, 24.995)[3] == 0  # nodata: transparent

    def test_classes_get_their_colours(self, classes):
        table = [{"value": 1, "color": "#112233"}, {"value": 2, "color": "#445566"}]
        png, grid = render_overlay(classes, 4326, classes=table)
        with warnings.catch_warnings(), MemoryFile(png) as mem:
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            rgba = mem.open().read()
        colours = {tuple(int(v) for v in px) for px in rgba.reshape(4, -1).T}
        assert (0x11, 0x22, 0x33, 255) in colours and (0x44, 0x55, 0x66, 255) in colours
        assert all(
            c[3] == 0 for c in colours if c[:3] not in {(0x11, 0x22, 0x33), (0x44, 0x55, 0x66)}
        )


class RasterStyleTests:
    @pytest.mark.parametrize("slug", ["elevation", "rainfall", "land-use"])
    def test_shipped_files_are_valid(self, slug):
        assert validate_file(STYLES / f"raster-{slug}.json") == []

    def test_broken_file_says_why(self):
        data = json.loads((STYLES / "raster-elevation.json").read_text(encoding="utf-8"))
        data["ramp"][2]["value"] = 10
        data["ramp"][0]["color"] = "green"
        data["classes"] = []
        errors = validate_raster_style(data, name="raster-elevation.json")
        assert any("does not ascend" in e for e in errors)
        assert any("'green' is not a colour" in e for e in errors)
        assert any("only categorical" in e for e in errors)
        assert validate_raster_style({**data, "slug": "dem"}, name="raster-elevation.json")

    def test_default_style_is_valid(self):
        for kind, stats in (
            ("continuous", {"min": 3, "max": 9}),
            ("categorical", {"classes": {"1": 5, "7": 2}}),
        ):
            assert validate_raster_style(default_style("x", kind, "", stats)) == []


class DemoRasterGeneratorTests:
    def test_same_seed_same_bytes_and_labelled_synthetic(self, tmp_path):
        from demo.common import load_outline, to_metric
        from demo.rasters import write_rasters
        from demo.water import build_water_layers

        outline_m = to_metric(load_outline())
        water = build_water_layers(outline_m, 441882)
        first, second = tmp_path / "a", tmp_path / "b"
        first.mkdir(), second.mkdir()
        facts = write_rasters(first, outline_m, water, 441882)
        write_rasters(second, outline_m, water, 441882)
        total = 0
        for name in ("elevation.tif", "rainfall.tif", "land-use.tif"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
            total += (first / name).stat().st_size
            with rasterio.open(first / name) as src:
                assert src.tags()["SYNTHETIC"] == "yes" and src.nodata is not None
                assert src.profile["compress"] == "deflate"
        assert total < 3_000_000
        assert 1550 <= facts["rainfall.tif"]["min"] < facts["rainfall.tif"]["max"] <= 1950
        land = facts["land-use.tif"]["districts"]
        gap = {code: abs(d["land_mu"] / d["declared_mu"] - 1) for code, d in land.items()}
        assert gap["ID02"] > 0.3 and all(g < 0.15 for c, g in gap.items() if c != "ID02")
