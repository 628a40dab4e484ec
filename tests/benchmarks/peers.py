"""Ours against tipg (FastAPI OGC API Features + Tiles for PostGIS) on the same data and machine.

Vector tiles z10–17 over the densest supply zone and a 1,000-feature bbox page, each through
HTTP on loopback: our app under gunicorn, tipg under uvicorn, and the bare SQL floor (the very
statement our server runs for the tile; ST_AsGeoJSON + json_agg for the page) on a plain
psycopg connection. Requests alternate tile by tile, with the order of the sides rotated each
round, so machine drift touches every side alike.

Cold (ours): each round starts a fresh gunicorn, so its tile cache (LocMem, per process) is
empty; one unrelated tile is fetched first so that start-up, the database connection and the
cached data versions do not land on the first measured tile. Warm: the same request again.
tipg has no tile cache: its cold is the first request of the round, its warm the repeat.
One worker on each side (requests are sequential; with several gunicorn workers a repeat
could land on a worker whose cache is still empty). Round 0 warms PostgreSQL and is dropped.

Standalone: BENCH_ROUNDS=2 .venv/bin/python -m tests.benchmarks.peers   (prints JSON)
"""

from __future__ import annotations

import json
import statistics
import time

import mapbox_vector_tile
import psycopg

from tests.benchmarks.common import ROUNDS, SCALES, db_url, ensure_database, ms, serve_gunicorn
from tests.benchmarks.common import summary as _summary
from tests.benchmarks.features_floor import floor_params
from tests.benchmarks.peer_servers import (
    feature_count,
    fetch,
    free_port,
    login,
    our_features_path,
    our_tile_path,
    plan,
    serve_tipg,
    stop,
    tipg_features_path,
    tipg_tile_path,
)

FEATURE_REPEATS = 3
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0; "
TARGET_TIMES_FASTER = 10.0


def floor_connection(scale: int) -> psycopg.Connection:
    """A plain connection with the app's session options (JIT off, see DATABASES)."""
    return psycopg.connect(
        db_url(scale).replace("postgis://", "postgresql://", 1),
        options="-c jit=off",
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    )


def timed_sql(
    conn: psycopg.Connection, sql: str, params: list, skip: int = 0
) -> tuple[float, object]:
    """Seconds to run `sql` and the first value of its row (after `skip` leading statements
    that return none, e.g. a SET LOCAL sent with it)."""
    with conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute(sql, params)
        for _ in range(skip):
            cur.nextset()
        value = cur.fetchone()[0]
        return time.perf_counter() - started, value


def tile_features(body: bytes) -> int:
    """Features across every layer of an MVT (0 for an empty tile)."""
    if not body:
        return 0
    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(body).values())


def _ok(reply, what: str) -> bytes:
    if reply.status not in (200, 204):
        raise RuntimeError(f"{what} answered {reply.status}: {reply.body[:200]!r}")
    return reply.body


class _Sides:
    """Both servers and the floor connection of one scale."""

    def __init__(self, scale: int, p: dict):
        self.scale, self.plan = scale, p
        self.tipg_port, self.our_port = free_port(), free_port()
        self.tipg = serve_tipg(scale, self.tipg_port)
        try:
            self.floor = floor_connection(scale)
        except psycopg.Error:
            stop(self.tipg)
            raise
        self.ours = None
        self.cookie: dict = {}

    def restart_ours(self) -> None:
        """A fresh gunicorn (empty tile cache), warmed on a tile outside the measured list."""
        if self.ours is not None:
            stop(self.ours)
        self.ours = serve_gunicorn(self.scale, self.our_port, workers=1)
        if not self.cookie:
            self.cookie = login(self.our_port)
        last = self.plan["tiles"][-1]
        off = our_tile_path(last["z"], last["x"] + 8, last["y"] + 8, self.plan["year"])
        _ok(fetch(self.our_port, off, self.cookie), "our warm-up tile")

    def close(self) -> None:
        for server in (self.ours, self.tipg):
            if server is not None:
                stop(server)
        self.floor.close()

    def ours_tile(self, t: dict):
        path = our_tile_path(t["z"], t["x"], t["y"], self.plan["year"])
        return fetch(self.our_port, path, self.cookie)

    def tipg_tile(self, t: dict):
        return fetch(self.tipg_port, tipg_tile_path(t["z"], t["x"], t["y"], t["cql2"]))

    def floor_tile(self, t: dict) -> tuple[float, bytes]:
        seconds, value = timed_sql(self.floor, t["sql"], t["params"])
        return seconds, bytes(value or b"")


def _tiles_round(sides: _Sides, order: list[str], out: dict, keep: bool) -> None:
    for t in sides.plan["tiles"]:
        row = out.setdefault(str(t["z"]), {k: [] for k in ("floor", "ours", "tipg")})
        cold: dict = {}
        for side in order:  # cold: the first request of each side for this tile
            if side == "floor":
                cold["floor"], cold["floor_body"] = sides.floor_tile(t)
            else:
                reply = getattr(sides, f"{side}_tile")(t)
                cold[side], cold[f"{side}_body"] = reply.seconds, _ok(reply, f"{side} tile")
        warm = {s: getattr(sides, f"{s}_tile")(t) for s in order if s != "floor"}
        if not keep:
            continue
        row["floor"].append(cold["floor"])
        row["ours"].append(cold["ours"])
        row["tipg"].append(cold["tipg"])
        row.setdefault("ours_warm", []).append(warm["ours"].seconds)
        row.setdefault("tipg_warm", []).append(warm["tipg"].seconds)
        row["features"] = {
            "ours": tile_features(cold["ours_body"]),
            "tipg": tile_features(cold["tipg_body"]),
            "floor": tile_features(cold["floor_body"]),
        }
        row["bytes"] = {"ours": len(cold["ours_body"]), "tipg": len(cold["tipg_body"])}


def _features_round(sides: _Sides, order: list[str], out: dict, keep: bool) -> None:
    p = sides.plan
    bbox = p["bbox"]
    ours_path, tipg_path = our_features_path(bbox, p["year"]), tipg_features_path(bbox)
    for _ in range(FEATURE_REPEATS):
        for side in order:
            if side == "floor":
                # without parallel workers, as our page runs (features_floor.py)
                sql = SERIAL + p["features_floor_sql"]
                seconds, body = timed_sql(sides.floor, sql, floor_params(bbox), skip=1)
                body = body.encode()
            elif side == "ours":
                reply = fetch(sides.our_port, ours_path, sides.cookie)
                seconds, body = reply.seconds, _ok(reply, "our features page")
            else:
                reply = fetch(sides.tipg_port, tipg_path)
                seconds, body = reply.seconds, _ok(reply, "tipg items")
            if keep:
                out.setdefault(side, []).append(seconds)
                out.setdefault("features", {})[side] = feature_count(body)
                out.setdefault("bytes", {})[side] = len(body)
                out.setdefault("ids", {})[side] = [f["id"] for f in json.loads(body)["features"]]


def _ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(a) / statistics.median(b)


def _tile_figures(raw: dict) -> dict:
    zooms = {}
    for z, row in raw.items():
        zooms[z] = {
            **{k: _summary(row[k]) for k in ("floor", "ours", "tipg", "ours_warm", "tipg_warm")},
            "features": row["features"],
            "bytes": row["bytes"],
            "ours_to_floor": _ratio(row["ours"], row["floor"]),
            "tipg_to_ours": _ratio(row["tipg"], row["ours"]),
            "tipg_to_ours_warm": _ratio(row["tipg_warm"], row["ours_warm"]),
        }
    pooled = {
        k: [v for row in raw.values() for v in row[k]]
        for k in ("floor", "ours", "tipg", "ours_warm", "tipg_warm")
    }
    # tipg keeps only rows intersecting the tile itself; ours also those in the tile's buffer
    # (so lines join across tile edges): the peer's share of our features, worst zoom.
    shares = [row["features"]["tipg"] / max(row["features"]["ours"], 1) for row in raw.values()]
    return {
        "zooms": zooms,
        **{k: _summary(v) for k, v in pooled.items()},
        "ours_to_floor": _ratio(pooled["ours"], pooled["floor"]),
        "tipg_to_ours": _ratio(pooled["tipg"], pooled["ours"]),
        "tipg_to_ours_warm": _ratio(pooled["tipg_warm"], pooled["ours_warm"]),
        "floor_same_as_ours": all(
            row["features"]["ours"] == row["features"]["floor"] for row in raw.values()
        ),
        "tipg_feature_share": {"min": min(shares), "max": max(shares)},
    }


def _feature_figures(raw: dict) -> dict:
    ids = raw.pop("ids")
    return {
        **{k: _summary(raw[k]) for k in ("floor", "ours", "tipg")},
        "features": raw["features"],
        "bytes": raw["bytes"],
        "same_features": ids["ours"] == ids["tipg"] == ids["floor"],
        "ours_to_floor": _ratio(raw["ours"], raw["floor"]),
        "tipg_to_ours": _ratio(raw["tipg"], raw["ours"]),
    }


def bench_scale(scale: int) -> dict:
    p = plan(scale)
    sides = _Sides(scale, p)
    tiles: dict = {}
    features: dict = {}
    rotation = ["ours", "tipg", "floor"]
    try:
        for round_ in range(ROUNDS + 1):  # round 0 warms PostgreSQL's buffers: dropped
            sides.restart_ours()
            order = rotation[round_ % 3 :] + rotation[: round_ % 3]
            _tiles_round(sides, order, tiles, keep=round_ > 0)
            _features_round(sides, order, features, keep=round_ > 0)
    finally:
        sides.close()
    return {"tiles": _tile_figures(tiles), "features": _feature_figures(features)}


def run() -> dict:
    """Tiles and the features page, ours vs tipg vs the floor, at scale 1 and 10."""
    return {"rounds": ROUNDS, **{f"scale_{s}": bench_scale(s) for s in SCALES}}


def _met(times_faster: float) -> str:
    return "met" if times_faster >= TARGET_TIMES_FASTER else "**not met**"


def section(figures: dict) -> list[str]:
    lines = [
        "## Peers: ours vs tipg (vector tiles and the features page)",
        "",
        "tipg (FastAPI OGC API Features + Tiles, from `.venv-peers`, see requirements-peers.txt) "
        "under uvicorn, one worker, on the same database, serving only `layers_pipesegment`; "
        "ours under gunicorn, one sync worker, logged in as an official. Every request is a new "
        "loopback connection. The floor is the bare SQL on a plain psycopg connection: for a "
        "tile, the exact statement our server runs (`layers.tiles.tile_sql`); for the page, "
        "the plain ST_AsGeoJSON + json_agg query for the rows and attributes of our default "
        "(lean) page (tests/benchmarks/features_floor.py, without parallel workers, as our page "
        "runs); tipg is asked for the same attributes (`properties`). Sides alternate tile by "
        "tile, their order rotated each round; "
        f"{figures['rounds']} rounds after a dropped warm-up round. Times in ms: median "
        "(min–max).",
        "",
        "**Cold** for us: every round starts a fresh gunicorn, so the tile cache is empty; one "
        "unrelated tile is fetched first so start-up and the cached data versions are not "
        "counted. **Warm**: the same request again (served from our cache). tipg has no tile "
        "cache: its cold is the round's first request, its warm the repeat.",
        "",
        "**Same tiles**: tipg is asked for the same rows through its CQL2 `filter` (our "
        "generalisation by zoom: diameter thresholds at z≤14, abandoned pipes left out) and the "
        "same columns through `properties`; the feature counts below come from decoding both "
        "tiles (mapbox_vector_tile). Our tiles also carry the compliance verdict per pipe (a "
        "subquery tipg does not run).",
        "",
    ]
    for scale in SCALES:
        f = figures.get(f"scale_{scale}")
        if not f:
            continue
        t = f["tiles"]
        lines += [
            f"### Scale {scale}: tiles z10–17",
            "",
            "| z | features ours / tipg | floor | ours cold | tipg cold | ours warm | tipg warm "
            "| cold ours ÷ floor | tipg ÷ ours cold | tipg ÷ ours warm |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for z, row in t["zooms"].items():
            lines.append(
                f"| {z} | {row['features']['ours']} / {row['features']['tipg']} "
                f"| {ms(row['floor'])} | {ms(row['ours'])} | {ms(row['tipg'])} "
                f"| {ms(row['ours_warm'])} | {ms(row['tipg_warm'])} "
                f"| {row['ours_to_floor']:.2f}× | {row['tipg_to_ours']:.2f}× "
                f"| {row['tipg_to_ours_warm']:.2f}× |"
            )
        share = t["tipg_feature_share"]
        floor_same = "the same" if t["floor_same_as_ours"] else "**not** the same"
        lines += [
            "",
            f"All zooms pooled: floor {ms(t['floor'])}, ours cold {ms(t['ours'])}, tipg cold "
            f"{ms(t['tipg'])}, ours warm {ms(t['ours_warm'])}, tipg warm {ms(t['tipg_warm'])}. "
            f"Cold ours ÷ floor **{t['ours_to_floor']:.2f}×**; ours is "
            f"**{t['tipg_to_ours']:.2f}×** faster than tipg cold (target "
            f"≥{TARGET_TIMES_FASTER:.0f}×: {_met(t['tipg_to_ours'])}) and "
            f"{t['tipg_to_ours_warm']:.2f}× warm.",
            "",
            f"Comparable tiles: our tile and the floor hold {floor_same} features; tipg's hold "
            f"{share['min']:.0%}–{share['max']:.0%} of ours, because tipg keeps only the pipes "
            "that intersect the tile itself and we also keep those in the 64-unit buffer around "
            "it (so lines join across tile edges; tipg's buffer is set to the same 64).",
            "",
        ]
        fe = f["features"]
        same = "the same 1,000 ids" if fe["same_features"] else "**different ids**"
        lines += [
            f"### Scale {scale}: features page (bbox, 1,000 features)",
            "",
            "| side | ms | features | bytes |",
            "|---|---|---|---|",
            *(
                f"| {name} | {ms(fe[key])} | {fe['features'][key]} | {fe['bytes'][key]:,} |"
                for key, name in (
                    ("floor", "bare SQL"),
                    ("ours", "ours `/api/v1/layers/pipes/features/`"),
                    ("tipg", "tipg `/collections/…/items`"),
                )
            ),
            "",
            f"Ours ÷ floor **{fe['ours_to_floor']:.2f}×**; ours is **{fe['tipg_to_ours']:.2f}×** "
            f"faster than tipg (target ≥{TARGET_TIMES_FASTER:.0f}×: {_met(fe['tipg_to_ours'])}). "
            f"All three return {same} (ordered by id; abandoned pipes left out, as our page "
            "does unless asked with `all`).",
            "",
        ]
    return lines


if __name__ == "__main__":
    for _scale in SCALES:
        ensure_database(_scale)
    _figures = run()
    print("\n".join(section(_figures)))
    print(json.dumps(_figures))
