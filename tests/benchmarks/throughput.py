"""Tiles per second on loopback: our app under gunicorn vs tipg under uvicorn, with wrk.

Every tile z12–16 over the densest supply zone (a fixed list, tests/benchmarks/peer_plan.py),
cycled by wrk (tests/benchmarks/wrk_cycle.lua) at 1, 8 and 32 connections, one fixed-length
cell per side and count, the sides alternated. tipg gets the same rows and columns as our
tiles (CQL2 filter, properties; see peers.py). Before measuring, each side gets an unrecorded
warm-up pass: ours then serves from its tile cache (per gunicorn worker) as in steady
production use; tipg has no cache and builds every tile.

Workers: ours gunicorn's documented (2 × cores) + 1 sync workers; tipg one uvicorn worker per
core (BENCH_TIPG_WORKERS): each is an asyncio loop that overlaps its waits on PostgreSQL, so
one per core keeps every core busy, and more only compete for them.

Standalone: BENCH_WRK_SECONDS=5 .venv/bin/python -m tests.benchmarks.throughput  (prints JSON)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks.common import SCALES, ensure_database, gunicorn_workers, serve_gunicorn
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

CONNECTIONS = (1, 8, 32)
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WRK_WARMUP_SECONDS", "20"))
TIPG_WORKERS = int(os.environ.get("BENCH_TIPG_WORKERS", str(os.cpu_count() or 1)))
LUA = Path(__file__).with_name("wrk_cycle.lua")


def _cql2_by_zoom(p: dict) -> dict[int, str]:
    """Our row filter per zoom as CQL2 (z ≥ 15 share the z15 condition: full detail)."""
    by_zoom = {t["z"]: t["cql2"] for t in p["tiles"]}
    return {z: by_zoom[z] for z in range(min(by_zoom), max(by_zoom) + 1)}


def wrk(port: int, paths_file: Path, connections: int, seconds: int, cookie: str = "") -> dict:
    """One wrk run; its Lua done() prints the JSON line parsed here."""
    threads = min(connections, os.cpu_count() or 1)
    env = {**os.environ, "WRK_PATHS_FILE": str(paths_file), "WRK_COOKIE": cookie}
    out = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("{"))
    raw = json.loads(line)
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": duration,
        "requests_per_s": raw["requests"] / duration,
        "mb_per_s": raw["bytes"] / duration / 1e6,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
        "timeouts": raw["timeouts"],
    }


def bench_scale(scale: int, workdir: Path) -> dict:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: run scripts/bench_peers_setup.sh")
    p = plan(scale)
    cql2 = _cql2_by_zoom(p)
    ours_file, tipg_file = workdir / f"ours_s{scale}.txt", workdir / f"tipg_s{scale}.txt"
    tiles = p["throughput_tiles"]
    ours_file.write_text("\n".join(our_tile_path(z, x, y, p["year"]) for z, x, y in tiles))
    tipg_file.write_text("\n".join(tipg_tile_path(z, x, y, cql2[z]) for z, x, y in tiles))
    our_port, tipg_port = free_port(), free_port()
    ours = serve_gunicorn(scale, our_port, workers=gunicorn_workers())
    tipg = None
    try:
        tipg = serve_tipg(scale, tipg_port, workers=TIPG_WORKERS)
        cookie = login(our_port)["Cookie"]
        z, x, y = tiles[0]
        for port, path, headers in (
            (our_port, our_tile_path(z, x, y, p["year"]), {"Cookie": cookie}),
            (tipg_port, tipg_tile_path(z, x, y, cql2[z]), {}),
        ):
            reply = fetch(port, path, headers)
            if reply.status != 200:
                raise RuntimeError(f"{path} answered {reply.status} before the run")
        sides = {
            "ours": (our_port, ours_file, cookie),
            "tipg": (tipg_port, tipg_file, ""),
        }
        # Not in the figures: fills our per-worker tile caches and both connection pools.
        warmup = {
            side: wrk(port, paths, 8, WARMUP_SECONDS, c) for side, (port, paths, c) in sides.items()
        }
        cells: dict = {"ours": {}, "tipg": {}}
        for i, connections in enumerate(CONNECTIONS):
            order = ["ours", "tipg"] if i % 2 == 0 else ["tipg", "ours"]
            for side in order:
                port, paths, c = sides[side]
                cells[side][str(connections)] = wrk(port, paths, connections, SECONDS, c)
    finally:
        stop(ours)
        if tipg is not None:
            stop(tipg)
    ratios = {
        str(c): cells["ours"][str(c)]["requests_per_s"] / cells["tipg"][str(c)]["requests_per_s"]
        for c in CONNECTIONS
    }
    # How many times each of our workers could have seen the whole list before measuring.
    passes = warmup["ours"]["requests"] / (len(tiles) * gunicorn_workers())
    return {
        "tiles": len(tiles),
        **cells,
        "ours_to_tipg": ratios,
        "warmup_requests": {side: w["requests"] for side, w in warmup.items()},
        "warmup_passes_per_worker": passes,
    }


def run() -> dict:
    """Tiles/s, p50/p99 and errors for both servers at 1, 8 and 32 connections, scale 1 and 10."""
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        figures = {f"scale_{s}": bench_scale(s, Path(tmp)) for s in SCALES}
    return {
        "seconds_per_cell": SECONDS,
        "warmup_seconds": WARMUP_SECONDS,
        "our_workers": gunicorn_workers(),
        "tipg_workers": TIPG_WORKERS,
        "cores": os.cpu_count(),
        **figures,
    }


def section(figures: dict) -> list[str]:
    lines = [
        "## Throughput: tiles per second, ours (gunicorn) vs tipg (uvicorn)",
        "",
        f"wrk on loopback, {figures['seconds_per_cell']} s per cell, cycling through every "
        "pipes tile z12–16 over the densest supply zone (tests/benchmarks/wrk_cycle.lua), "
        "logged in as an official on our side; the two servers alternate cell by cell. Ours: "
        f"gunicorn, {figures['our_workers']} sync workers ((2 × {figures['cores']} cores) + 1, "
        f"gunicorn's documented starting point). tipg: uvicorn, {figures['tipg_workers']} "
        "worker(s), one asyncio loop per core (more would only compete for the cores). tipg gets "
        "the same rows and columns as our tiles (CQL2 `filter`, `properties`). Each side first "
        f"gets an unrecorded {figures['warmup_seconds']} s pass: ours then answers from its tile "
        "cache (one per worker), as in steady use; tipg has no cache and builds every tile. "
        "wrk, PostgreSQL and the server share the same cores.",
        "",
    ]
    for scale in SCALES:
        f = figures.get(f"scale_{scale}")
        if not f:
            continue
        lines += [
            f"### Scale {scale} ({f['tiles']} tiles in the cycle)",
            "",
            f"Our warm-up served {f['warmup_requests']['ours']:,} tiles: "
            f"{f['warmup_passes_per_worker']:.1f} × the list per worker"
            + (
                " (below 1: part of the measured requests still build their tile)."
                if f["warmup_passes_per_worker"] < 1
                else ", so the measured requests are served from the tile cache."
            ),
            "",
            "| connections | ours tiles/s | tipg tiles/s | ours ÷ tipg | ours p50 / p99 (ms) "
            "| tipg p50 / p99 (ms) | non-2xx ours / tipg | socket errors ours / tipg |",
            "|---|---|---|---|---|---|---|---|",
        ]
        bad = []
        for c in CONNECTIONS:
            o, t = f["ours"][str(c)], f["tipg"][str(c)]
            lines.append(
                f"| {c} | {o['requests_per_s']:.0f} | {t['requests_per_s']:.0f} "
                f"| {f['ours_to_tipg'][str(c)]:.2f}× "
                f"| {o['p50_ms']:.1f} / {o['p99_ms']:.1f} | {t['p50_ms']:.1f} / {t['p99_ms']:.1f} "
                f"| {o['non_2xx']} / {t['non_2xx']} "
                f"| {o['socket_errors'] + o['timeouts']} / {t['socket_errors'] + t['timeouts']} |"
            )
            bad += [
                f"{side} at {c} connections: {cell['non_2xx']} non-2xx responses"
                for side, cell in (("ours", o), ("tipg", t))
                if cell["non_2xx"]
            ]
        lines.append("")
        if bad:
            lines += ["**Not every response was a 2xx**: " + "; ".join(bad) + ".", ""]
        else:
            lines += ["Every response was a 2xx on both sides.", ""]
    return lines


if __name__ == "__main__":
    for _scale in SCALES:
        ensure_database(_scale)
    _figures = run()
    print("\n".join(section(_figures)))
    print(json.dumps(_figures))
