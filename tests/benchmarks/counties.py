"""Issue 19: many counties in one database cost Lianzhou's users (almost) nothing.

Databases with 1, 5 and 10 counties at scale 1 (tests/benchmarks/counties_build.py: Lianzhou's
demo, then N - 1 clones of it translated east, same codes), measured interleaved round by round
by tests/benchmarks/counties_probe.py: cold tiles, the features page, Lianzhou's evaluation and
its consumption towns × months query, as a member of Lianzhou and as a superuser. Each figure's
ratio to the one-county figure is the target (≤ 1.3×).
"""

from __future__ import annotations

import json
import statistics
import sys

from tests.benchmarks.common import ROUNDS, database_url, run_json, summary
from tests.benchmarks.counties_build import COUNTIES, db_name, ensure
from tests.benchmarks.counties_probe import TILE_LAYERS, USERS, ZOOMS
from tests.benchmarks.report import JSON_PATH

LIMIT = 1.3
PROBE_REPEAT = 3  # samples per part per round (each process warms up first)


def _figure_keys() -> list[tuple[str, tuple[str, ...]]]:
    """(label, path into the probe's JSON) of every figure compared across N."""
    keys = []
    for who in USERS:
        for layer in TILE_LAYERS:
            for z in ZOOMS:
                keys.append((f"{who} cold tile {layer} z{z}", (who, "tiles", f"{layer}_z{z}")))
        keys.append((f"{who} features page", (who, "features")))
    keys.append(("scoped consumption towns × months", ("scoped", "consumption")))
    keys.append(("evaluation of Lianzhou (one year)", ("evaluation",)))
    return keys


def _dig(out: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        out = out[key]
    return out


def _import_target() -> dict | None:
    """The import target's figure from the last `imports` run (not re-run here)."""
    try:
        imports = json.loads(JSON_PATH.read_text()).get("imports")
    except (OSError, ValueError):
        return None
    if not imports or "ratio" not in imports:
        return None
    populated = imports.get("populated") or {}
    return {
        "ratio": imports["ratio"],
        "segments": imports.get("segments"),
        "populated": populated.get("ratio"),
    }


def run() -> dict:
    builds = ensure(COUNTIES)
    outs: dict[int, list[dict]] = {n: [] for n in COUNTIES}
    for r in range(ROUNDS):
        for n in COUNTIES:
            outs[n].append(
                run_json(
                    "tests.benchmarks.counties_probe",
                    database_url(db_name(n)),
                    "--repeat",
                    str(PROBE_REPEAT),
                )
            )
        print(f"counties: round {r + 1}/{ROUNDS}", file=sys.stderr)
    figures: dict = {"builds": builds, "rows": {}}
    for label, path in _figure_keys():
        row = {}
        for n in COUNTIES:
            samples = [v for o in outs[n] for v in _dig(o, path)["seconds"]]
            row[f"counties_{n}"] = summary(samples)
        base = statistics.median([v for o in outs[COUNTIES[0]] for v in _dig(o, path)["seconds"]])
        for n in COUNTIES[1:]:
            row[f"ratio_{n}"] = row[f"counties_{n}"]["median"] / base
        figures["rows"][label] = row
    floor: dict = {}
    for n in COUNTIES:
        ours = [v for o in outs[n] for v in o["scoped"]["consumption"]["seconds"]]
        plain = [v for o in outs[n] for v in o["scoped"]["consumption"]["floor_seconds"]]
        floor[f"counties_{n}"] = summary(plain)
        floor[f"ratio_{n}"] = statistics.median(ours) / statistics.median(plain)
    figures["consumption_floor"] = floor
    figures["counties"] = {f"counties_{n}": outs[n][0]["counties"] for n in COUNTIES}
    figures["results"] = outs[COUNTIES[0]][0]["evaluation"]["results"]
    figures["import_target"] = _import_target()
    return figures


def worst_ratios(figures: dict) -> list[tuple[str, float]]:
    """Per N > 1 the largest ratio to the one-county figure (the Targets row)."""
    out = []
    for n in COUNTIES[1:]:
        ratios = [row[f"ratio_{n}"] for row in figures["rows"].values()]
        out.append((f"{n} counties (worst of {len(ratios)})", max(ratios)))
    return out


def _ms(f: dict) -> str:
    if f["median"] >= 1:
        return f"{f['median']:.2f} s"
    return f"{f['median'] * 1000:.1f}"


def _built(n: int, seconds: float) -> str:
    return f"{n}: reused" if not seconds else f"{n}: {seconds:.0f} s"


def section(figures: dict) -> list[str]:
    builds = figures["builds"]
    built = ", ".join(_built(n, builds.get(f"counties_{n}", 0.0)) for n in COUNTIES)
    lines = [
        "## Counties: 1, 5 and 10 counties in one database (issue 19)",
        "",
        "Does Lianzhou get slower when its database holds other counties? Databases "
        "`lianzhou_bench_counties_N`: N = 1 is Lianzhou's scale-1 demo alone "
        "(`load_demo --county 441882`); N = 5 and 10 copy it and add N − 1 synthetic counties "
        "by cloning Lianzhou in SQL (tests/benchmarks/counties_build.py, one set-based "
        "transaction per clone): a county 4499kk “合成县k” of the same city whose outline, "
        "towns and every layer's rows (supply zones, water-function zones, irrigation "
        "districts, plants, roads, nodes, pipes with their end nodes remapped, water users) "
        "are Lianzhou's translated east by k × (its width + 0.1°), with the same feature "
        "codes, and the rows hanging off them (monthly consumption, records, area statistics, "
        "registers) copied with their keys remapped. The triggers derive each clone's "
        "county and keep the consumption totals; memberships are refreshed and every clone "
        "is evaluated for Lianzhou's years. Caveat: the clones are translated copies, so "
        "every county is the same size and shape and none overlaps another's bounding box; "
        "real neighbouring counties share borders, and their features near a border fall in "
        "each other's index pages.",
        "",
        f"Build (s; reused = marker matched): {built}. Counties: "
        + ", ".join(f"{v}" for v in figures["counties"].values())
        + f". Lianzhou's evaluation stores {figures['results']:,} results.",
        "",
        "Measured in one process per database and round, the databases alternated round by "
        "round: cold tiles (server cache cleared, whole view) over the centre of Lianzhou's "
        "first supply zone, the features page of 1,000 pipes in that zone's bbox, as "
        "`official` (member of Lianzhou: scoped) and as `admin` (superuser: every county); "
        "the consumption API's towns × months query for 2024 as `official`; Lianzhou's "
        "evaluation for 2024 (results stored). Times in ms unless marked, medians; the "
        "target is every ratio ≤ 1.3×.",
        "",
        "| figure | "
        + " | ".join(f"{n} count{'y' if n == 1 else 'ies'}" for n in COUNTIES)
        + " | "
        + " | ".join(f"{n} ÷ 1" for n in COUNTIES[1:])
        + " |",
        "|---|" + "---|" * (2 * len(COUNTIES) - 1),
    ]
    for label, row in figures["rows"].items():
        cells = [_ms(row[f"counties_{n}"]) for n in COUNTIES]
        ratios = [
            f"**{row[f'ratio_{n}']:.2f}×**"
            if row[f"ratio_{n}"] > LIMIT
            else f"{row[f'ratio_{n}']:.2f}×"
            for n in COUNTIES[1:]
        ]
        lines.append(f"| {label} | " + " | ".join(cells + ratios) + " |")
    floor = figures.get("consumption_floor")
    if floor:
        lines += [
            "",
            "The consumption query against its floor, the plain GROUP BY over Lianzhou's raw "
            "rows (Σ volume per user's town and month, tests/benchmarks/consumption_floor.py), "
            "in the same process, alternated: floor "
            + ", ".join(f"{_ms(floor[f'counties_{n}'])} ms" for n in COUNTIES)
            + "; ours ÷ floor "
            + ", ".join(f"{floor[f'ratio_{n}']:.2f}×" for n in COUNTIES)
            + f" (1, {', '.join(str(n) for n in COUNTIES[1:])} counties).",
        ]
    imp = _import_target()  # the latest `imports` figures, whenever the report is written
    populated = (
        f"; into a network already holding as many pipes (a province's next county): "
        f"**{imp['populated']:.2f}×**"
        if imp and imp.get("populated")
        else ""
    )
    lines += [
        "",
        (
            f"Import target (the `imports` benchmark, not re-run here): import_layer of "
            f"{imp['segments']:,} pipes into an empty network ÷ ogr2ogr = "
            f"**{imp['ratio']:.2f}×**{populated} (target ≤ 3×)."
            if imp
            else "Import target: the `imports` benchmark has not run yet."
        ),
        "",
        "Reproduce: `.venv/bin/python -m tests.benchmarks.run --only counties` (builds the "
        "databases when absent or stale, about 3 minutes; BENCH_ROUNDS rounds of ~40 s).",
        "",
    ]
    return lines
