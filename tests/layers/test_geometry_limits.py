"""The pure geometry limits (layers/geometry_limits.py): counts, ranges, edge spans, geodesic
length and area; no database."""

from __future__ import annotations

import math
import warnings

import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from layers.geometry_limits import (
    GeometryLimits,
    extent_area_m2,
    extent_diagonal_m,
    geodesic_area_m2,
    geodesic_length_m,
    limits_fault,
)

LIANZHOU_BOX = (112.1, 24.5, 112.8, 25.2)  # roughly the county's bounding box, lon/lat


def code(geom, **limits) -> str | None:
    fault = limits_fault(geom, GeometryLimits(**{"max_vertices": 5000, **limits}))
    return None if fault is None else fault.code


class GeometryLimitsTests:
    def test_within_every_bound(self):
        line = LineString([(112.4, 24.9), (112.41, 24.91), (112.42, 24.9)])
        assert code(line, max_length_m=10_000) is None
        assert code(box(112.3, 24.8, 112.5, 25.0), max_area_m2=1e9) is None

    def test_vertices_counted_first(self):
        line = LineString([(112.4 + k * 1e-5, 24.9 + (k % 2) * 1e-5) for k in range(10_000)])
        fault = limits_fault(line, GeometryLimits(max_vertices=5000))
        assert fault.code == "too_many_vertices"
        assert fault.params == {"count": 10_000, "limit": 5000}

    def test_an_edge_across_the_antimeridian(self):
        fault = limits_fault(
            LineString([(179.9, 10), (-179.9, 10)]), GeometryLimits(max_vertices=10)
        )
        assert fault.code == "edge_too_long"
        assert fault.params["degrees"] == pytest.approx(359.8)
        assert (fault.params["lon"], fault.params["lat"]) == (179.9, 10)

    def test_a_globe_wrapping_ring_and_a_hole(self):
        wrap = Polygon([(-180, -60), (180, -60), (180, 60), (-180, 60)])
        assert code(wrap) == "edge_too_long"
        hole = [(112.3, 24.8), (112.3, 24.9), (113.9, 24.9), (112.3, 24.8)]
        assert code(Polygon(box(112, 24, 114, 26).exterior.coords, [hole])) == "edge_too_long"
        multi = MultiPolygon([box(112.3, 24.8, 112.4, 24.9), box(-10, 0, 10, 1)])
        assert code(multi) == "edge_too_long"

    def test_coordinates_out_of_range_or_not_finite(self):
        assert code(LineString([(112.4, 24.9), (181, 24.9)]), max_edge_deg=1000) == (
            "coordinates_out_of_range"
        )
        with warnings.catch_warnings():  # shapely warns when it builds a line with a NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            nan_line = LineString([(112.4, 24.9), (math.nan, 24.9)])
        fault = limits_fault(nan_line, GeometryLimits(max_vertices=10))
        assert (fault.code, fault.params) == ("coordinates_not_finite", {"vertex": 1})

    def test_length_and_area_are_geodesic(self):
        # One degree of longitude at 24.9°N is ~101 km on the ellipsoid, not "1".
        assert geodesic_length_m(LineString([(112, 24.9), (112.5, 24.9), (113, 24.9)])) == (
            pytest.approx(101_100, rel=0.01)
        )
        assert geodesic_area_m2(box(112, 24.5, 113, 25.5)) == pytest.approx(1.124e10, rel=0.01)
        assert extent_diagonal_m(LIANZHOU_BOX) == pytest.approx(106_000, rel=0.02)
        assert extent_area_m2(LIANZHOU_BOX) == pytest.approx(5.5e9, rel=0.02)

    def test_too_long_and_too_large(self):
        zigzag = LineString([(112.3 + 0.2 * (k % 2), 24.9 + k * 1e-5) for k in range(1000)])
        fault = limits_fault(
            zigzag, GeometryLimits(max_vertices=5000, max_length_m=extent_diagonal_m(LIANZHOU_BOX))
        )
        assert fault.code == "too_long" and fault.params["length_km"] > 20_000
        big = box(111.9, 24.3, 112.8, 25.2)
        assert code(big, max_area_m2=1.0 * extent_area_m2(LIANZHOU_BOX)) == "too_large"
