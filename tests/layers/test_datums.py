"""Coordinate systems deliveries come in (issue 18): CGCS2000 6-degree zone 19 with and without
the zone prefix, and Xian 1980 / Beijing 1954 Gauss-Krüger zones only with the bureau's own
transformation parameters (refused, naming the setting, without them)."""

from __future__ import annotations

import pytest
from pyproj import Transformer
from shapely.geometry import Point

from dataio.importing import ImportFailed
from dataio.importing.layer_import import layer_import
from layers.geometry import GeometryError, reproject
from layers.models import SewagePlant
from tests.helpers import write_layer

SEAT = Point(112.38, 24.78)  # the county seat


class SixDegreeZoneTests:
    def test_zone_19_is_the_3_degree_cm_111e_projection(self):
        """Zone 19 of the 6-degree system is centred on 111°E like the 3-degree CM 111E zone:
        the same easting and northing, with 19 (or 37) written before the easting."""
        x3 = reproject(SEAT, 4326, 4546)
        x6 = reproject(SEAT, 4326, 4508)
        assert (x6.x, x6.y) == pytest.approx((x3.x, x3.y), abs=1e-6)
        prefixed = reproject(SEAT, 4326, 4497)
        assert prefixed.x == pytest.approx(19_000_000 + x3.x, abs=1e-6)
        assert reproject(SEAT, 4326, 4525).x == pytest.approx(37_000_000 + x3.x, abs=1e-6)


class LegacyDatumTests:
    def test_refused_without_the_bureau_s_parameters(self, settings):
        settings.XIAN80_TOWGS84 = ""
        with pytest.raises(GeometryError, match="XIAN80_TOWGS84"):
            reproject(Point(638_000, 2_741_000), 2382, 4326)

    def test_a_helmert_shift_moves_the_result_by_that_much(self, settings):
        """With zero parameters the Xian 1980 grid differs from CGCS2000 only by its ellipsoid
        (IAU 76); a dx of +100 m (with dy = dz = 0) moves the point by about 100 m on the
        ground, eastward and slightly (sin of the latitude) — checked in metres in EPSG:4546."""
        settings.XIAN80_TOWGS84 = "0,0,0,0,0,0,0"
        xy = Point(638_000, 2_741_000)
        base = reproject(reproject(xy, 2382, 4326), 4326, 4546)
        settings.XIAN80_TOWGS84 = "100,0,0,0,0,0,0"
        shifted = reproject(reproject(xy, 2382, 4326), 4326, 4546)
        assert 60 < base.distance(shifted) < 101
        settings.XIAN80_TOWGS84 = ""

    def test_bad_parameters_are_refused(self, settings):
        with pytest.raises(ValueError, match="BEIJING54_TOWGS84"):
            settings.BEIJING54_TOWGS84 = "1,2"

    @pytest.mark.django_db
    def test_a_plant_in_beijing_1954_imports_with_parameters(self, settings, tmp_path):
        """A plant surveyed in Beijing 1954 / 3-degree CM 111E: refused without the bureau's
        parameters (the reason names BEIJING54_TOWGS84), imported with them, landing within
        a few hundred metres of where the same coordinates would lie in CGCS2000."""
        settings.BEIJING54_TOWGS84 = ""
        gk = Transformer.from_crs(4326, 4546, always_xy=True).transform(112.40, 24.79)
        path = write_layer(
            tmp_path / "plant.gpkg",
            [Point(gk)],
            {"code": ["T-BJ54"], "design_capacity_m3d": [100.0], "effluent_grade": ["1A"]},
            crs="EPSG:2434",
        )
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="sewage-plants", path=path)
        assert "BEIJING54_TOWGS84" in str(caught.value)
        settings.BEIJING54_TOWGS84 = "15.8,-154.4,-82.3"  # a 3-parameter shift, for the test
        layer_import(slug="sewage-plants", path=path)
        plant = SewagePlant.objects.get(code="T-BJ54")
        moved = reproject(Point(plant.geom.x, plant.geom.y), 4326, 4546)
        assert 10 < moved.distance(Point(gk)) < 300
        settings.BEIJING54_TOWGS84 = ""
