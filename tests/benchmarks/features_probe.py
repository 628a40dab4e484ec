"""The features page in one process: where to ask (the areas) and how long it takes; prints JSON.

Usage: DATABASE_URL=... python -m tests.benchmarks.features_probe plan
       DATABASE_URL=... python -m tests.benchmarks.features_probe measure --areas JSON [--repeat N]
`plan` gives the runner (which holds no Django) the two areas and the floor's SQL; `measure`
times our endpoint through Django's test client against the floor on the same connection,
the sides alternated, after a warm-up of each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")
# Configured as the web server's processes are (gisapp/wsgi.py): the connections start with the
# read statement_timeout, so a GET sends no SET and RESET of its own.
os.environ.setdefault("GISAPP_WEB_PROCESS", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from network.models import SupplyZone  # noqa: E402
from tests.benchmarks.features_floor import (  # noqa: E402
    FLOOR_SQL,
    PAGE_SIZE,
    floor_params,
    our_path,
)

# The dense area: the smallest square (on the ground) around the centre of one of the
# CANDIDATES most crowded CELL° × CELL° cells that holds the midpoints of PAGE_SIZE live
# pipes: the k-th smallest Chebyshev distance from the centre (longitudes scaled by the
# cosine of the latitude), smallest over the candidates; ties by position.
CELL = 0.005
CANDIDATES = 40
_DENSE_SQL = """
WITH mid AS MATERIALIZED (
  SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (
    SELECT ST_LineInterpolatePoint(geom, 0.5) AS p FROM layers_pipesegment
     WHERE status <> 'abandoned') q),
cells AS (
  SELECT (floor(x / %(cell)s) + 0.5) * %(cell)s AS cx, (floor(y / %(cell)s) + 0.5) * %(cell)s AS cy,
         count(*) AS n
    FROM mid GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT %(candidates)s)
SELECT cx, cy, (SELECT greatest(abs(x - cx) * cos(radians(cy)), abs(y - cy)) FROM mid
                 ORDER BY 1 OFFSET %(k)s - 1 LIMIT 1) AS half
  FROM cells ORDER BY half, cx, cy LIMIT 1"""

_MATCHES_SQL = """
SELECT count(*) FROM layers_pipesegment t
 WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
   AND ST_Intersects(t.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) AND t.status <> 'abandoned'"""

METRES_PER_DEGREE = 111_320.0
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0; "


def _matches(bbox: list[float]) -> int:
    with connection.cursor() as cur:
        cur.execute(_MATCHES_SQL, bbox * 2)
        return cur.fetchone()[0]


def _areas() -> dict:
    zone = SupplyZone.objects.order_by("code").first()
    chosen = list(zone.geom.extent)
    with connection.cursor() as cur:
        cur.execute(_DENSE_SQL, {"cell": CELL, "candidates": CANDIDATES, "k": PAGE_SIZE})
        cx, cy, half = cur.fetchone()
    half_lon = half / math.cos(math.radians(cy))
    dense = [cx - half_lon, cy - half, cx + half_lon, cy + half]
    return {
        "chosen": {
            "bbox": chosen,
            "matches": _matches(chosen),
            "what": f"the bounding box of supply zone {zone.code} (the first by code)",
        },
        "dense": {
            "bbox": dense,
            "matches": _matches(dense),
            "side_m": round(2 * half * METRES_PER_DEGREE),
            "centre": [cx, cy],
        },
    }


def op_plan(args) -> dict:
    return {"year": args.year, "areas": _areas(), "floor_sql": FLOOR_SQL}


def _client() -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="official"))
    return client


def _ours(client: Client, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(path)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    return seconds, response.content


def _floor(bbox: list[float]) -> tuple[float, bytes]:
    """The floor's SQL on Django's connection, without parallel workers (as our page)."""
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(SERIAL + FLOOR_SQL, floor_params(bbox))
        cur.nextset()
        text = cur.fetchone()[0]
        return time.perf_counter() - started, text.encode()


def _ids(body: bytes) -> list[int]:
    return [f["id"] for f in json.loads(body)["features"]]


def op_measure(args) -> dict:
    """Each area: our page (lean, as the map asks) and the floor, alternated `repeat` times
    after a warm-up of each; on the dense area also the full property set, for comparison."""
    client = _client()
    out: dict = {}
    for name, bbox in json.loads(args.areas).items():
        sides = {
            "ours": lambda b=bbox: _ours(client, our_path(b, args.year)),
            "floor": lambda b=bbox: _floor(b),
        }
        if name == "dense":
            sides["ours_all"] = lambda b=bbox: _ours(client, our_path(b, args.year, "all"))
        warm = {side: run() for side, run in sides.items()}
        row: dict = {side: [] for side in sides}
        order = list(sides)
        for i in range(args.repeat):
            for side in order[i % len(order) :] + order[: i % len(order)]:
                row[side].append(sides[side]()[0])
        row["bytes"] = {side: len(body) for side, (_s, body) in warm.items()}
        row["features"] = len(_ids(warm["ours"][1]))
        row["same_features"] = _ids(warm["ours"][1]) == _ids(warm["floor"][1])
        out[name] = row
    return {"areas": out}


OPERATIONS = {"plan": op_plan, "measure": op_measure}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=list(OPERATIONS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--areas", default="{}", help='measure: {"name": bbox, …} (from plan)')
    args = parser.parse_args(argv)
    print(json.dumps(OPERATIONS[args.operation](args)))


if __name__ == "__main__":
    main(sys.argv[1:])
