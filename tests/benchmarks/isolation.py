"""Network analysis benchmark (`make bench`): burst isolation, traces and connected parts on
each scale's demo, timed by tests/benchmarks/isolation_probe.py in a process of its own."""

from __future__ import annotations

from tests.benchmarks.common import ROUNDS, SCALES, module_probe, ms, summary


def run() -> dict:
    """Each scale's database, ROUNDS repeats per measure."""
    figures: dict = {}
    for scale in SCALES:
        out = module_probe(scale, "tests.benchmarks.isolation_probe", "--repeat", str(ROUNDS))
        figures[f"scale_{scale}"] = {
            "pipes": out["pipes"],
            "valves_per_isolation": out.get("valves_per_isolation"),
            "worst": {**{k: v for k, v in out["worst"].items() if k != "seconds"}},
            "worst_seconds": summary(out["worst"]["seconds"]),
            "sample_seconds": summary(out["sample"]),
            "request_seconds": summary(out["request"]["seconds"]),
            "request_bytes": out["request"]["bytes"],
            "downstream_seconds": summary(out["downstream"]),
            "components_seconds": summary(out["components"]),
        }
    return figures


def section(figures: dict) -> list[str]:
    lines = [
        "## Network analysis: burst isolation, traces, connected parts",
        "",
        "In-process graph of the in-service pipes (`network/analysis`), read afresh per request. "
        "Worst case: a pipe of the largest valve-bounded segment; sample: 20 random pipes; "
        "request: the editor's whole GET `.../isolation/?geometry=true` for the worst case. "
        "Times in ms, median (min–max).",
        "",
        "| scale | pipes | worst: valves / isolated / without supply | worst | sample | request "
        "(KB) | downstream trace | connected parts |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(figures, key=lambda k: int(k.split("_")[1])):
        f = figures[key]
        w = f["worst"]
        lines.append(
            f"| {key.split('_')[1]} | {f['pipes']:,} | {w['valves']} / {w['isolated']:,} / "
            f"{w['without_supply']:,} | {ms(f['worst_seconds'])} | {ms(f['sample_seconds'])} | "
            f"{ms(f['request_seconds'])} ({f['request_bytes'] / 1024:.0f}) | "
            f"{ms(f['downstream_seconds'])} | {ms(f['components_seconds'])} |"
        )
    lines += [
        "",
        "Valves to close per burst, over 200 random pipes: "
        + "; ".join(
            f"scale {k.split('_')[1]}: median {v['median']:g}, p90 {v['p90']}, max {v['max']}"
            for k, f in sorted(figures.items(), key=lambda kv: int(kv[0].split("_")[1]))
            if (v := f.get("valves_per_isolation"))
        )
        + ".",
    ]
    return [*lines, ""]
