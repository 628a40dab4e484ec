"""Hostile request bodies and query values, shared by the hostile-input tests (no Django)."""

from __future__ import annotations

import json

# A short pipe route east of Lianzhou town (112.38E 24.78N), lon/lat.
ROUTE = [[112.3801, 24.7801], [112.3809, 24.7806]]
SQUARE = [[[112.37, 24.77], [112.39, 24.77], [112.39, 24.79], [112.37, 24.79], [112.37, 24.77]]]


def zigzag(n: int) -> list[list[float]]:
    """n distinct positions near Lianzhou town (a line that never crosses itself)."""
    return [[112.38 + i * 1e-7, 24.78 + (i % 2) * 1e-7] for i in range(n)]


def ring(n: int) -> list[list[list[float]]]:
    """One closed ring of n + 1 positions on a circle around Lianzhou town."""
    import math

    pts = [
        [
            112.38 + 0.01 * math.cos(2 * math.pi * i / n),
            24.78 + 0.01 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return [[*pts, pts[0]]]


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


# Spatial references a caller might smuggle in; only EPSG:4326 / CRS84 may pass.
HOSTILE_CRS = [
    {"type": "name", "properties": {"name": "EPSG:3857"}},
    {"type": "name", "properties": {"name": "+proj=longlat +init=/etc/passwd"}},
    {"type": "name", "properties": {"name": "/etc/passwd"}},
    {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs.wkt", "type": "ogcwkt"}},
    'GEOGCS["x",DATUM["y",SPHEROID["z",6378137,298.257]],EXTENSION["PROJ4","+init=/etc/x"]]',
]

# Raw JSON texts (NaN and Infinity are not JSON; Python's json module would write them).
NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e999"]

# Well-formed JSON with the wrong nesting or type, for any endpoint that takes an object.
WRONG_NESTING = [
    [],
    "a string",
    42,
    {"type": "FeatureCollection", "features": []},
    {"type": "Feature", "geometry": {"type": "Feature", "geometry": None}},
    {"type": "Feature", "geometry": [112.38, 24.78]},
    {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[ROUTE]]}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": {"x": 1}}},
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "0 0, 1 1"}},
    {"type": "Feature", "properties": [1, 2]},
]

# Values for every query parameter: SQL metacharacters, encodings, control bytes, unicode, size.
SQL_VALUES = [
    "'; DROP TABLE layers_pipesegment;--",
    "1 OR 1=1",
    "%27",
    "1' OR '1'='1",
    "\x00",
    "\\",
    "连州镇' UNION SELECT password FROM auth_user--",
    "𝕏<svg/onload=alert(1)>",
    "9" * 400,
    "x" * 5000,
]


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- Issue 16, finding 8: shapes refused at the root (gisapp/input_checks.py) --------------------
NUL = "\x00"
# Text carrying a NUL character, as a query value, a form field or a JSON string.
NUL_STRINGS = ["\x00", "PE\x00", "连州\x00镇", "\x00' OR 1=1--"]
# Integers past PostgreSQL's bigint (±9,223,372,036,854,775,807), as path ids, query values or
# JSON numbers; the first still fits, the others do not.
BIGINT_MAX = 2**63 - 1
OVERFLOW_INTEGERS = [2**63, 99999999999999999999, 2**70, -(2**63) - 1]


def deep_json(depth: int, kind: str = "list") -> str:
    """A JSON text nested `depth` levels ([[[…]]] or {"a":{"a":…}}), built without recursion;
    Python's own json module fails on it past ~1,000 levels."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


DEEP_JSON = [deep_json(100_000), deep_json(50_000, "object"), deep_json(33)]

# Scenario overrides that must be a 400 naming the parameter: extreme, non-finite, non-scalar.
HOSTILE_OVERRIDES = [
    ({"type": "leakage_target", "r_bl": 1e308}, "overrides[0].r_bl"),
    ({"type": "leakage_target", "r_bl": [1]}, "overrides[0].r_bl"),
    ({"type": "county_stats", "gdp_10k_yuan": 1e308}, "overrides[0].gdp_10k_yuan"),
    ({"type": "county_stats", "population": 1e-300}, "overrides[0].population"),
    ({"type": "county_stats", "population": {"n": 1}}, "overrides[0].population"),
    ({"type": "plan_obliged_users", "headroom": 1e308}, "overrides[0].headroom"),
    ({"type": "nonconventional_share", "share": 1e-320}, "overrides[0].share"),
    ({"type": "supply_zone", "code": "SZ04", "km_dn75_plus": 1e308}, "overrides[0].km_dn75_plus"),
    ({"type": "irrigation_district", "code": "x", "net_field_m3": "1"}, "overrides[0].code"),
    ({"type": ["leakage_target"]}, "overrides[0]"),
    ({"type": {"a": 1}}, "overrides[0]"),
    ({"type": "scorecard_line", "code": ["county.x"]}, "overrides[0].code"),
    ({"type": "metering", "sectors": [["industry"]], "share": 0.5}, "overrides[0].sectors"),
]
# Raw JSON texts of overrides Python's json module reads as infinity.
HOSTILE_OVERRIDE_TEXTS = [
    '{"year": 2024, "overrides": [{"type": "leakage_target", "r_bl": 1e999}]}',
    '{"year": 2024, "overrides": [{"type": "county_stats", "gdp_10k_yuan": -1e999}]}',
]
