"""What the peer benchmarks request, resolved once per database; prints one JSON line.

Usage: DATABASE_URL=... python -m tests.benchmarks.peer_plan [--year 2024]
The runner process holds no Django: this probe gives it the tile addresses (the dense list
z10–17 of probe.py, and every tile z12–16 over the densest supply zone for the throughput
run), the exact SQL our server runs for each tile (the floor), the features bbox and its
floor SQL, and the conditions that make a tipg tile hold the same features as ours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from layers.registry import LAYERS  # noqa: E402
from layers.tiles import lonlat_to_tile, tile_plan, tile_sql  # noqa: E402
from network.models import SupplyZone  # noqa: E402
from tests.benchmarks.features_floor import FLOOR_SQL  # noqa: E402
from tests.benchmarks.probe import _dense_tiles  # noqa: E402

THROUGHPUT_ZOOMS = range(12, 17)


def _cql2(z: int) -> str:
    """Our pipes tile's row filter at zoom z as CQL2 text for tipg's `filter` parameter.

    Our conditions are the pipes spec's tile rules (network/layer_specs.py); the columns keep
    their names in tipg. peers.py checks the result by decoding both tiles and comparing
    their feature counts.
    """
    tile = LAYERS["pipes"].tile
    conditions = [f"{tile.hidden[0]} <> '{tile.hidden[1]}'"]
    for rule in tile.generalise:
        if z <= rule.max_zoom:
            conditions.insert(0, f"{rule.column} >= {rule.value}")
            break
    return " AND ".join(conditions)


def _floor(z: int, x: int, y: int, year: int) -> dict:
    plan = tile_plan("pipes", z, x, y, year=year, include_abandoned=False)
    sql, params = tile_sql("pipes", z, x, y, include_hidden=False, year=plan.year)
    return {"z": z, "x": x, "y": y, "sql": sql, "params": list(params), "cql2": _cql2(z)}


def _zone_tiles(extent: tuple[float, float, float, float]) -> list[list[int]]:
    minx, miny, maxx, maxy = extent
    tiles = []
    for z in THROUGHPUT_ZOOMS:
        x0, y0 = lonlat_to_tile(minx, maxy, z)
        x1, y1 = lonlat_to_tile(maxx, miny, z)
        tiles += [[z, x, y] for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return tiles


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    extent = SupplyZone.objects.order_by("code").first().geom.extent
    out = {
        "year": args.year,
        "tiles": [_floor(z, x, y, args.year) for z, x, y in _dense_tiles()],
        "throughput_tiles": _zone_tiles(extent),
        "bbox": list(extent),
        # the plain query for our (lean) features page's rows and attributes
        "features_floor_sql": FLOOR_SQL,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
