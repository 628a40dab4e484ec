"""Consumption benchmarks, one operation per process; prints JSON timings (see probe.py).

Usage: DATABASE_URL=... python -m tests.benchmarks.consumption <operation> [--repeat N]
       [--year Y] [--zone-type T] [--group-by K] [--compare] [--fraction F]

Operations:
  aggregate_by_zone  the API's selector (one SQL statement: users + irrigation, plans, stats)
  floor_sql          the same volumes per zone and month written directly in SQL (no plans,
                     statistics, grid or JSON): the floor the selector is compared with
  area_query         the drawn-area selector on a rectangle covering `fraction` of the county's
                     bounding box (per side, centred)
Each run does a warm-up first, then N timed repetitions; `volume_m3` lets the runner check that
the selector and the floor agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

import shapely  # noqa: E402
from django.db import connection  # noqa: E402

from consumption.params import Period, consumption_query_parse  # noqa: E402
from consumption.selectors import consumption_by_zone, consumption_in_area  # noqa: E402
from layers.models import AdminArea  # noqa: E402

# Users' volume per town and month by the derived membership, plus the irrigation districts'
# records shared by area overlap and spread by the agricultural profile: what the selector sums.
FLOOR_TOWNS = """
WITH profile AS (
  SELECT c.month, sum(c.volume_m3)
           / sum(sum(c.volume_m3)) OVER (PARTITION BY date_trunc('year', c.month)) AS share
  FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
  WHERE u.sector = 'agriculture' AND c.month BETWEEN %(year_start)s AND %(year_end)s
  GROUP BY c.month),
share AS (
  SELECT t.id AS town_id, d.id AS district_id,
         ST_Area(ST_Intersection(t.geom, d.geom)::geography) / ST_Area(d.geom::geography) AS share
  FROM layers_adminarea t JOIN layers_irrigationdistrict d ON ST_Intersects(t.geom, d.geom)
  WHERE t.level = 'town')
SELECT town_id, month, sum(v) FROM (
  SELECT u.town_id, c.month, c.volume_m3 AS v
  FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id
  WHERE c.month BETWEEN %(start)s AND %(end)s AND u.town_id IS NOT NULL
  UNION ALL
  SELECT s.town_id, p.month, r.gross_withdrawal_m3 * s.share * p.share
  FROM share s JOIN layers_irrigationrecord r ON r.district_id = s.district_id
  JOIN profile p ON extract(year FROM p.month)::int = r.year
  WHERE p.month BETWEEN %(start)s AND %(end)s) f
GROUP BY town_id, month"""


def _timed(fn: Callable[[], tuple[int, float]], repeat: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows, volume = fn()
        times.append(time.perf_counter() - started)
    return {"seconds": times, "rows": rows, "volume_m3": volume}


def aggregate_by_zone(
    *,
    year: int = 2024,
    zone_type: str = "town",
    group_by: str = "zone,month",
    compare: bool = False,
    repeat: int = 1,
) -> dict:
    """The selector behind GET /api/v1/consumption/ for a whole year."""
    q = consumption_query_parse(
        {
            "zone_type": zone_type,
            "start": f"{year}-01",
            "end": f"{year}-12",
            "group_by": group_by,
            "compare": "previous_year" if compare else "",
        }
    )

    def run() -> tuple[int, float]:
        rows = consumption_by_zone(q)
        return len(rows), sum(r["volume_m3"] for r in rows)

    return _timed(run, repeat)


def floor_sql(*, year: int = 2024, repeat: int = 1) -> dict:
    """The towns × months volumes in plain SQL (the comparison floor of aggregate_by_zone)."""
    params = {
        "start": dt.date(year, 1, 1),
        "end": dt.date(year, 12, 1),
        "year_start": dt.date(year, 1, 1),
        "year_end": dt.date(year, 12, 1),
    }

    def run() -> tuple[int, float]:
        with connection.cursor() as cur:
            cur.execute(FLOOR_TOWNS, params)
            rows = cur.fetchall()
        return len(rows), sum(r[2] for r in rows)

    return _timed(run, repeat)


def area_query(*, year: int = 2024, fraction: float = 0.5, repeat: int = 1) -> dict:
    """The selector behind POST /api/v1/consumption/area/ on a centred rectangle."""
    county = AdminArea.objects.filter(level="county").order_by("code").first()
    minx, miny, maxx, maxy = county.geom.extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hx, hy = (maxx - minx) * fraction / 2, (maxy - miny) * fraction / 2
    geom = shapely.box(cx - hx, cy - hy, cx + hx, cy + hy)
    period = Period(dt.date(year, 1, 1), dt.date(year, 12, 1))

    def run() -> tuple[int, float]:
        result = consumption_in_area(geom, period)
        return result.users, result.total["volume_m3"]

    return _timed(run, repeat)


AREA_FLOOR_SQL = """
SELECT count(DISTINCT u.id), coalesce(sum(c.volume_m3), 0)
FROM layers_wateruser u
JOIN layers_consumption c ON c.user_id = u.id AND c.month BETWEEN %(start)s AND %(end)s
WHERE u.geom && ST_GeomFromText(%(wkt)s, 4326)
  AND ST_Intersects(u.geom, ST_GeomFromText(%(wkt)s, 4326))
"""


def area_floor(*, year: int = 2024, fraction: float = 0.5, repeat: int = 1) -> dict:
    """The floor for the drawn-area query: metered users inside the same rectangle by a bare
    spatial join and sum (ours also adds the irrigation records by area share and breaks the
    total down by month and sector)."""
    county = AdminArea.objects.filter(level="county").order_by("code").first()
    minx, miny, maxx, maxy = county.geom.extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hx, hy = (maxx - minx) * fraction / 2, (maxy - miny) * fraction / 2
    wkt = shapely.box(cx - hx, cy - hy, cx + hx, cy + hy).wkt
    params = {"start": dt.date(year, 1, 1), "end": dt.date(year, 12, 1), "wkt": wkt}

    def run() -> tuple[int, float]:
        with connection.cursor() as cur:
            cur.execute(AREA_FLOOR_SQL, params)
            users, volume = cur.fetchone()
        return users, float(volume)

    return _timed(run, repeat)


OPERATIONS = {
    "aggregate_by_zone": lambda a: aggregate_by_zone(
        year=a.year,
        zone_type=a.zone_type,
        group_by=a.group_by,
        compare=a.compare,
        repeat=a.repeat,
    ),
    "floor_sql": lambda a: floor_sql(year=a.year, repeat=a.repeat),
    "area_query": lambda a: area_query(year=a.year, fraction=a.fraction, repeat=a.repeat),
    "area_floor": lambda a: area_floor(year=a.year, fraction=a.fraction, repeat=a.repeat),
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=list(OPERATIONS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--zone-type", default="town")
    parser.add_argument("--group-by", default="zone,month")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--fraction", type=float, default=0.5)
    args = parser.parse_args(argv)
    print(json.dumps(OPERATIONS[args.operation](args)))


if __name__ == "__main__":
    main(sys.argv[1:])
