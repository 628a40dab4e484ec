"""The floor of the features page, without Django: its SQL, and the smallest WSGI app serving it.

The floor is the plain query a hand-written server would run for the page our map and clients
get by default: the same rows (live pipes intersecting the box, the first PAGE_SIZE by id), the
same attributes (the pipes' own: code, diameter_mm, material, install_year, status), built by
PostgreSQL with json_agg and ST_AsGeoJSON; no verdicts, no area scope, no count.

`gunicorn tests.benchmarks.features_floor:application` with FLOOR_DATABASE_URL serves
GET /?bbox=minlon,minlat,maxlon,maxlat: the query on one persistent connection (JIT off, as the
app's connections), its text as the answer — no authentication, no framework — so that over
HTTP our page is compared with what any Python server pays for the same rows.

The floor runs without parallel workers (OPTIONS), as our page does: left to itself the planner
gives the large box a parallel index scan whose worker start-up (~15 ms) would flatter us.
"""

from __future__ import annotations

import os
import urllib.parse

import psycopg

PAGE_SIZE = 1000

FLOOR_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'))
       ::text
  FROM (SELECT json_build_object('type', 'Feature', 'id', t.id,
                 'geometry', ST_AsGeoJSON(t.geom, 7)::json,
                 'properties', json_build_object('code', t.code, 'diameter_mm', t.diameter_mm,
                   'material', t.material, 'install_year', t.install_year, 'status', t.status))
               AS f
          FROM layers_pipesegment t
         WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
           AND ST_Intersects(t.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))
           AND t.status <> 'abandoned'
         ORDER BY t.id LIMIT %s) q"""


# The floor's session settings (libpq `options`).
OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"


def floor_params(bbox: list[float]) -> list[float]:
    return [*bbox, *bbox, PAGE_SIZE]


def bbox_text(bbox: list[float]) -> str:
    return ",".join(repr(float(v)) for v in bbox)


def our_path(bbox: list[float], year: int, properties: str | None = None) -> str:
    """Our page of the same rows, as the map asks for it (the lean default property set)."""
    extra = f"&properties={properties}" if properties else ""
    return (
        f"/api/v1/layers/pipes/features/?bbox={bbox_text(bbox)}&page_size={PAGE_SIZE}"
        f"&year={year}{extra}"
    )


def floor_path(bbox: list[float]) -> str:
    return f"/?bbox={bbox_text(bbox)}"


_connection: psycopg.Connection | None = None


def _conn() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        # Client-side binding, as Django's: the planner sees the box (no generic plan).
        _connection = psycopg.connect(
            os.environ["FLOOR_DATABASE_URL"],
            options=OPTIONS,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
        )
    return _connection


def application(environ, start_response):
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    try:
        bbox = [float(v) for v in query["bbox"][0].split(",")]
    except (KeyError, ValueError):
        bbox = []
    if len(bbox) != 4:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"bbox=minlon,minlat,maxlon,maxlat"]
    with _conn().cursor() as cur:
        cur.execute(FLOOR_SQL, floor_params(bbox))
        body = cur.fetchone()[0].encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/geo+json"), ("Content-Length", str(len(body)))],
    )
    return [body]
