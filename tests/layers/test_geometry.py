"""Pure geometry: CRS allow-list, Gauss-Krüger zones against an independent computation, GCJ-02."""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from layers import geometry as g

# CGCS2000 ellipsoid.
A = 6378137.0
F = 1 / 298.257222101
E2 = F * (2 - F)


def meridian_arc(lat_deg: float) -> float:
    """Meridian arc length from the equator, by numerical integration (independent of PROJ)."""
    phi = np.linspace(0.0, math.radians(lat_deg), 200_001)
    integrand = A * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5
    return float(np.trapezoid(integrand, phi))


class GaussKrugerTests:
    def test_point_on_central_meridian_4546(self):
        # On the central meridian (111°E) Gauss-Krüger easting is the false easting and the
        # northing is the meridian arc length.
        northing = meridian_arc(25.0)
        lonlat = g.reproject(Point(500000.0, northing), 4546, 4326)
        assert lonlat.x == pytest.approx(111.0, abs=1e-8)
        assert lonlat.y == pytest.approx(25.0, abs=1e-8)

    def test_zone_prefix_4525(self):
        northing = meridian_arc(25.0)
        lonlat = g.reproject(Point(37_500_000.0, northing), 4525, 4326)
        assert (lonlat.x, lonlat.y) == pytest.approx((111.0, 25.0), abs=1e-8)

    def test_same_point_in_both_zones(self):
        wgs = Point(112.38, 24.78)  # Lianzhou town
        a = g.reproject(wgs, 4326, 4546)
        b = g.reproject(wgs, 4326, 4525)
        assert b.x - a.x == pytest.approx(37_000_000.0, abs=1e-6)
        assert b.y == pytest.approx(a.y, abs=1e-6)

    def test_srid_outside_allow_list_refused(self):
        with pytest.raises(g.GeometryError, match="allow-list"):
            g.reproject(Point(0, 0), 2154, 4326)

    def test_srid_from_wkt(self):
        from pyproj import CRS

        assert g.srid_from_crs(CRS.from_epsg(4546).to_wkt()) == 4546
        assert g.srid_from_crs("EPSG:4490") == 4490
        with pytest.raises(g.GeometryError):
            g.srid_from_crs("EPSG:2154")
        with pytest.raises(g.GeometryError):
            g.srid_from_crs(None)


class Gcj02Tests:
    def test_round_trip_within_half_a_metre(self):
        lon = np.linspace(112.12, 112.78, 25)
        lat = np.linspace(24.62, 25.19, 25)
        glon, glat = g.wgs84_to_gcj02_xy(lon, lat)
        back_lon, back_lat = g.gcj02_to_wgs84_xy(glon, glat)
        metres = np.hypot(
            (back_lon - lon) * 111_320 * np.cos(np.radians(lat)), (back_lat - lat) * 110_574
        )
        assert metres.max() < 0.5

    def test_offset_is_hundreds_of_metres(self):
        # GCJ-02 shifts Lianzhou by a few hundred metres: a conversion that does nothing fails.
        glon, glat = g.wgs84_to_gcj02_xy(112.38, 24.78)
        shift = math.hypot((glon - 112.38) * 101_000, (glat - 24.78) * 110_600)
        assert 100 < shift < 1000

    def test_geometry_conversion(self):
        line = shapely.LineString([(112.3, 24.7), (112.4, 24.8)])
        back = g.gcj02_to_wgs84(g.wgs84_to_gcj02(line))
        assert shapely.equals_exact(back, line, tolerance=1e-6)


class ValidationTests:
    def test_reasons(self):
        bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
        assert "invalid" in g.validation_problem(bowtie, "Polygon")
        assert "expected LineString" in g.validation_problem(Point(1, 1), "LineString")
        assert g.validation_problem(shapely.LineString([(1, 1), (1, 1)]), "LineString")
        assert "NaN" in g.validation_problem(Point(float("nan"), 1), "Point")
        assert g.validation_problem(Point(112, 25), "Point") is None
