"""The GeoJSON features page (1,000 pipes in a bbox) against its floor, in process and over HTTP.

Two areas per scale (features_probe.py): the bounding box of the first supply zone (a town and
its surroundings: thousands of matches, the page the first 1,000 by id) and the dense area, the
smallest square around a crowded spot holding 1,000 pipes (about as many matches as the page).
The floor (features_floor.py) is the plain query for the same rows and attributes.

In process: our endpoint through Django's test client, logged in as an official (area-scoped),
against the floor's SQL on the same connection (features_probe.py, its own process each round).
Over HTTP: ours under gunicorn (gisapp.wsgi, one sync worker) against the floor's SQL served by
the smallest WSGI app under the same gunicorn (features_floor.py), every request a new loopback
connection; the floor's SQL alone on a plain connection is timed too. The two ways alternate
round by round, the sides request by request (their order rotated); round 0 is dropped.

Standalone: BENCH_ROUNDS=2 .venv/bin/python -m tests.benchmarks.features   (prints JSON)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time

from tests.benchmarks.common import (
    ROUNDS,
    SCALES,
    db_url,
    ensure_database,
    module_probe,
    ms,
    serve_floor,
    serve_gunicorn,
    summary,
)
from tests.benchmarks.features_floor import (
    FLOOR_SQL,
    OPTIONS,
    floor_params,
    floor_path,
    our_path,
)
from tests.benchmarks.peer_servers import fetch, free_port, login, stop

PROBE = "tests.benchmarks.features_probe"
REPEATS = 3  # samples of each side per area and round
TARGET = 1.5  # issue 19: ≤ 1.5× the floor on the dense area
AREAS = ("chosen", "dense")


def _serve_floor(scale: int, port: int) -> subprocess.Popen:
    return serve_floor(
        f"lianzhou_bench_s{scale}",
        port,
        "tests.benchmarks.features_floor:application",
        "/?bbox=0,0,0.001,0.001",
    )


def _plain_connection(scale: int):
    import psycopg

    # Client-side binding, as Django's connections: the box is in the SQL the planner sees
    # (a server-side prepared statement would get a generic plan after five runs).
    return psycopg.connect(
        db_url(scale).replace("postgis://", "postgresql://", 1),
        options=OPTIONS,
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    )


def _ok(reply, what: str) -> bytes:
    if reply.status != 200:
        raise RuntimeError(f"{what} answered {reply.status}: {reply.body[:200]!r}")
    return reply.body


class _Http:
    """Our gunicorn, the floor's, and a plain connection for the floor's SQL alone."""

    def __init__(self, scale: int, plan: dict):
        self.plan = plan
        self.our_port, self.floor_port = free_port(), free_port()
        self.ours = serve_gunicorn(scale, self.our_port, workers=1)
        self.floor = None
        self.sql = None
        try:
            self.floor = _serve_floor(scale, self.floor_port)
            self.sql = _plain_connection(scale)
            self.cookie = login(self.our_port)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for server in (self.ours, self.floor):
            if server is not None:
                stop(server)
        if self.sql is not None:
            self.sql.close()

    def side(self, name: str, bbox: list[float]) -> tuple[float, bytes]:
        if name == "ours":
            path = our_path(bbox, self.plan["year"])
            reply = fetch(self.our_port, path, self.cookie)
            return reply.seconds, _ok(reply, "our features page")
        if name == "floor":
            reply = fetch(self.floor_port, floor_path(bbox))
            return reply.seconds, _ok(reply, "the floor app")
        with self.sql.cursor() as cur:
            started = time.perf_counter()
            cur.execute(FLOOR_SQL, floor_params(bbox))
            text = cur.fetchone()[0]
            return time.perf_counter() - started, text.encode()

    def round(self, out: dict, keep: bool, rotation: int) -> None:
        order = ["ours", "floor", "floor_sql"]
        for name in AREAS:
            bbox = self.plan["areas"][name]["bbox"]
            row = out.setdefault(name, {k: [] for k in order})
            for i in range(REPEATS):
                k = (rotation + i) % len(order)
                for side in order[k:] + order[:k]:
                    seconds, body = self.side(side, bbox)
                    if keep:
                        row[side].append(seconds)
                    row.setdefault("bytes", {})[side] = len(body)
                    if side != "floor_sql":
                        ids = [f["id"] for f in json.loads(body)["features"]]
                        row.setdefault("ids", {})[side] = ids


def _in_process_round(scale: int, plan: dict, out: dict, keep: bool) -> None:
    areas = json.dumps({name: area["bbox"] for name, area in plan["areas"].items()})
    measured = module_probe(scale, PROBE, "measure", "--repeat", str(REPEATS), "--areas", areas)
    for name, row in measured["areas"].items():
        mine = out.setdefault(name, {})
        for side, values in row.items():
            if isinstance(values, list):
                mine.setdefault(side, [])
                if keep:
                    mine[side] += values
            else:
                mine[side] = values


def _ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(a) / statistics.median(b)


def bench_scale(scale: int) -> dict:
    plan = module_probe(scale, PROBE, "plan")
    inproc: dict = {}
    http_raw: dict = {}
    http = _Http(scale, plan)
    try:
        for round_ in range(ROUNDS + 1):  # round 0 warms everything up: dropped
            ways = [
                lambda keep: _in_process_round(scale, plan, inproc, keep),
                lambda keep, r=round_: http.round(http_raw, keep, r),
            ]
            for way in ways if round_ % 2 else reversed(ways):
                way(round_ > 0)
    finally:
        http.close()
    figures: dict = {"areas": {}}
    for name in AREAS:
        area = dict(plan["areas"][name])
        p, h = inproc[name], http_raw[name]
        ids = h.pop("ids")
        area["in_process"] = {
            "ours": summary(p["ours"]),
            "floor": summary(p["floor"]),
            "ratio": _ratio(p["ours"], p["floor"]),
            "bytes": p["bytes"],
            "features": p["features"],
            "same_features": p["same_features"],
        }
        if "ours_all" in p:
            area["in_process"]["ours_all"] = summary(p["ours_all"])
            area["in_process"]["all_ratio"] = _ratio(p["ours_all"], p["floor"])
        area["http"] = {
            **{side: summary(h[side]) for side in ("ours", "floor", "floor_sql")},
            "ratio": _ratio(h["ours"], h["floor"]),
            "ratio_to_sql": _ratio(h["ours"], h["floor_sql"]),
            "bytes": h["bytes"],
            "same_features": ids["ours"] == ids["floor"],
        }
        figures["areas"][name] = area
    return figures


def run() -> dict:
    """The features page at every scale: ours vs the floor, in process and over HTTP."""
    return {"rounds": ROUNDS, **{f"scale_{s}": bench_scale(s) for s in SCALES}}


def dense_ratios(figures: dict) -> list[tuple[str, float]]:
    """The Target's figures: ours ÷ floor on the dense area, each scale, both ways."""
    out = []
    for key in sorted((k for k in figures if k.startswith("scale_")), key=lambda k: int(k[6:])):
        dense = figures[key]["areas"]["dense"]
        scale = key.removeprefix("scale_")
        out.append((f"scale {scale} in process", dense["in_process"]["ratio"]))
        out.append((f"scale {scale} over HTTP", dense["http"]["ratio"]))
    return out


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def section(figures: dict) -> list[str]:
    lines = [
        "## GeoJSON features page (1,000 pipes in a bbox)",
        "",
        "Ours: `/api/v1/layers/pipes/features/?bbox=…&page_size=1000&year=…` as the map asks "
        "for it, logged in as an official (area-scoped): the lean default properties (the "
        "pipes' own attributes and each feature's `compliance.status`), keyset paging, no "
        "count (there is a next page), one statement after the session. Floor: the plain "
        "query for the same rows and attributes (tests/benchmarks/features_floor.py: "
        "json_agg of json_build_object with ST_AsGeoJSON(geom)::json; no verdicts, no scope, "
        "no count). In process: Django's test client against the floor's SQL on the same "
        "connection. Over HTTP: our gunicorn (one sync worker) against the floor's SQL served "
        "by the smallest WSGI app under the same gunicorn, a new loopback connection per "
        "request; the SQL alone on a plain connection is shown too. Sides alternated request "
        f"by request, the two ways round by round; {figures['rounds']} rounds of {REPEATS} "
        "after a dropped warm-up round. Times in ms: median (min–max).",
        "",
        "Areas: **chosen**, the bounding box of the first supply zone (thousands of matches; "
        "the page is the first 1,000 by id); **dense**, the smallest square (on the ground) "
        "around the centre of one of the 40 most crowded 0.005° cells that holds the "
        "midpoints of 1,000 live pipes (so about as many matches as the page holds).",
        "",
    ]
    for scale in sorted(int(k[6:]) for k in figures if k.startswith("scale_")):
        areas = figures[f"scale_{scale}"]["areas"]
        lines += [
            f"### Scale {scale}",
            "",
            "| area | matches | way | ours | floor | ours ÷ floor | bytes ours / floor |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in AREAS:
            a = areas[name]
            where = name if name == "chosen" else f"dense ({a['side_m']:,} m square)"
            p, h = a["in_process"], a["http"]
            lines.append(
                f"| {where} | {a['matches']:,} | in process | {ms(p['ours'])} "
                f"| {ms(p['floor'])} | **{p['ratio']:.2f}×** "
                f"| {_kib(p['bytes']['ours'])} / {_kib(p['bytes']['floor'])} |"
            )
            lines.append(
                f"| | | over HTTP | {ms(h['ours'])} | {ms(h['floor'])} (SQL alone "
                f"{ms(h['floor_sql'])}) | **{h['ratio']:.2f}×** ({h['ratio_to_sql']:.2f}× the "
                f"SQL alone) | {_kib(h['bytes']['ours'])} / {_kib(h['bytes']['floor'])} |"
            )
        dense = areas["dense"]["in_process"]
        same = all(areas[n]["in_process"]["same_features"] for n in AREAS) and all(
            areas[n]["http"]["same_features"] for n in AREAS
        )
        lines += [
            "",
            f"Both sides return {'the same' if same else '**different**'} 1,000 features "
            "(ids compared). For comparison, the full property set (`properties=all`: derived "
            "codes by join, every indicator's result) on the dense area in process: "
            f"{ms(dense['ours_all'])}, {dense['all_ratio']:.2f}× the floor.",
            "",
        ]
    return lines


if __name__ == "__main__":
    for _scale in SCALES:
        ensure_database(_scale)
    _figures = run()
    print("\n".join(section(_figures)))
    print(json.dumps(_figures))
