"""Pure CRS and parameter rules of the OGC API (no database)."""

from __future__ import annotations

import pytest
from pyproj import Transformer
from rest_framework.exceptions import ValidationError

from ogcapi.crs import CRS84, CrsRefused, bbox_to_lonlat, crs_parse, positions_to_lonlat
from ogcapi.params import MAX_LIMIT, limit_param, output_format


class CrsParseTests:
    def test_names_of_the_same_crs(self):
        for name in ("", None, CRS84, "urn:ogc:def:crs:OGC:1.3:CRS84", "<" + CRS84 + ">"):
            assert crs_parse(name).uri == CRS84
        for name in (
            "http://www.opengis.net/def/crs/EPSG/0/4546",
            "EPSG:4546",
            "[EPSG:4546]",
            "urn:ogc:def:crs:EPSG::4546",
        ):
            found = crs_parse(name)
            assert (found.srid, found.swap_xy) == (4546, True)

    def test_axis_order_follows_the_crs(self):
        """EPSG:4326 and EPSG:4490 are latitude first, the GK zones northing first, CRS84 and
        UTM easting first (the EPSG definitions; 18-058r1 /req/crs/crs-action)."""
        assert crs_parse("EPSG:4326").swap_xy and crs_parse("EPSG:4490").swap_xy
        assert not crs_parse(CRS84).swap_xy and not crs_parse("EPSG:32649").swap_xy

    def test_unoffered_crs_refused(self):
        for name in ("EPSG:2000", "+proj=longlat", "http://example.com/crs/4326", "EPSG:"):
            with pytest.raises(CrsRefused):
                crs_parse(name)


class BboxTests:
    def test_latitude_first_box(self):
        """bbox=24.7,112.3,24.8,112.4 in EPSG:4326 is lat/lon: the lon/lat box is
        (112.3, 24.7, 112.4, 24.8)."""
        assert bbox_to_lonlat((24.7, 112.3, 24.8, 112.4), crs_parse("EPSG:4326")) == (
            112.3,
            24.7,
            112.4,
            24.8,
        )

    def test_gauss_kruger_box_covers_its_corners(self):
        """A northing/easting box in EPSG:4546 becomes a lon/lat box containing the lon/lat
        of both its corners."""
        to_lonlat = Transformer.from_crs(4546, 4326, always_xy=True)
        box = bbox_to_lonlat((2740000, 520000, 2750000, 530000), crs_parse("EPSG:4546"))
        for east, north in ((520000, 2740000), (530000, 2750000)):
            lon, lat = to_lonlat.transform(east, north)
            assert box[0] - 1e-9 <= lon <= box[2] + 1e-9 and box[1] - 1e-9 <= lat <= box[3] + 1e-9

    def test_six_numbers_drop_the_heights(self):
        assert bbox_to_lonlat((112, 24, 0, 113, 25, 100), crs_parse(None)) == (112, 24, 113, 25)

    @pytest.mark.parametrize(
        "values",
        [(1, 2, 3), (113, 24, 112, 25), (112, 24, 113, float("nan")), (0, 0, 200, 10)],
    )
    def test_not_a_box(self, values):
        with pytest.raises(ValueError):
            bbox_to_lonlat(values, crs_parse(None))

    def test_positions_from_gauss_kruger(self):
        """[northing, easting] in EPSG:4546 back to [lon, lat] as pyproj computes it."""
        to_lonlat = Transformer.from_crs(4546, 4326, always_xy=True)
        lon, lat = to_lonlat.transform(525000.0, 2745000.0)
        [[x, y]] = positions_to_lonlat([[2745000.0, 525000.0]], crs_parse("EPSG:4546"))
        assert (x, y) == pytest.approx((lon, lat), abs=1e-12)


class Request:
    def __init__(self, query: dict, accept: str = ""):
        self.query_params, self.headers = query, {"Accept": accept}


class ParamTests:
    def test_limit_above_the_maximum_is_the_maximum(self):
        assert limit_param({"limit": str(MAX_LIMIT * 10)}) == MAX_LIMIT
        assert limit_param({}) == 10

    @pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", ""])
    def test_bad_limits(self, raw):
        if raw == "":
            assert limit_param({"limit": raw}) == 10
            return
        with pytest.raises(ValidationError):
            limit_param({"limit": raw})

    def test_format_from_f_then_accept(self):
        assert output_format(Request({"f": "html"}, "application/json")) == "html"
        assert output_format(Request({}, "text/html,application/xhtml+xml,*/*;q=0.8")) == "html"
        assert output_format(Request({}, "application/geo+json, application/json")) == "json"
        assert output_format(Request({}, "text/html;q=0.5, application/json")) == "json"
        assert output_format(Request({}, "")) == "json"
        with pytest.raises(ValidationError):
            output_format(Request({"f": "xml"}))
