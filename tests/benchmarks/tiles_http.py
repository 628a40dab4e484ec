"""Vector tiles over HTTP against their floor and tipg, cold and warm; throughput warm vs cold.

Latency, the pipes tiles z10–17 over the densest supply zone (peer_plan's list), every request
a new loopback connection, one sync worker per side:
- floor: the plain tile query (floor_sql.BARE_TILE_SQL) served by the smallest WSGI app
  (floor_app.py) under the same gunicorn: what any Python tile server pays for the same rows
  over the same HTTP;
- ours cold: our gunicorn as deployed (gisapp.wsgi, with its tile fast path), no tile of the
  list cached anywhere at each round's start (the shared table emptied, every key new), in a
  process that served the rounds before (started in round 0, which is dropped, as the floor's
  and tipg's are); one tile outside the list is asked first, so the first request after the
  new keys (the user and the status year cached again) is not measured;
- ours warm: the same tile again, three samples;
- tipg cold: its first request of the tile (tipg keeps no tile cache).
The sides alternate tile by tile, their order rotated each round; round 0 is dropped.

Throughput, wrk with 8 connections cycling every tile z12–16 over the densest supply zone, our
gunicorn with (2 × cores) + 1 workers: cold with TILE_CACHE_ENABLED=false (every request builds
its tile: the worst case, nothing ever cached, straight to gunicorn) and warm (the cache on,
after an unrecorded pass over the list), straight to gunicorn and through the tile proxy
(docker/proxy/nginx.conf, a real nginx: tests/tile_proxy.py) as the scaled deployment serves
them; the three alternated.

Standalone: BENCH_ROUNDS=2 .venv/bin/python -m tests.benchmarks.tiles_http   (prints JSON)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import tempfile
from pathlib import Path

import psycopg

from tests.benchmarks.common import (
    ROUNDS,
    SCALES,
    database_url,
    ensure_database,
    gunicorn_workers,
    ms,
    serve_floor,
    serve_gunicorn_database,
)
from tests.benchmarks.common import summary as _summary
from tests.benchmarks.peer_servers import (
    fetch,
    free_port,
    login,
    our_tile_path,
    plan,
    serve_tipg,
    stop,
    tipg_tile_path,
)
from tests.benchmarks.throughput import wrk
from tests.tile_proxy import TileProxy

WARM_REPEATS = 3
WRK_CONNECTIONS = 8
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
# A round asks each side for one tile per zoom (a fraction of a second), and a small tile's
# time varies by a fraction of a millisecond: five rounds per BENCH_ROUNDS give each median
# enough samples.
LATENCY_ROUNDS = 5 * ROUNDS


def _database(scale: int) -> str:
    return f"lianzhou_bench_s{scale}"


def _min_dn(p: dict) -> str:
    """FLOOR_MIN_DN for floor_app: the smallest DN per zoom, read from the plan's conditions."""
    pairs = []
    for t in p["tiles"]:
        found = re.search(r"diameter_mm >= (\d+)", t["cql2"])
        pairs.append(f"{t['z']}:{found.group(1) if found else 0}")
    return ",".join(pairs)


def _empty_tile_cache(scale: int, *, new_keys: bool = False) -> None:
    """Empty the shared tile table; new_keys: also bump the demo's marker row, which every
    tile key's digest of the data versions covers (nothing else depends on it), so a running
    process's memory holds no tile of the new keys either: cold tiles on a warm process."""
    url = database_url(_database(scale)).replace("postgis://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM tile_cache.tiles")
        if new_keys:
            conn.execute("UPDATE layers_layerversion SET version = version + 1 WHERE key = 'demo'")


def _ok(reply, what: str) -> bytes:
    if reply.status not in (200, 204):
        raise RuntimeError(f"{what} answered {reply.status}: {reply.body[:200]!r}")
    return reply.body


class _Servers:
    def __init__(self, scale: int, p: dict):
        self.scale, self.plan = scale, p
        self.floor_port, self.tipg_port, self.our_port = free_port(), free_port(), free_port()
        self.floor = serve_floor(
            _database(scale),
            self.floor_port,
            "tests.benchmarks.floor_app:application",
            "/",
            env={"FLOOR_MIN_DN": _min_dn(p)},
        )
        self.tipg = serve_tipg(scale, self.tipg_port)
        self.ours = None
        self.cookie: dict = {}

    def fresh_ours(self) -> None:
        """No tile of the list cached anywhere, in a process that has served before (as a
        server that has run a while): the first round starts the process, later ones give
        every tile a new key (_empty_tile_cache). The session's user and the versions are
        cached by one tile outside the list."""
        if self.ours is None:
            _empty_tile_cache(self.scale)
            self.ours = serve_gunicorn_database(_database(self.scale), self.our_port, workers=1)
        else:
            _empty_tile_cache(self.scale, new_keys=True)
        if not self.cookie:
            self.cookie = login(self.our_port)
        last = self.plan["tiles"][-1]
        off = our_tile_path(last["z"], last["x"] + 8, last["y"] + 8, self.plan["year"])
        _ok(fetch(self.our_port, off, self.cookie), "our first tile")

    def get(self, side: str, t: dict):
        if side == "floor":
            return fetch(self.floor_port, f"/{t['z']}/{t['x']}/{t['y']}.pbf")
        if side == "tipg":
            return fetch(self.tipg_port, tipg_tile_path(t["z"], t["x"], t["y"], t["cql2"]))
        path = our_tile_path(t["z"], t["x"], t["y"], self.plan["year"])
        return fetch(self.our_port, path, self.cookie)

    def close(self) -> None:
        for server in (self.ours, self.tipg, self.floor):
            if server is not None:
                stop(server)


def _latency(servers: _Servers, rounds: int) -> dict:
    sides = ["floor", "ours", "tipg"]
    raw: dict = {}
    for r in range(rounds + 1):  # round 0 warms PostgreSQL and the servers: dropped
        servers.fresh_ours()
        for i, t in enumerate(servers.plan["tiles"]):
            row = raw.setdefault(str(t["z"]), {k: [] for k in (*sides, "ours_warm")})
            k = (r + i) % len(sides)
            for side in sides[k:] + sides[:k]:
                reply = servers.get(side, t)
                _ok(reply, f"{side} z{t['z']}")
                if r:
                    row[side].append(reply.seconds)
                if side == "ours":
                    row["bytes"] = len(reply.body)
            for _ in range(WARM_REPEATS):
                reply = servers.get("ours", t)
                if r:
                    row["ours_warm"].append(reply.seconds)
    out = {}
    for z, row in raw.items():
        medians = {k: statistics.median(row[k]) for k in (*sides, "ours_warm")}
        out[z] = {
            **{k: _summary(row[k]) for k in (*sides, "ours_warm")},
            "bytes": row["bytes"],
            "cold_to_floor": medians["ours"] / medians["floor"],
            "tipg_to_ours": medians["tipg"] / medians["ours"],
        }
    return out


def _throughput(scale: int, p: dict, workdir: Path) -> dict:
    paths = workdir / f"tiles_s{scale}.txt"
    paths.write_text(
        "\n".join(our_tile_path(z, x, y, p["year"]) for z, x, y in p["throughput_tiles"])
    )
    out: dict = {}
    for kind in ("cold", "warm", "proxied") * 2:  # alternated; the better of each is kept
        _empty_tile_cache(scale)
        port = free_port()
        env = {"TILE_CACHE_ENABLED": "false"} if kind == "cold" else {}
        server = serve_gunicorn_database(
            _database(scale), port, workers=gunicorn_workers(), env=env
        )
        proxy = None
        try:
            cookie = login(port)["Cookie"]
            target = port
            if kind == "proxied":
                proxy = TileProxy(free_port(), f"127.0.0.1:{port}")
                target = proxy.port
            if kind != "cold":  # an unrecorded pass: every tile built once, then shared
                wrk(target, paths, WRK_CONNECTIONS, WRK_SECONDS, cookie)
            cell = wrk(target, paths, WRK_CONNECTIONS, WRK_SECONDS, cookie)
        finally:
            if proxy is not None:
                proxy.stop()
            stop(server)
        if cell["non_2xx"] or cell["socket_errors"]:
            raise RuntimeError(f"{kind} throughput had errors: {cell}")
        best = out.get(kind)
        if best is None or cell["requests_per_s"] > best["requests_per_s"]:
            out[kind] = cell
    out["tiles"] = len(p["throughput_tiles"])
    out["warm_to_cold"] = out["warm"]["requests_per_s"] / out["cold"]["requests_per_s"]
    out["proxied_to_cold"] = out["proxied"]["requests_per_s"] / out["cold"]["requests_per_s"]
    return out


def bench_scale(scale: int, rounds: int, workdir: Path) -> dict:
    p = plan(scale)
    servers = _Servers(scale, p)
    try:
        latency = _latency(servers, rounds)
    finally:
        servers.close()
    return {"latency": latency, "throughput": _throughput(scale, p, workdir)}


def run() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as workdir:
        for scale in SCALES:
            ensure_database(scale)
            out[f"scale_{scale}"] = bench_scale(scale, LATENCY_ROUNDS, Path(workdir))
    return out


def _scales(figures: dict) -> list[tuple[str, dict]]:
    return [(n.replace("_", " "), f) for n, f in sorted(figures.items()) if n.startswith("scale_")]


def worst_cold_to_floor(figures: dict) -> list[tuple[str, float]]:
    """Targets: per scale, the worst zoom's cold ÷ floor."""
    return [
        (n, max(z["cold_to_floor"] for z in f["latency"].values())) for n, f in _scales(figures)
    ]


def worst_tipg_to_ours(figures: dict) -> list[tuple[str, float]]:
    """Targets: per scale, the zoom where tipg comes closest (tipg's time ÷ ours, lowest)."""
    return [(n, min(z["tipg_to_ours"] for z in f["latency"].values())) for n, f in _scales(figures)]


def warm_medians(figures: dict) -> list[tuple[str, float]]:
    """Targets: per scale, the slowest zoom's median warm tile, ms."""
    return [
        (n, max(z["ours_warm"]["median"] for z in f["latency"].values()) * 1000)
        for n, f in _scales(figures)
    ]


def warm_to_cold(figures: dict) -> list[tuple[str, float]]:
    """Targets: per scale, warm ÷ cold throughput, warm through the tile proxy (as deployed;
    straight to gunicorn in runs from before it: section() shows both)."""
    out = []
    for n, f in _scales(figures):
        t = f["throughput"]
        if "proxied_to_cold" in t:
            out.append((f"{n} through the tile proxy", t["proxied_to_cold"]))
        else:
            out.append((f"{n} straight to gunicorn", t["warm_to_cold"]))
    return out


def section(figures: dict) -> list[str]:
    lines = [
        "## Vector tiles over HTTP: ours against the floor and tipg, cold and warm (issue 19)",
        "",
        "Loopback HTTP, a new connection per request, one sync worker per side. **Floor**: the "
        "plain tile query (`tests/benchmarks/floor_sql.py`: the same rows and attributes, no "
        "verdicts, no scope, no parallel workers, each run planned with its values: a generic "
        "plan took 47–87 ms on scale 10's z10–12 tiles, a custom one 3–6 ms) served by the "
        "smallest WSGI app "
        "(`floor_app.py`) under gunicorn. **Ours cold**: our gunicorn as deployed (the tile "
        "fast path, `gisapp/tile_fast_path.py`), no tile of the list cached anywhere at each "
        "round's start (the shared table emptied and every key new, by a bump of the demo's "
        "marker row, which each key's digest of the data versions covers), in a process that "
        "served the rounds before, as the floor's and tipg's have; the first tile after the new "
        "keys (outside the list) is not measured. "
        "**Warm**: the same tile again (3 samples). **tipg**: its first request (no cache). "
        "Sides alternate tile by tile, order rotated each round; round 0 dropped; five rounds "
        "per BENCH_ROUNDS (one sample per side, tile and round). Times in ms, median (min–max).",
        "",
    ]
    for name, f in sorted(figures.items()):
        if not name.startswith("scale_"):
            continue
        lines += [
            f"### Scale {name.removeprefix('scale_')}",
            "",
            "| z | tile | floor | ours cold | tipg | ours warm | cold ÷ floor | tipg ÷ ours |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for z, row in sorted(f["latency"].items(), key=lambda kv: int(kv[0])):
            lines.append(
                f"| {z} | {row['bytes'] / 1024:.0f} KiB | {ms(row['floor'])} | {ms(row['ours'])} "
                f"| {ms(row['tipg'])} | {ms(row['ours_warm'])} | {row['cold_to_floor']:.2f}× "
                f"| {row['tipg_to_ours']:.2f}× |"
            )
        t = f["throughput"]
        lines += [
            "",
            f"Throughput (wrk, {WRK_CONNECTIONS} connections, {t['tiles']} tiles z12–16 cycled, "
            f"{gunicorn_workers()} gunicorn workers, better of two alternated cells each): cold "
            "(`TILE_CACHE_ENABLED=false`: every request builds its tile) "
            f"**{t['cold']['requests_per_s']:.0f} tiles/s** (p50 {t['cold']['p50_ms']:.1f} ms); "
            f"warm (after an unrecorded pass) **{t['warm']['requests_per_s']:.0f} tiles/s** "
            f"(p50 {t['warm']['p50_ms']:.1f} ms): warm ÷ cold **{t['warm_to_cold']:.2f}×**.",
        ]
        if "proxied" in t:
            lines.append(
                "Warm through the tile proxy (nginx with `docker/proxy/nginx.conf` in front of "
                "the same gunicorn; keep-alive connections, as browsers hold them) "
                f"**{t['proxied']['requests_per_s']:.0f} tiles/s** (p50 "
                f"{t['proxied']['p50_ms']:.1f} ms): ÷ cold **{t['proxied_to_cold']:.2f}×**."
            )
        lines.append("")
    return lines


if __name__ == "__main__":
    print(json.dumps(run()))
