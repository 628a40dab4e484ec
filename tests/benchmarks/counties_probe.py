"""The counties benchmark's measurements on one database, in its own process; prints JSON.

Usage: DATABASE_URL=... python -m tests.benchmarks.counties_probe [--repeat N] [--year Y]

Everything concerns Lianzhou (441882), whatever else the database holds:
- cold tiles (server cache cleared) of pipes and water users at z12 and z15 over the centre
  of Lianzhou's first supply zone, through the whole view like probe.py's tiles;
- the GeoJSON features page of 1,000 pipes in that zone's bbox;
  both as `official` (a member of Lianzhou: scope = that county) and as `admin` (a superuser:
  every county);
- the evaluation of Lianzhou alone for one year (read, every rule, results stored);
- the consumption API's towns × months query for a year, as `official`, alternated with its
  floor: the plain GROUP BY over Lianzhou's raw rows (tests/benchmarks/consumption_floor.py).
Each part warms up once, then takes `repeat` timed samples.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import AreaMembership  # noqa: E402
from compliance.evaluation import county_of, evaluate  # noqa: E402
from layers.tile_cache import tile_cache_clear  # noqa: E402
from layers.tiles import lonlat_to_tile  # noqa: E402
from network.models import SupplyZone  # noqa: E402
from tests.benchmarks.consumption_floor import FLOOR_SQL, floor_params, our_path  # noqa: E402

LIANZHOU = "441882"
USERS = {"scoped": "official", "unscoped": "admin"}
TILE_LAYERS = ("pipes", "water-users")
ZOOMS = (12, 15)


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _zone() -> SupplyZone:
    # The default manager is scoped; outside a request the scope is every county.
    return SupplyZone.objects.filter(county__code=LIANZHOU).order_by("code").first()


def _get(client: Client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 204):
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return elapsed, len(response.content)


def tiles(client: Client, year: int, repeat: int) -> dict:
    centre = _zone().geom.point_on_surface
    out: dict[str, dict] = {}
    for layer in TILE_LAYERS:
        for z in ZOOMS:
            x, y = lonlat_to_tile(centre.x, centre.y, z)
            url = f"/tiles/{layer}/{z}/{x}/{y}.pbf?year={year}"
            neighbour = f"/tiles/{layer}/{z}/{x + 1}/{y}.pbf?year={year}"
            _get(client, url)  # warm-up: connections, freshness of verdicts
            samples, size = [], 0
            for _ in range(repeat):
                cache.clear()
                tile_cache_clear()  # the tiles' memory and shared table: a real cold tile
                _get(client, neighbour)  # re-warm the per-request state, as probe.py does
                seconds, size = _get(client, url)
                samples.append(seconds)
            out[f"{layer}_z{z}"] = {"seconds": samples, "bytes": size}
    return out


def features(client: Client, year: int, repeat: int) -> dict:
    minx, miny, maxx, maxy = _zone().geom.extent
    url = (
        f"/api/v1/layers/pipes/features/?bbox={minx},{miny},{maxx},{maxy}"
        f"&page_size=1000&year={year}"
    )
    _get(client, url)
    samples, size = [], 0
    for _ in range(repeat):
        seconds, size = _get(client, url)
        samples.append(seconds)
    return {"seconds": samples, "bytes": size}


def evaluation(year: int, repeat: int) -> dict:
    area = county_of(LIANZHOU)
    evaluate(area=area, year=year)  # warm-up
    samples, results = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        results = len(evaluate(area=area, year=year).rows)
        samples.append(time.perf_counter() - started)
    return {"seconds": samples, "results": results}


def _floor(year: int, county: int) -> float:
    """The plain GROUP BY of Lianzhou's rows (consumption_floor.py) on Django's connection."""
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(FLOOR_SQL["towns"], floor_params(year, county))
        cur.fetchone()
        return time.perf_counter() - started


def consumption(client: Client, year: int, repeat: int) -> dict:
    """Our towns × months answer, and its floor (the plain GROUP BY over the raw rows of
    Lianzhou's users), alternated."""
    url = our_path("towns", year)
    county = county_of(LIANZHOU).pk
    _get(client, url)
    _floor(year, county)
    samples, floor, size = [], [], 0
    for i in range(repeat):
        cache.clear()
        if i % 2:
            floor.append(_floor(year, county))
        seconds, size = _get(client, url)
        samples.append(seconds)
        if not i % 2:
            floor.append(_floor(year, county))
    return {"seconds": samples, "floor_seconds": floor, "bytes": size}


def measure(year: int, repeat: int) -> dict:
    official = get_user_model().objects.get(username=USERS["scoped"])
    area = AreaMembership.objects.get(user=official).area
    if area.code != LIANZHOU:
        raise RuntimeError(f"{official} belongs to {area.code}, not Lianzhou")
    from layers.models import AdminArea

    out: dict = {"counties": AdminArea.objects.filter(level="county").count()}
    for who, username in USERS.items():
        client = _client(username)
        out[who] = {
            "tiles": tiles(client, year, repeat),
            "features": features(client, year, repeat),
        }
    out["scoped"]["consumption"] = consumption(_client(USERS["scoped"]), year, repeat)
    out["evaluation"] = evaluation(year, 1)
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.year, args.repeat)))


if __name__ == "__main__":
    main(sys.argv[1:])
