"""The Targets table at the top of docs/benchmarks.md: issue 8's targets against the figures.

Each target reads its figures from the benchmark JSON and computes met / not met; a target
whose benchmark has not run yet says so. The why/fix line for a missed target is prose kept
here, keyed by target, written from the profiles in the sections below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    label: str
    benchmark: str  # key of the figures in the JSON
    # figures -> [(where, value)], each value compared with the limit
    measure: Callable[[dict], list[tuple[str, float]]]
    limit: float
    unit: str  # "×" or "ms"
    why_fix: str  # shown when not met


def _per_scale(figures: dict, pick: Callable[[dict], float]) -> list[tuple[str, float]]:
    scales = sorted(int(k.removeprefix("scale_")) for k in figures if k.startswith("scale_"))
    return [(f"scale {s}", pick(figures[f"scale_{s}"])) for s in scales]


def _tipg(figures: dict) -> list[tuple[str, float]]:
    return [
        *((f"tiles {w}", v) for w, v in _per_scale(figures, lambda f: f["tiles"]["tipg_to_ours"])),
        *(
            (f"features {w}", v)
            for w, v in _per_scale(figures, lambda f: f["features"]["tipg_to_ours"])
        ),
    ]


def _features_dense(figures: dict) -> list[tuple[str, float]]:
    from tests.benchmarks.features import dense_ratios

    return dense_ratios(figures)


def _consumption(figures: dict) -> list[tuple[str, float]]:
    from tests.benchmarks.consumption import target_ratios

    return target_ratios(figures)


def _tiles_http(pick: str) -> Callable[[dict], list[tuple[str, float]]]:
    def measure(figures: dict) -> list[tuple[str, float]]:
        from tests.benchmarks import tiles_http

        return getattr(tiles_http, pick)(figures)

    return measure


def _counties(figures: dict) -> list[tuple[str, float]]:
    from tests.benchmarks.counties import worst_ratios

    return worst_ratios(figures)


TARGETS = [
    Target(
        "Cold tile ≤ 1.3× the bare ST_AsMVT query (the plain query on the table)",
        "tiles",
        lambda f: _per_scale(f, lambda s: s.get("cold_to_bare", s["cold_to_floor"])),
        1.3,
        "×",
        "Measured through Django's whole request in process (every middleware, REST "
        "framework's dispatch, the view), which the deployed server skips for tiles (the fast "
        "path: see the rows over HTTP). Small tiles (z14–17: a 0.5–1.5 ms bare query) carry a "
        "fixed ~1.5–2 ms of that request. Fix: none planned on this path; the fast path "
        "answers tiles under gunicorn.",
    ),
    Target(
        "Warm (cached) tile < 2 ms",
        "tiles",
        lambda f: _per_scale(f, lambda s: s["warm"]["median"] * 1000),
        2.0,
        "ms",
        "A hit makes one query (the session with the data versions, accounts/sessions.py) so "
        "every gunicorn worker sees another's edit or logout at once; large low-zoom tiles "
        "(100–770 KiB at scale 10) then cost their copy out of the cache. Fix: tiles kept as "
        "bytes without pickling, sessions signed so the hit needs only the versions.",
    ),
    Target(
        "Features page (1,000 pipes) ≤ 1.5× the floor on the dense area (the plain query for "
        "the same rows and attributes), in process and over HTTP",
        "features",
        _features_dense,
        1.5,
        "×",
        "The page's own statement is below the floor's (~0.8×: its Features are written as "
        "text, the GeoJSON not parsed back into json); what remains is the request around it: "
        "the session-and-versions query, parsing the parameters (DRF), the ~280 KiB response "
        "(2–3 ms in process). On a small page the floor is only ~6 ms, so these weigh. Fix: "
        "answer the page's bytes as PostgreSQL sends them (no str round trip) and check the "
        "session without DRF's serializer machinery.",
    ),
    Target(
        "Cold tile over HTTP ≤ 1.3× the floor over HTTP (the plain query served by the smallest "
        "WSGI app), every zoom z10–17",
        "tiles_http",
        _tiles_http("worst_cold_to_floor"),
        1.3,
        "×",
        "Fails only on the smallest tiles (z16–17 at scale 1, whose floor is ~1.1–1.3 ms over "
        "HTTP; z14–15 and scale 10's z17 swing around 1.0–1.3× from run to run). A cold tile "
        "is one statement: the session and data versions are presumed as the process last "
        "read them and checked by the tile's own statement (accounts/sessions.py "
        "with_session_sql); in an A/B run beside the code before that change (one sync worker "
        "each, alternated) ours ÷ floor was 1.24–1.36× at z16–17 against 1.59–1.82×. What "
        "remains is Python around the statement (~0.2–0.3 ms: the request signals, parsing "
        "the cookies and options, the tile's key and status year through the process cache, "
        "the response headers) and the session and versions read inside it (~0.05 ms). Fix: "
        "the key and status year without the process cache's pickling, fewer steps per tile.",
    ),
    Target(
        "Cold tile over HTTP at least as fast as tipg's, every zoom z10–17",
        "tiles_http",
        _tiles_http("worst_tipg_to_ours"),
        1.0,
        "× faster",
        "Met at every zoom at both scales since the tile statements are prepared (their generic "
        "plan, serial), a zone's verdicts are read once per tile into a map, the thinning rules "
        "have partial indexes and the web server's statements run without parallel workers "
        "(whose start-up took 10–18 ms here).",
    ),
    Target(
        "Warm tile over HTTP < 2 ms (the slowest zoom's median)",
        "tiles_http",
        _tiles_http("warm_medians"),
        2.0,
        "ms",
        "Over HTTP a warm tile is gunicorn's request handling (a static file takes ~1 ms on the "
        "same server) plus our fast path (the session-and-versions query, prepared: ~0.2 ms in "
        "process). Under load the medians rise towards 2 ms, and above it for the largest "
        "tiles (174 KiB at z15, scale 10).",
    ),
    Target(
        "Warm tile throughput ≥ 3× cold (wrk, 8 connections; warm through the tile proxy as "
        "deployed, cold straight to gunicorn)",
        "tiles_http",
        _tiles_http("warm_to_cold"),
        3.0,
        "× faster",
        "Straight to gunicorn (the tiles section shows it) a warm tile at scale 1 still costs "
        "a TCP connection, gunicorn's parsing and one query on 2 cores shared with wrk and "
        "PostgreSQL (a trivial WSGI app under the same gunicorn: ~6,000 requests/s), so its "
        "ratio stays below 3× there. The tile proxy (docker/proxy/nginx.conf, docs/scaling.md) "
        "serves a tile asked again without Python.",
    ),
    Target(
        "Cold tiles and features page ≥ 10× faster than tipg",
        "peers",
        _tipg,
        10.0,
        "× faster",
        "tipg runs the same kind of ST_AsMVT / ST_AsGeoJSON query in PostgreSQL, so most of "
        "the time is shared and we cannot be 10× faster than the floor both sit on. Fix on "
        "our side: only the floor targets above; see the peers section for the split.",
    ),
    Target(
        "import_layer of 200,000 pipes ≤ 3× ogr2ogr",
        "imports",
        lambda f: [
            ("200,000 pipes into an empty network", f["ratio"]),
            *(
                [("100,000 pipes into 100,000 held", f["populated"]["ratio"])]
                if f.get("populated")
                else []
            ),
        ],
        3.0,
        "×",
        "ogr2ogr COPYs into a bare table. Our first load (indexes dropped and rebuilt, county and "
        "towns derived in one pass) also binds every end to a node (121,730 junctions, ~3 s), "
        "builds 17 indexes again (~2.5 s), keeps the history of every created pipe and junction "
        "(~1.7 s), inserts (~1.6 s), checks routes (~1.4 s) and every cell, and starts Django "
        "(~1.6 s); into a populated network the county trigger, the stored indexes and the "
        "probes against stored nodes and pipes are paid per row. Peers that build a network "
        "too: ours is 2.4–2.6× ogr2ogr + pgr_extractVertices and 0.2–0.3× ogr2ogr + "
        "pgr_createTopology (see the import section). No single step left reaches 3×: the "
        "target as set needs the planners' decision.",
    ),
    Target(
        "Consumption ≤ 1.5× the plain GROUP BY (the planner's page, towns × months of a year, "
        "against Σ volume per town and month over the raw rows), in process and over HTTP",
        "consumption",
        _consumption,
        1.5,
        "×",
        "At scale 1 the floor groups only 24,000 rows (~8 ms); ours reads the kept totals (a "
        "few thousand rows whatever the scale) but pays fixed costs the floor does not: the "
        "session, user and two permission queries and DRF (~4-5 ms), planning a statement of "
        "some twenty CTEs (~2-3 ms), the irrigation spread, plans, statistics and the zone × "
        "month grid. From scale 10 ours is a fraction of the floor and flat (see the "
        "consumption section). Fix: fewer fixed costs per request (the permission checks "
        "cached on the session's access version; a prepared statement — Django's connections "
        "prepare none, prepare_threshold is None).",
    ),
    Target(
        "Lianzhou with 5 and 10 counties in the database ≤ 1.3× its one-county figures "
        "(cold tiles, features page, evaluation, consumption)",
        "counties",
        _counties,
        1.3,
        "×",
        "Cold tiles, the evaluation and the scoped consumption query: every ratio ≤ 1.09× at "
        "5 and 10 counties in a quiet run (commit 71a65a9; in this one, other test runs "
        "alongside, up to 1.41×, and earlier runs gave tiles up to 1.90× at 5 counties: they "
        "waver with the machine's load). Water users look their kept status up by key, and the "
        "verdict tables are vacuumed by count (re-evaluating Lianzhou had left 12,275 dead "
        "compliance_featurestatus rows under the default 20 % threshold at 10 counties: 8.5 "
        "buffers per user's status instead of 3). The consumption query (1.26× / 1.51× "
        "before) reads only Lianzhou's kept rows now: an index on consumption_total (county, "
        "month, sector), the scope written as `county = ANY(scope) OR county IS NULL` (an "
        "index serves it, in the prepared statement's generic plan too) and the agricultural "
        "profile joined on the county id; EXPLAIN (ANALYZE, BUFFERS) at 10 counties: 2 × 2,700 "
        "kept rows read instead of 2 × 27,000. The scoped features page (2.1-2.4× before) "
        "is 1.12× / 1.06× now: a one-county member's boxed page walks their county's rows in "
        "id order through a (county, id) index and stops at the page (layers/"
        "selectors_window.py), after a small gate statement (index probes and the statistics' "
        "estimate of the box's rows) that walks only when the box holds enough of the county; "
        "else, or when the walk ends first, the ordinary statement. Before, with more counties "
        "the planner took county and box as independent (975 matches expected for 14,157), "
        "read the box's bitmap and sorted all 14,157 matches (~12 ms, ~1.4 ms at one county). "
        "The unscoped (admin) page (2.1-2.5× at 10 counties before: the same bitmap and sort) "
        "takes the same walk when the box meets the kept reach (layers/feature_reach.py: a "
        "box per table, county and 0.05° cell covering its features, grown by statement "
        "triggers) of one county only. Where a ratio is above the target in a run, it is one "
        "of those that waver with the machine's load.",
    ),
    Target(
        "Evaluation grows at most linearly, scale 1 → 10 (≤ 10×)",
        "evaluation",
        lambda f: [("scale 10 ÷ scale 1", f["ratio_10_to_1"])],
        10.0,
        "×",
        "Slightly super-linear; likely cause (not profiled here): per-zone indicator queries "
        "whose spatial joins grow with zones × features. Fix: evaluate each indicator family "
        "over all zones in one grouped query.",
    ),
    Target(
        "Pipe save grows at most linearly, scale 1 → 10 (≤ 10×)",
        "pipe_save",
        lambda f: [("scale 10 ÷ scale 1", f["ratio_10_to_1"])],
        10.0,
        "×",
        "Likely cause (not profiled here): a snapping or network-check lookup not bounded by "
        "the spatial index. Fix: an index-backed && prefilter around the edited pipe.",
    ),
]


def _passes(target: Target, value: float) -> bool:
    if target.unit == "× faster":
        return value >= target.limit
    if target.unit == "ms":
        return value < target.limit
    return value <= target.limit


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1f} ms" if unit == "ms" else f"{value:.2f}×"


def target_rows(data: dict) -> list[dict]:
    """One row per target: label, figure text, met (True/False/None when not measured), why."""
    rows = []
    for t in TARGETS:
        figures = data.get(t.benchmark)
        if not figures:
            rows.append({"label": t.label, "figure": "not measured yet", "met": None})
            continue
        try:
            measured = t.measure(figures)
        except KeyError:  # figures of an older run, before this measure existed
            rows.append({"label": t.label, "figure": "not in this run's figures", "met": None})
            continue
        ok = all(_passes(t, v) for _w, v in measured)
        figure = "; ".join(f"{w}: {_fmt(v, t.unit)}" for w, v in measured)
        rows.append({"label": t.label, "figure": figure, "met": ok, "why": t.why_fix})
    return rows


def targets_section(data: dict) -> list[str]:
    lines = [
        "## Targets",
        "",
        "| target | measured | met | why not, and the fix |",
        "|---|---|---|---|",
    ]
    for row in target_rows(data):
        met = {True: "met", False: "**not met**", None: "—"}[row["met"]]
        why = row["why"] if row["met"] is False else ""
        lines.append(f"| {row['label']} | {row['figure']} | {met} | {why} |")
    return [*lines, ""]
