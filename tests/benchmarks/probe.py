"""One measured operation against one database, in its own process; prints JSON timings.

Usage: DATABASE_URL=... python -m tests.benchmarks.probe <operation> [--repeat N] [...]
Each run does a warm-up first, then N timed repetitions; the runner interleaves probes of
different databases so that machine drift affects both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")
# Tiles are a web request: their connections start as the web server's do (no parallel
# workers, the read statement_timeout; gisapp/settings/databases.py), as in the other probes.
if sys.argv[1:2] == ["tiles"]:
    os.environ.setdefault("GISAPP_WEB_PROCESS", "true")

import django  # noqa: E402

django.setup()

from compliance.evaluation import county_of, evaluate  # noqa: E402
from tests.benchmarks.floor_sql import BARE_TILE_SQL  # noqa: E402


def op_evaluate(args) -> dict:
    """Evaluate the whole county for one year (read inputs, every rule, store results)."""
    area = county_of(None)
    evaluate(area=area, year=args.year)  # warm-up
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = evaluate(area=area, year=args.year)
        times.append(time.perf_counter() - started)
    return {"seconds": times, "results": len(result.rows)}


def _dense_tiles() -> list[tuple[int, int, int]]:
    """A fixed list: the tile over the densest supply zone's centre at zoom 10 to 17."""
    from layers.tiles import lonlat_to_tile
    from network.models import SupplyZone

    centre = SupplyZone.objects.order_by("code").first().geom.point_on_surface
    return [(z, *lonlat_to_tile(centre.x, centre.y, z)) for z in range(10, 18)]


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="official"))
    return client


WARM_REPEATS = 3


# The floor (the plain query on the table): tests/benchmarks/floor_sql.py.


def _min_diameter(z: int) -> int:
    """The smallest DN the pipes layer draws at zoom z (network/layer_specs.py)."""
    from layers.registry import layer_spec

    for rule in layer_spec("pipes").tile.generalise:
        if z <= rule.max_zoom:
            return int(rule.value)
    return 0


def op_tiles(args) -> dict:
    """Pipe tiles: our endpoint cold and warm vs the bare ST_AsMVT query (the floor)."""
    from django.core.cache import cache
    from django.db import connection

    from layers.tile_cache import tile_cache_clear
    from layers.tiles import tile_plan, tile_sql

    client = _client()
    out: dict[str, dict[str, list[float]]] = {}
    tiles = _dense_tiles()
    for z, x, y in tiles:  # warm-up: connections, freshness of verdicts
        client.get(f"/tiles/pipes/{z}/{x}/{y}.pbf?year={args.year}")
    for _ in range(args.repeat):
        for z, x, y in tiles:
            row = out.setdefault(
                str(z), {"floor": [], "bare": [], "cold": [], "warm": [], "bytes": []}
            )
            plan = tile_plan("pipes", z, x, y, year=args.year, include_abandoned=False)
            sql, params = tile_sql("pipes", z, x, y, include_hidden=False, year=plan.year)
            with connection.cursor() as cur:
                started = time.perf_counter()
                cur.execute(sql, params)
                data = cur.fetchone()[0]
                row["floor"].append(time.perf_counter() - started)
                # Without parallel workers: left to itself the planner gives this small query a
                # parallel seq scan whose start-up (~20 ms) would flatter us.
                cur.execute("SET max_parallel_workers_per_gather = 0")
                started = time.perf_counter()
                cur.execute(BARE_TILE_SQL, [z, x, y, z, x, y, _min_diameter(z)])
                cur.fetchone()
                row["bare"].append(time.perf_counter() - started)
                cur.execute("RESET max_parallel_workers_per_gather")
            row["bytes"].append(len(bytes(data or b"")))
            cache.clear()
            tile_cache_clear()  # the tiles' own memory and the shared table: a real cold tile
            url = f"/tiles/pipes/{z}/{x}/{y}.pbf?year={args.year}"
            client.get(f"/tiles/pipes/{z}/{x + 1}/{y}.pbf?year={args.year}")  # re-warm verdicts
            started = time.perf_counter()
            response = client.get(url)
            row["cold"].append(time.perf_counter() - started)
            assert response.status_code in (200, 204)
            for _ in range(WARM_REPEATS):  # steady state: every repeat is a sample
                started = time.perf_counter()
                client.get(url)
                row["warm"].append(time.perf_counter() - started)
    return {"tiles": out}


def op_pipe_save(args) -> dict:
    """A validated pipe save with snapping (move one end vertex by 1 m), rolled back."""
    import random

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from shapely.geometry import LineString

    from layers.geometry import reproject
    from network.models import PipeSegment
    from network.services.edit import pipe_update

    user = get_user_model().objects.get(username="engineer")
    ids = list(PipeSegment.objects.filter(status="in_service").values_list("id", flat=True))
    rng = random.Random(441882)  # noqa: S311 - a benchmark's sample, not security
    times = []
    for i in range(args.repeat + 1):
        pipe = PipeSegment.objects.get(id=rng.choice(ids))
        metric = reproject(LineString(pipe.geom.coords), 4326, 4546)
        coords = list(metric.coords)
        mid = len(coords) // 2
        if len(coords) == 2:
            (x0, y0), (x1, y1) = coords
            coords.insert(1, ((x0 + x1) / 2 + 1.0, (y0 + y1) / 2))
        else:
            coords[mid] = (coords[mid][0] + 1.0, coords[mid][1])
        moved = reproject(LineString(coords), 4546, 4326)
        with transaction.atomic():
            started = time.perf_counter()
            pipe_update(pipe_id=pipe.id, version=pipe.version, geom=moved, user=user)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        if i:
            times.append(elapsed)
    return {"seconds": times}


OPERATIONS = {
    "evaluate": op_evaluate,
    "tiles": op_tiles,
    "pipe_save": op_pipe_save,
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=list(OPERATIONS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    print(json.dumps(OPERATIONS[args.operation](args)))


if __name__ == "__main__":
    main(sys.argv[1:])
