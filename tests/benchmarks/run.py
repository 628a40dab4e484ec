"""`make bench`: build the scale databases, run every benchmark interleaved, write the report.

Figures are medians of repeated runs after a warm-up, with min and max; paired comparisons
alternate between their sides so that machine drift cancels. Results go to
docs/benchmarks.json (raw) and docs/benchmarks.md (tables). Never part of `make test`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from tests.benchmarks.common import (
    ROOT,
    ROUNDS,
    SCALES,
    ensure_database,
    machine,
    manage,
    module_probe,
    ms,
    probe,
    serve_runserver,
    summary,
)


def bench_evaluation() -> dict:
    """Whole-county evaluation at each scale, interleaved round by round."""
    samples: dict[int, list[float]] = {s: [] for s in SCALES}
    results: dict[int, int] = {}
    for _ in range(ROUNDS):
        for scale in SCALES:
            out = probe(scale, "evaluate", "--repeat", "1")
            samples[scale] += out["seconds"]
            results[scale] = out["results"]
    figures = {f"scale_{s}": {**summary(samples[s]), "results": results[s]} for s in SCALES}
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures


def bench_interleaved(operation: str, *args: str) -> dict[int, list[dict]]:
    """Run a probe at each scale, alternating scales round by round."""
    outs: dict[int, list[dict]] = {s: [] for s in SCALES}
    for _ in range(ROUNDS):
        for scale in SCALES:
            outs[scale].append(probe(scale, operation, *args))
    return outs


def bench_tiles() -> dict:
    """Pipe tiles z10–17 over the densest zone: endpoint cold/warm vs the bare ST_AsMVT query."""
    figures: dict = {}
    for scale, outs in bench_interleaved("tiles", "--repeat", "1").items():
        per_zoom: dict[str, dict] = {}
        for zoom in outs[0]["tiles"]:
            merged = {
                k: [v for o in outs for v in o["tiles"][zoom][k]]
                for k in ("floor", "cold", "warm", "bytes")
            }
            per_zoom[zoom] = {k: summary(merged[k]) for k in ("floor", "cold", "warm")}
            per_zoom[zoom]["bytes"] = merged["bytes"][0]
            per_zoom[zoom]["cold_to_floor"] = (
                per_zoom[zoom]["cold"]["median"] / per_zoom[zoom]["floor"]["median"]
            )
        every = {
            k: [v for o in outs for z in o["tiles"].values() for v in z[k]]
            for k in ("floor", "cold", "warm")
        }
        figures[f"scale_{scale}"] = {
            "zooms": per_zoom,
            **{k: summary(v) for k, v in every.items()},
            "cold_to_floor": statistics.median(every["cold"]) / statistics.median(every["floor"]),
        }
    return figures


def bench_features() -> dict:
    figures = {}
    for scale, outs in bench_interleaved("features", "--repeat", "3").items():
        ours = [v for o in outs for v in o["ours"]]
        floor = [v for o in outs for v in o["floor"]]
        figures[f"scale_{scale}"] = {
            "ours": summary(ours),
            "floor": summary(floor),
            "ratio": statistics.median(ours) / statistics.median(floor),
            "bytes": outs[0]["bytes"],
        }
    return figures


def bench_pipe_save() -> dict:
    figures: dict = {}
    for scale, outs in bench_interleaved("pipe_save", "--repeat", "3").items():
        figures[f"scale_{scale}"] = summary([v for o in outs for v in o["seconds"]])
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures


def bench_map_page() -> dict:
    """Time until the map shows every default layer (GeoJSON drawn, tiles loaded), Chromium."""
    from playwright.sync_api import sync_playwright

    ports = {scale: 8100 + scale for scale in SCALES}
    servers = {scale: serve_runserver(scale, port) for scale, port in ports.items()}
    samples: dict[int, list[float]] = {s: [] for s in SCALES}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            pages = {}
            for scale, port in ports.items():
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/accounts/login/")
                page.fill("input[name=username]", "official")
                page.fill("input[name=password]", "Official#Lianzhou2026")
                page.click("form.login button[type=submit]")
                page.wait_for_load_state("networkidle")
                pages[scale] = page
            for round_ in range(ROUNDS + 1):  # the first round warms caches and is dropped
                for scale, port in ports.items():
                    page = pages[scale]
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/map/")
                    page.wait_for_selector(
                        "body[data-map-ready='1']", state="attached", timeout=120000
                    )
                    page.wait_for_load_state("networkidle")
                    if round_:
                        samples[scale].append(time.perf_counter() - started)
            browser.close()
    finally:
        for server in servers.values():
            server.terminate()
    figures = {f"scale_{s}": summary(samples[s]) for s in SCALES}
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures


def map_page_section(page: dict) -> list[str]:
    lines = [
        "## Map page: all default layers shown (headless Chromium)",
        "",
        "From navigation to every default layer drawn (GeoJSON layers, vector tiles loaded, "
        "network idle), logged in as an official, runserver (DEBUG on, for static files) on "
        "loopback.",
        "",
        "| scale | median (s) | min–max (s) |",
        "|---|---|---|",
    ]
    for scale in SCALES:
        f = page[f"scale_{scale}"]
        lines.append(f"| {scale} | {f['median']:.2f} | {f['min']:.2f}–{f['max']:.2f} |")
    return [*lines, "", f"Scale 10 ÷ scale 1: **{page['ratio_10_to_1']:.2f}×**.", ""]


CONSUMPTION_OPS = {
    "ours": "aggregate_by_zone",
    "floor": "floor_sql",
    "area": "area_query",
    "area_floor": "area_floor",
}


def _consumption_figures(samples: dict) -> dict:
    f = {k: summary(v) for k, v in samples.items()}
    f["ratio"] = f["ours"]["median"] / f["floor"]["median"]
    f["area_ratio"] = f["area"]["median"] / f["area_floor"]["median"]
    return f


def bench_consumption() -> dict:
    """Zone aggregation (towns × months, 2024) and a drawn-area query, each against the same
    figures computed by bare SQL; scales interleaved round by round."""
    samples: dict = {s: {k: [] for k in CONSUMPTION_OPS} for s in SCALES}
    for _ in range(ROUNDS):
        for scale in SCALES:
            for key, op in CONSUMPTION_OPS.items():
                out = module_probe(scale, "tests.benchmarks.consumption", op)
                samples[scale][key] += out["seconds"]
    return {f"scale_{s}": _consumption_figures(samples[s]) for s in SCALES}


def bench_consumption_100() -> dict:
    """The consumption queries at scale 100 (about 7 million monthly rows); the database
    lianzhou_bench_s100 is loaded separately (`load_demo --scale 100`, with the import size
    limits raised), as it takes minutes and several GB."""
    samples: dict = {k: [] for k in CONSUMPTION_OPS}
    for _ in range(ROUNDS):
        for key, op in CONSUMPTION_OPS.items():
            samples[key] += module_probe(100, "tests.benchmarks.consumption", op)["seconds"]
    return _consumption_figures(samples)


def bench_rasters() -> dict:
    """Zonal statistics of every demo raster for districts and towns: ours vs rasterstats."""
    return module_probe(1, "tests.benchmarks.rasters", "--repeat", str(ROUNDS))


def consumption_section(c: dict) -> list[str]:
    lines = [
        "## Consumption aggregation (towns × months, 2024)",
        "",
        "Ours: the API's one query (metered users by derived membership plus irrigation "
        "records spread by month, per-capita and GDP figures). Floor: the same totals "
        "written directly in SQL. Area: the drawn-area query over half the county's box "
        "(totals by month and sector, irrigation by area share); its floor is the bare "
        "spatial join and sum of the metered users inside the same box.",
        "",
        "| scale | ours (ms) | floor (ms) | ratio | drawn area (ms) | area floor (ms) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    scales = [s for s in (*SCALES, 100) if f"scale_{s}" in c]
    for scale in scales:
        f = c[f"scale_{scale}"]
        lines.append(
            f"| {scale} | {ms(f['ours'])} | {ms(f['floor'])} | {f['ratio']:.2f}× | "
            f"{ms(f['area'])} | {ms(f['area_floor'])} | {f['area_ratio']:.2f}× |"
        )
    if 100 not in scales:
        lines += ["", "Scale 100 (7 million monthly rows) is not run yet."]
    else:
        lines += [
            "",
            "Scale 100: 200,000 users and 7.2 million monthly rows, loaded by "
            "`load_demo --scale 100` (12 min, 3.9 GB peak; import size limits raised).",
        ]
    return [*lines, ""]


def rasters_section(r: dict) -> list[str]:
    lines = [
        "## Zonal statistics (scale 1 demo rasters)",
        "",
        "| raster | polygons | ours (ms) | rasterstats (ms) | ours ÷ rasterstats | agree |",
        "|---|---|---|---|---|---|",
    ]
    for slug, raster in r["rasters"].items():
        for layer, f in raster["layers"].items():
            lines.append(
                f"| {slug} | {layer} ({f['features']}) | {ms(f['ours'])} | "
                f"{ms(f['rasterstats'])} | {f['ratio']:.2f}× | {f['agree']} |"
            )
    return [*lines, ""]


def report_from_json() -> None:
    """Rewrite docs/benchmarks.md from docs/benchmarks.json (after editing the report only)."""
    write_report(json.loads((ROOT / "docs" / "benchmarks.json").read_text()))


def write_report(data: dict) -> None:
    (ROOT / "docs" / "benchmarks.json").write_text(json.dumps(data, indent=2) + "\n")
    ev = data["evaluation"]
    m = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Run on {data['date']} with `make bench` ({m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['cpu']}; Python {m['python']}). Medians of {ROUNDS} runs after a warm-up, min–max "
        "in brackets; the sides of each comparison were run alternately. Raw figures: "
        "`docs/benchmarks.json`.",
        "",
        "## Data",
        "",
        "| scale | pipes | water users | demo load (s) |",
        "|---|---|---|---|",
    ]
    for s in SCALES:
        d = data["databases"][f"scale_{s}"]
        lines.append(f"| {s} | {d['pipes']:,} | {d['users']:,} | {d['load_seconds']:.1f} |")
    lines += [
        "",
        "## Compliance evaluation (whole county, one year, results stored)",
        "",
        "| scale | results | median (s) | min–max (s) |",
        "|---|---|---|---|",
    ]
    for s in SCALES:
        f = ev[f"scale_{s}"]
        lines.append(
            f"| {s} | {f['results']:,} | {f['median']:.2f} | {f['min']:.2f}–{f['max']:.2f} |"
        )
    lines += [
        "",
        f"Scale 10 ÷ scale 1: **{ev['ratio_10_to_1']:.1f}×** for 10× the data "
        "(linear growth would be 10×).",
        "",
    ]
    sections = {
        "tiles": tiles_section,
        "features": features_section,
        "pipe_save": pipe_save_section,
        "map_page": map_page_section,
        "consumption": consumption_section,
        "rasters": rasters_section,
    }
    for name, section in sections.items():
        if name in data:
            lines += section(data[name])
    lines += [
        "## Reproduce",
        "",
        "```sh",
        "make bench            # BENCH_ROUNDS=5 by default",
        "```",
        "",
    ]
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines))


def tiles_section(tiles: dict) -> list[str]:
    lines = [
        "## Vector tiles (pipes, z10–17 over the densest supply zone)",
        "",
        "Cold: server cache cleared, through the whole view (session auth, permission, "
        "data versions, verdict freshness, ST_AsMVT). Warm: the same request again, "
        "served from the cache. Floor: the identical ST_AsMVT query run directly. "
        "Times in ms, median (min–max).",
        "",
    ]
    for scale in SCALES:
        t = tiles[f"scale_{scale}"]
        lines += [
            f"### Scale {scale}",
            "",
            "| zoom | tile size | floor | cold | cold ÷ floor | warm |",
            "|---|---|---|---|---|---|",
        ]
        for zoom, z in t["zooms"].items():
            lines.append(
                f"| {zoom} | {z['bytes'] / 1024:.0f} KiB | {ms(z['floor'])} | "
                f"{ms(z['cold'])} | {z['cold_to_floor']:.2f}× | {ms(z['warm'])} |"
            )
        lines += [
            "",
            f"All zooms: cold ÷ floor **{t['cold_to_floor']:.2f}×**, warm median "
            f"**{t['warm']['median'] * 1000:.1f} ms**.",
            "",
        ]
    return lines


def features_section(features: dict) -> list[str]:
    lines = [
        "## GeoJSON features page (1,000 pipes in a bbox)",
        "",
        "Ours: the whole request (auth, count, page with each feature's verdicts, built by "
        "PostgreSQL). Floor: ST_AsGeoJSON + json_agg of the same 1,000 rows, run directly.",
        "",
        "| scale | ours (ms) | floor (ms) | ratio |",
        "|---|---|---|---|",
    ]
    for scale in SCALES:
        f = features[f"scale_{scale}"]
        lines.append(f"| {scale} | {ms(f['ours'])} | {ms(f['floor'])} | {f['ratio']:.2f}× |")
    return [*lines, ""]


def pipe_save_section(save: dict) -> list[str]:
    lines = [
        "## Pipe save (validated, snapped, history, versions; rolled back)",
        "",
        "| scale | median (ms) |",
        "|---|---|",
    ]
    for scale in SCALES:
        lines.append(f"| {scale} | {ms(save[f'scale_{scale}'])} |")
    return [*lines, "", f"Scale 10 ÷ scale 1: **{save['ratio_10_to_1']:.2f}×**.", ""]


def counts(scale: int) -> dict:
    out = manage(
        scale,
        "shell",
        "-c",
        "from layers.models import PipeSegment, WaterUser;"
        "print(PipeSegment.objects.count(), WaterUser.objects.count())",
        capture=True,
    )
    pipes, users = out.strip().splitlines()[-1].split()
    return {"pipes": int(pipes), "users": int(users)}


def main() -> None:
    databases = {}
    for scale in SCALES:
        load = ensure_database(scale)
        databases[f"scale_{scale}"] = {"load_seconds": load, **counts(scale)}
        print(f"scale {scale}: ready ({databases[f'scale_{scale}']})", file=sys.stderr)
    data = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "rounds": ROUNDS,
        "databases": databases,
    }
    for name, bench in (
        ("evaluation", bench_evaluation),
        ("tiles", bench_tiles),
        ("features", bench_features),
        ("pipe_save", bench_pipe_save),
        ("map_page", bench_map_page),
        ("consumption", bench_consumption),
        ("rasters", bench_rasters),
    ):
        print(f"{name} ...", file=sys.stderr)
        data[name] = bench()
    write_report(data)
    print((ROOT / "docs" / "benchmarks.md").read_text())


def rerun(names: list[str]) -> None:
    """Re-run some benchmarks (e.g. `--only map_page tiles`) into the existing JSON."""
    path = ROOT / "docs" / "benchmarks.json"
    data = json.loads(path.read_text())
    benches = {
        "evaluation": bench_evaluation,
        "tiles": bench_tiles,
        "features": bench_features,
        "pipe_save": bench_pipe_save,
        "map_page": bench_map_page,
        "consumption": bench_consumption,
        "rasters": bench_rasters,
    }
    for scale in SCALES:
        ensure_database(scale)
    for name in names:
        print(f"{name} ...", file=sys.stderr)
        if name == "consumption_100":
            data["consumption"]["scale_100"] = bench_consumption_100()
            continue
        data[name] = benches[name]()
    data["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    write_report(data)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report-only"]:
        report_from_json()
    elif sys.argv[1:2] == ["--only"]:
        rerun(sys.argv[2:])
    else:
        main()
