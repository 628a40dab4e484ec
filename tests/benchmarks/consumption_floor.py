"""The floors of the consumption views, without Django: their SQL and the smallest WSGI app.

A floor is the plain GROUP BY a hand-written report would run over the raw rows
(layers_consumption joined to its users) for the same figure, its answer built by PostgreSQL
as JSON (json_agg), nothing else:

towns     the planner's page (towns × months of a year): Σ volume_m3 per user's town and month
          of the reader's county (`u.county_id`, as the area scope); users outside every town
          make a row of their own. Our answer also carries what the floor leaves out: the
          irrigation districts' records spread over towns and months, plans, caps, per-capita
          and per-GDP figures, zone codes and names, and a row for every town × month (0 where
          nothing was used).
zones     supply zones × months × sectors: Σ volume_m3 per user's supply zone, month and
          sector of the county (ours adds plans and the empty cells).
area      a drawn rectangle: Σ volume_m3 per month and sector of the users inside it (a live
          ST_Intersects on the raw rows, as ours; ours adds the irrigation records by area
          share, the totals, by month and by sector, plans and the user count).

`gunicorn tests.benchmarks.consumption_floor:application` with FLOOR_DATABASE_URL serves
GET /?view=towns|zones&year=Y&county=ID and GET /?view=area&year=Y&county=ID&bbox=… on one
persistent connection (JIT off, as the app's connections; parallel plans as the planner
likes, as ours), the JSON text as the answer: no authentication, no framework.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse

import psycopg

_RESULT = "SELECT coalesce(json_agg(r), '[]'::json)::text FROM ({rows}) r"
FLOOR_SQL = {
    "towns": _RESULT.format(
        rows="""
  SELECT u.town_id, c.month, sum(c.volume_m3) AS volume_m3
    FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
   WHERE c.month BETWEEN %(start)s AND %(end)s AND u.county_id = %(county)s
   GROUP BY u.town_id, c.month"""
    ),
    "zones": _RESULT.format(
        rows="""
  SELECT u.supply_zone_id, c.month, u.sector, sum(c.volume_m3) AS volume_m3
    FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
   WHERE c.month BETWEEN %(start)s AND %(end)s AND u.county_id = %(county)s
   GROUP BY u.supply_zone_id, c.month, u.sector"""
    ),
    "area": _RESULT.format(
        rows="""
  SELECT c.month, u.sector, sum(c.volume_m3) AS volume_m3
    FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
   WHERE c.month BETWEEN %(start)s AND %(end)s AND u.county_id = %(county)s
     AND u.geom && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)
     AND ST_Intersects(u.geom, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))
   GROUP BY c.month, u.sector"""
    ),
}
VIEWS = tuple(FLOOR_SQL)
OPTIONS = "-c jit=off"  # as the app's connections (gisapp/settings/databases.py)


def floor_params(year: int, county: int, bbox: list[float] | None = None) -> dict:
    params = {"start": dt.date(year, 1, 1), "end": dt.date(year, 12, 1), "county": county}
    if bbox:
        params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    return params


def floor_volume(view: str, rows: list[dict]) -> float:
    """The metered volume of a floor's answer over the users ours counts (those in a town or
    supply zone: the floor's null group is the rest)."""
    key = {"towns": "town_id", "zones": "supply_zone_id"}.get(view)
    return sum(r["volume_m3"] for r in rows if key is None or r[key] is not None)


def our_volume(view: str, body: dict) -> float:
    """The metered users' volume of our answer (what the floor sums)."""
    if view == "area":
        return body["total"]["users_volume_m3"]
    return sum(r["users_volume_m3"] for r in body["results"])


def same_volume(ours: float, floor: float) -> bool:
    return abs(ours - floor) <= max(0.5, 1e-9 * abs(floor))  # ours rounds rows to 0.001 m³


def floor_path(view: str, year: int, county: int, bbox: list[float] | None = None) -> str:
    query = {"view": view, "year": year, "county": county}
    if bbox:
        query["bbox"] = ",".join(repr(float(v)) for v in bbox)
    return "/?" + urllib.parse.urlencode(query)


def our_path(view: str, year: int) -> str:
    """Our GET for a view (the drawn area is a POST: area_body)."""
    zone_type, group_by = {
        "towns": ("town", "zone,month"),
        "zones": ("supply-zone", "zone,month,sector"),
    }[view]
    return (
        f"/api/v1/consumption/?zone_type={zone_type}&start={year}-01&end={year}-12"
        f"&group_by={group_by}"
    )


AREA_PATH = "/api/v1/consumption/area/"


def area_body(year: int, bbox: list[float]) -> dict:
    """Our drawn-area request for the rectangle, by month and sector like the floor."""
    x0, y0, x1, y1 = bbox
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "start": f"{year}-01",
        "end": f"{year}-12",
        "group_by": "month,sector",
    }


_connection: psycopg.Connection | None = None


def _conn() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        # Client-side binding, as Django's: the planner sees the values (no generic plan).
        _connection = psycopg.connect(
            os.environ["FLOOR_DATABASE_URL"],
            options=OPTIONS,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
        )
    return _connection


def _bad(start_response, message: str):
    start_response("400 Bad Request", [("Content-Type", "text/plain")])
    return [message.encode()]


def application(environ, start_response):
    query = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
    view = query.get("view")
    try:
        year, county = int(query["year"]), int(query["county"])
        bbox = [float(v) for v in query["bbox"].split(",")] if "bbox" in query else None
    except (KeyError, ValueError):
        return _bad(start_response, "year=Y&county=ID[&bbox=x0,y0,x1,y1]")
    if view not in VIEWS or (view == "area") != (bbox is not None and len(bbox) == 4):
        return _bad(start_response, "view=towns|zones, or view=area with a bbox")
    with _conn().cursor() as cur:
        cur.execute(FLOOR_SQL[view], floor_params(year, county, bbox))
        body = cur.fetchone()[0].encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
