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
