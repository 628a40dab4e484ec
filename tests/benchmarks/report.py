"""docs/benchmarks.md from the figures: the header, the data, each benchmark's section."""

from __future__ import annotations

import json

from tests.benchmarks.common import ROOT, ms
from tests.benchmarks.targets import targets_section

JSON_PATH = ROOT / "docs" / "benchmarks.json"
MD_PATH = ROOT / "docs" / "benchmarks.md"


def _scales(figures: dict) -> list[int]:
    """The scales present in a benchmark's figures (keys scale_1, scale_10, …), ascending."""
    return sorted(int(k.removeprefix("scale_")) for k in figures if k.startswith("scale_"))


def header_lines(data: dict) -> list[str]:
    m = data["machine"]
    return [
        "# Benchmarks",
        "",
        f"Run on {data['date']} with `make bench` ({m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['cpu']}; Python {m['python']}; {m.get('system', '')}). Medians of "
        f"{data['rounds']} runs after a warm-up, min–max in brackets; the sides of each "
        "comparison were run alternately. Raw figures: `docs/benchmarks.json`.",
        "",
    ]


def data_lines(databases: dict) -> list[str]:
    lines = [
        "## Data",
        "",
        "| scale | pipes | water users | demo load (s) |",
        "|---|---|---|---|",
    ]
    for s in _scales(databases):
        d = databases[f"scale_{s}"]
        load = f"{d['load_seconds']:.1f}" if d["load_seconds"] else "already loaded"
        lines.append(f"| {s} | {d['pipes']:,} | {d['users']:,} | {load} |")
    return [*lines, ""]


def evaluation_section(ev: dict) -> list[str]:
    lines = [
        "## Compliance evaluation (whole county, one year, results stored)",
        "",
        "| scale | results | median (s) | min–max (s) |",
        "|---|---|---|---|",
    ]
    for s in _scales(ev):
        f = ev[f"scale_{s}"]
        lines.append(
            f"| {s} | {f['results']:,} | {f['median']:.2f} | {f['min']:.2f}–{f['max']:.2f} |"
        )
    return [
        *lines,
        "",
        f"Scale 10 ÷ scale 1: **{ev['ratio_10_to_1']:.1f}×** for 10× the data "
        "(linear growth would be 10×).",
        "",
    ]


REPRODUCE = [
    "## Reproduce",
    "",
    "```sh",
    "make bench  # everything; BENCH_ROUNDS=5 by default",
    ".venv/bin/python -m tests.benchmarks.run --only imports tiles  # re-run some into the JSON",
    ".venv/bin/python -m tests.benchmarks.run --report-only  # rewrite this file from the JSON",
    "```",
    "",
    "`make bench` builds the databases lianzhou_bench_s1, _s10 and _s100 on first use "
    "(`load_demo --scale N`; scale 100 takes about 12 minutes and 4 GB), then runs every "
    "benchmark. It is never part of `make test`. The counties run builds its own databases, "
    "lianzhou_bench_counties_1, _5 and _10 (Lianzhou's scale-1 demo and SQL clones of it, "
    "about 3 minutes from nothing), reuses them while their marker matches, and "
    "`--only counties` leaves the scale databases alone.",
    "",
]


def write_report(data: dict, sections: dict) -> None:
    """Write the JSON and the Markdown; sections: name -> section(figures) for present data."""
    JSON_PATH.write_text(json.dumps(data, indent=2) + "\n")
    lines = [*header_lines(data), *targets_section(data), *data_lines(data["databases"])]
    for name, section in sections.items():
        if name in data:
            lines += section(data[name])
    MD_PATH.write_text("\n".join([*lines, *REPRODUCE]))


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
    for scale in _scales(page):
        f = page[f"scale_{scale}"]
        lines.append(f"| {scale} | {f['median']:.2f} | {f['min']:.2f}–{f['max']:.2f} |")
    return [*lines, "", f"Scale 10 ÷ scale 1: **{page['ratio_10_to_1']:.2f}×**.", ""]


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


def tiles_section(tiles: dict) -> list[str]:
    lines = [
        "## Vector tiles (pipes, z10–17 over the densest supply zone)",
        "",
        "In process, Django's test client through every middleware and the tile view (not "
        "the deployed server's fast path: see the next section for tiles over HTTP), on "
        "connections opened as the web server's (no parallel workers). "
        "Cold: server cache cleared, through the whole view (session auth, permission, "
        "data versions, verdict freshness, ST_AsMVT). Warm: the same request again, three "
        "times (each a sample), served from the cache. Floor: the identical ST_AsMVT query "
        "run directly. Bare: the plain query a hand-written tile server would run (the same "
        "rows and attributes, the table's geometry transformed, no verdicts, no scope; run "
        "without parallel workers, whose start-up the planner would otherwise pay). "
        "Times in ms, median (min–max).",
        "",
    ]
    for scale in _scales(tiles):
        t = tiles[f"scale_{scale}"]
        lines += [
            f"### Scale {scale}",
            "",
            "| zoom | tile size | bare | floor | cold | cold ÷ bare | cold ÷ floor | warm |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for zoom, z in t["zooms"].items():
            bare = z.get("bare")
            to_bare = f"{z['cold_to_bare']:.2f}×" if bare else "—"
            lines.append(
                f"| {zoom} | {z['bytes'] / 1024:.0f} KiB | {ms(bare) if bare else '—'} | "
                f"{ms(z['floor'])} | {ms(z['cold'])} | {to_bare} | "
                f"{z['cold_to_floor']:.2f}× | {ms(z['warm'])} |"
            )
        bare_all = f"cold ÷ bare **{t['cold_to_bare']:.2f}×**, " if "cold_to_bare" in t else ""
        lines += [
            "",
            f"All zooms: {bare_all}cold ÷ floor **{t['cold_to_floor']:.2f}×**, warm median "
            f"**{t['warm']['median'] * 1000:.1f} ms**.",
            "",
        ]
    return lines


def pipe_save_section(save: dict) -> list[str]:
    lines = [
        "## Pipe save (validated, snapped, history, versions; rolled back)",
        "",
        "| scale | median (ms) |",
        "|---|---|",
    ]
    for scale in _scales(save):
        lines.append(f"| {scale} | {ms(save[f'scale_{scale}'])} |")
    return [*lines, "", f"Scale 10 ÷ scale 1: **{save['ratio_10_to_1']:.2f}×**.", ""]
