"""The consumption views in one process against their floors; prints JSON.

Usage: DATABASE_URL=... python -m tests.benchmarks.consumption_probe plan [--year Y]
       DATABASE_URL=... python -m tests.benchmarks.consumption_probe measure --plan JSON
           [--repeat N]
`plan` gives the runner (which holds no Django) the reader's county, the drawn rectangle and
the data's size; `measure` times our endpoints through Django's test client, logged in as
`official` (a member of the county, as the planners' page), against each floor's SQL
(consumption_floor.py) on the same connection, the sides alternated after WARM_UP runs of each,
and checks that both count the same metered volume.
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
# Configured as the web server's processes are (gisapp/wsgi.py).
os.environ.setdefault("GISAPP_WEB_PROCESS", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import AreaMembership  # noqa: E402
from tests.benchmarks.consumption_floor import (  # noqa: E402
    AREA_PATH,
    FLOOR_SQL,
    VIEWS,
    area_body,
    floor_params,
    floor_volume,
    our_path,
    our_volume,
    same_volume,
)

READER = "official"
# Runs of each side before the timed ones, as in a worker that has served a while: our town
# and supply-zone statement is prepared on its connection and PostgreSQL settles on a generic
# plan after five custom ones (the floor, on a fresh process either way, is unaffected).
WARM_UP = 6
AREA_FRACTION = 0.5  # the drawn rectangle: half the county's bounding box per side, centred


def op_plan(args) -> dict:
    county = AreaMembership.objects.get(user__username=READER).area
    minx, miny, maxx, maxy = county.geom.extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hx, hy = (maxx - minx) * AREA_FRACTION / 2, (maxy - miny) * AREA_FRACTION / 2
    bbox = [cx - hx, cy - hy, cx + hx, cy + hy]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM layers_wateruser WHERE county_id = %(c)s),"
            " (SELECT count(*) FROM layers_consumption c JOIN layers_wateruser u"
            "   ON u.id = c.user_id WHERE u.county_id = %(c)s"
            "   AND c.month BETWEEN %(start)s AND %(end)s),"
            " (SELECT count(*) FROM consumption_total WHERE county_id = %(c)s"
            "   AND month BETWEEN %(start)s AND %(end)s),"
            " (SELECT count(*) FROM layers_wateruser WHERE county_id = %(c)s"
            "   AND ST_Intersects(geom, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)))",
            {"c": county.pk, **floor_params(args.year, county.pk, bbox)},
        )
        users, rows, totals, area_users = cur.fetchone()
    # The rectangle's area on the ground, for the report (a spherical approximation).
    km_x = (maxx - minx) * AREA_FRACTION * 111.32 * math.cos(math.radians(cy))
    km_y = (maxy - miny) * AREA_FRACTION * 110.57
    return {
        "year": args.year,
        "county": county.pk,
        "county_code": county.code,
        "bbox": bbox,
        "bbox_km2": round(km_x * km_y),
        "users": users,
        "rows": rows,
        "total_rows": totals,
        "area_users": area_users,
    }


def _client() -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=READER))
    return client


def _ours(client: Client, view: str, plan: dict) -> tuple[float, bytes]:
    year = plan["year"]
    started = time.perf_counter()
    if view == "area":
        response = client.post(
            AREA_PATH, json.dumps(area_body(year, plan["bbox"])), content_type="application/json"
        )
    else:
        response = client.get(our_path(view, year))
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    return seconds, response.content


def _floor(view: str, plan: dict) -> tuple[float, bytes]:
    params = floor_params(plan["year"], plan["county"], plan["bbox"] if view == "area" else None)
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(FLOOR_SQL[view], params)
        text = cur.fetchone()[0]
        return time.perf_counter() - started, text.encode()


def op_measure(args) -> dict:
    """Each view: ours and its floor, alternated `repeat` times after WARM_UP runs of each."""
    plan = json.loads(args.plan)
    client = _client()
    out: dict = {}
    for view in VIEWS:
        sides = {
            "ours": lambda v=view: _ours(client, v, plan),
            "floor": lambda v=view: _floor(v, plan),
        }
        for _ in range(WARM_UP - 1):
            for run in sides.values():
                run()
        warm = {side: run() for side, run in sides.items()}
        row: dict = {side: [] for side in sides}
        order = list(sides)
        for i in range(args.repeat):
            for side in order[i % 2 :] + order[: i % 2]:
                row[side].append(sides[side]()[0])
        ours_m3 = our_volume(view, json.loads(warm["ours"][1]))
        floor_m3 = floor_volume(view, json.loads(warm["floor"][1]))
        row["bytes"] = {side: len(body) for side, (_s, body) in warm.items()}
        row["volume_m3"] = {"ours": ours_m3, "floor": floor_m3}
        row["same_volume"] = same_volume(ours_m3, floor_m3)
        out[view] = row
    return {"views": out}


OPERATIONS = {"plan": op_plan, "measure": op_measure}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=list(OPERATIONS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--plan", default="{}", help="measure: the plan's JSON")
    args = parser.parse_args(argv)
    print(json.dumps(OPERATIONS[args.operation](args)))


if __name__ == "__main__":
    main(sys.argv[1:])
