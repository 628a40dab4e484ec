"""Consumption views against the plain GROUP BY (issue 19), in process and over HTTP.

Three views of a year (consumption_floor.py says what each floor computes and what ours adds):
the planner's page (towns × months: the Target), supply zones × months × sectors, and a drawn
rectangle (half the county's bounding box per side, centred), read as `official` (a member of
the county). Towns and supply zones read the totals the database keeps
(consumption/storage.py); a drawn polygon reads the raw rows of the users inside it.

In process: our endpoints through Django's test client against the floor's SQL on the same
connection (consumption_probe.py, its own process each round). Over HTTP: ours under gunicorn
(gisapp.wsgi, one sync worker) against the floor's SQL served by the smallest WSGI app under
the same gunicorn (consumption_floor.py), a new loopback connection per request. The two ways
alternate round by round, the sides request by request (their order rotated); round 0 warms
up and is dropped. Scales 1, 10 and 100 (the scale-100 database: tests/benchmarks/common.py).

Standalone: BENCH_ROUNDS=2 .venv/bin/python -m tests.benchmarks.consumption   (prints JSON)
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import time

from tests.benchmarks.common import (
    ROUNDS,
    SCALES,
    ensure_database,
    module_probe,
    ms,
    serve_floor,
    serve_gunicorn,
    summary,
)
from tests.benchmarks.consumption_floor import (
    AREA_PATH,
    VIEWS,
    area_body,
    floor_path,
    floor_volume,
    our_path,
    our_volume,
    same_volume,
)
from tests.benchmarks.peer_servers import Reply, fetch, free_port, login, stop

PROBE = "tests.benchmarks.consumption_probe"
CONSUMPTION_SCALES = (*SCALES, 100)  # scale 100: 200,000 users, 2.4 million rows a year
REPEATS = 3  # samples of each side per view and round
TARGET = 1.5  # issue 19: the planner's page ≤ 1.5× the plain GROUP BY
LABELS = {
    "towns": "towns × months (the planner's page)",
    "zones": "supply zones × months × sectors",
    "area": "drawn rectangle, by month and sector",
}


def _serve_floor(scale: int, port: int) -> subprocess.Popen:
    return serve_floor(
        f"lianzhou_bench_s{scale}",
        port,
        "tests.benchmarks.consumption_floor:application",
        "/?view=towns&year=1900&county=0",
    )


def _post_json(port: int, path: str, body: dict, headers: dict) -> Reply:
    """POST a JSON body over a new loopback connection, with the session's CSRF token."""
    cookies = dict(p.split("=", 1) for p in headers["Cookie"].split("; "))
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Host": "127.0.0.1",
                "Content-Type": "application/json",
                "X-CSRFToken": cookies["csrftoken"],
                **headers,
            },
        )
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return Reply(response.status, data, time.perf_counter() - started)


def _ok(reply: Reply, what: str) -> bytes:
    if reply.status != 200:
        raise RuntimeError(f"{what} answered {reply.status}: {reply.body[:200]!r}")
    return reply.body


class _Http:
    """Our gunicorn and the floor's."""

    def __init__(self, scale: int, plan: dict):
        self.plan = plan
        self.our_port, self.floor_port = free_port(), free_port()
        self.ours = serve_gunicorn(scale, self.our_port, workers=1)
        self.floor = None
        try:
            self.floor = _serve_floor(scale, self.floor_port)
            self.cookie = login(self.our_port)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for server in (self.ours, self.floor):
            if server is not None:
                stop(server)

    def side(self, name: str, view: str) -> tuple[float, bytes]:
        year, county, bbox = self.plan["year"], self.plan["county"], self.plan["bbox"]
        if name == "floor":
            path = floor_path(view, year, county, bbox if view == "area" else None)
            reply = fetch(self.floor_port, path)
            return reply.seconds, _ok(reply, f"the floor app ({view})")
        if view == "area":
            reply = _post_json(self.our_port, AREA_PATH, area_body(year, bbox), self.cookie)
        else:
            reply = fetch(self.our_port, our_path(view, year), self.cookie)
        return reply.seconds, _ok(reply, f"our {view} view")

    def round(self, out: dict, keep: bool, rotation: int) -> None:
        order = ["ours", "floor"]
        for view in VIEWS:
            row = out.setdefault(view, {k: [] for k in order})
            for i in range(REPEATS):
                k = (rotation + i) % len(order)
                for side in order[k:] + order[:k]:
                    seconds, body = self.side(side, view)
                    if keep:
                        row[side].append(seconds)
                    row.setdefault("bytes", {})[side] = len(body)
                    row.setdefault("answers", {})[side] = body


def _in_process_round(scale: int, plan: dict, out: dict, keep: bool) -> None:
    measured = module_probe(
        scale, PROBE, "measure", "--plan", json.dumps(plan), "--repeat", str(REPEATS)
    )
    for view, row in measured["views"].items():
        mine = out.setdefault(view, {"ours": [], "floor": []})
        if keep:
            mine["ours"] += row["ours"]
            mine["floor"] += row["floor"]
        mine.update({k: v for k, v in row.items() if k not in ("ours", "floor")})


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
    figures: dict = {"plan": plan, "views": {}}
    for view in VIEWS:
        p, h = inproc[view], http_raw[view]
        answers = h.pop("answers")
        http_ours = our_volume(view, json.loads(answers["ours"]))
        http_floor = floor_volume(view, json.loads(answers["floor"]))
        figures["views"][view] = {
            "in_process": {
                "ours": summary(p["ours"]),
                "floor": summary(p["floor"]),
                "ratio": _ratio(p["ours"], p["floor"]),
                "bytes": p["bytes"],
                "volume_m3": p["volume_m3"],
                "same_volume": p["same_volume"],
            },
            "http": {
                "ours": summary(h["ours"]),
                "floor": summary(h["floor"]),
                "ratio": _ratio(h["ours"], h["floor"]),
                "bytes": h["bytes"],
                "volume_m3": {"ours": http_ours, "floor": http_floor},
                "same_volume": same_volume(http_ours, http_floor),
            },
        }
    return figures


def run() -> dict:
    """Every view at every scale: ours vs the plain GROUP BY, in process and over HTTP."""
    return {"rounds": ROUNDS, **{f"scale_{s}": bench_scale(s) for s in CONSUMPTION_SCALES}}


def _scale_keys(figures: dict) -> list[str]:
    """The scales measured by this harness (figures of an older one have no `views`)."""
    keys = [k for k in figures if k.startswith("scale_") and "views" in figures[k]]
    return sorted(keys, key=lambda k: int(k[6:]))


def target_ratios(figures: dict) -> list[tuple[str, float]]:
    """The Target's figures: the planner's page ÷ its floor, each scale, both ways (KeyError
    on an older harness's figures: the Targets table says so)."""
    out = []
    for key in sorted((k for k in figures if k.startswith("scale_")), key=lambda k: int(k[6:])):
        towns = figures[key]["views"]["towns"]
        scale = key.removeprefix("scale_")
        out.append((f"scale {scale} in process", towns["in_process"]["ratio"]))
        out.append((f"scale {scale} over HTTP", towns["http"]["ratio"]))
    return out


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def section(figures: dict) -> list[str]:
    if not _scale_keys(figures):
        return [
            "## Consumption aggregation (towns × months, 2024)",
            "",
            "Not measured yet against the plain GROUP BY: "
            "`.venv/bin/python -m tests.benchmarks.run --only consumption`.",
            "",
        ]
    lines = [
        "## Consumption aggregation (towns × months, 2024)",
        "",
        "The floor is the plain GROUP BY a hand-written report would run over the raw rows "
        "(tests/benchmarks/consumption_floor.py), its answer built as JSON by PostgreSQL: "
        "for the planner's page Σ volume per user's town and month of the reader's county "
        "(`layers_consumption` joined to `layers_wateruser`, 2024); for supply zones the same "
        "per supply zone, month and sector; for the drawn rectangle the same per month and "
        "sector of the users inside it (ST_Intersects). Ours is the API the planners' page "
        "calls, logged in as `official` (scoped to the county), and also answers what the "
        "floor leaves out: the irrigation districts' yearly records spread over towns (by "
        "their kept area shares) and months (by their own county's agricultural profile), "
        "plans, caps, per-capita and per-GDP figures, codes and names, and a row for every "
        "zone × month. Towns and supply zones read the totals the database keeps exact on "
        "every write (consumption_total, consumption_user_total and "
        "consumption_district_share: consumption/storage.py), so their cost does not grow "
        "with the rows; the drawn polygon cannot (any shape may cut any town) and reads the "
        "raw rows of the users inside it, bounded to 1.5 × the county's bounding box.",
        "",
        "In process: Django's test client against the floor's SQL on the same connection, "
        "each side run 6 times first (as in a worker that has served a while: our statement "
        "is prepared on its connection and reaches its generic plan after 5 custom ones). "
        "Over HTTP: our gunicorn (one sync worker) against the floor's SQL served by the "
        "smallest WSGI app under the same gunicorn, a new loopback connection per request. "
        "Sides alternated request by request, the two ways round by round; "
        f"{figures['rounds']} rounds of {REPEATS} after a dropped warm-up round. Times in ms: "
        "median (min–max).",
        "",
        "| scale | view | way | ours | floor | ours ÷ floor | bytes ours / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for key in _scale_keys(figures):
        scale = key.removeprefix("scale_")
        f = figures[key]
        for view in VIEWS:
            v = f["views"][view]
            for way, label in (("in_process", "in process"), ("http", "over HTTP")):
                w = v[way]
                lines.append(
                    f"| {scale} | {LABELS[view]} | {label} | {ms(w['ours'])} | "
                    f"{ms(w['floor'])} | **{w['ratio']:.2f}×** | "
                    f"{_kib(w['bytes']['ours'])} / {_kib(w['bytes']['floor'])} |"
                )
                if not w["same_volume"]:
                    notes.append(
                        f"scale {scale} {view} {label}: metered volume ours "
                        f"{w['volume_m3']['ours']:,.3f} m³ ≠ floor "
                        f"{w['volume_m3']['floor']:,.3f} m³"
                    )
    lines.append("")
    sizes = ", ".join(
        f"scale {k.removeprefix('scale_')}: {figures[k]['plan']['users']:,} users, "
        f"{figures[k]['plan']['rows']:,} rows in 2024 (kept totals: "
        f"{figures[k]['plan']['total_rows']:,}); the rectangle "
        f"{figures[k]['plan']['bbox_km2']:,} km² holds {figures[k]['plan']['area_users']:,} users"
        for k in _scale_keys(figures)
    )
    lines += [f"Data: {sizes}.", ""]
    if notes:
        lines += ["**Answers differ:** " + "; ".join(notes) + ".", ""]
    else:
        lines += [
            "Both sides count the same metered volume in every view, way and scale (ours: "
            "Σ users_volume_m3; the floor: Σ volume_m3 of the users in a town or supply zone).",
            "",
        ]
    return lines


if __name__ == "__main__":
    for _scale in CONSUMPTION_SCALES:
        ensure_database(_scale)
    _figures = run()
    print("\n".join(section(_figures)))
    print(json.dumps(_figures))
