"""Hydraulics benchmark (`make bench`): EPANET export, steady state and 24 h extended period on
each scale's demo, timed by tests/benchmarks/hydraulics_probe.py in a process of its own."""

from __future__ import annotations

from tests.benchmarks.common import ROUNDS, SCALES, module_probe, summary


def run() -> dict:
    """Scale 1 only by default: a run of the scale-10 demo (~120,000 junctions) is beyond the
    60,000-node bound (HYDRAULICS_MAX_NODES) the service refuses."""
    figures: dict = {}
    for scale in SCALES[:1]:
        out = module_probe(scale, "tests.benchmarks.hydraulics_probe", "--repeat", str(ROUNDS))
        figures[f"scale_{scale}"] = {
            **{k: v for k, v in out.items() if not k.endswith("_seconds")},
            **{k: summary(v) for k, v in out.items() if k.endswith("_seconds")},
        }
    return figures


def _s(f: dict) -> str:
    return f"{f['median']:.1f} ({f['min']:.1f}–{f['max']:.1f})"


def section(figures: dict) -> list[str]:
    lines = [
        "## Hydraulics: EPANET export and runs",
        "",
        "The demo network read into a model and written as `.inp` (24 h pattern), then simulated "
        "by EPANET 2.2 (WNTR's EpanetSimulator in a child process, PDA, required pressure "
        "14.28 m): steady state, and 24 h extended period. Nothing is stored. Seconds, median "
        "(min–max).",
        "",
        "| scale | junctions / pipes | demand (L/s) | export | steady | 24 h | steady: demand "
        "delivered, junctions < 14.28 m | 24 h: junctions < 14.28 m |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(figures, key=lambda k: int(k.split("_")[1])):
        f = figures[key]
        lines.append(
            f"| {key.split('_')[1]} | {f['junctions']:,} / {f['pipes']:,} | {f['demand_lps']} | "
            f"{_s(f['export_seconds'])} | {_s(f['steady_seconds'])} | "
            f"{_s(f['eps_24h_seconds'])} | {f['steady_delivered']:.1%}, {f['steady_below']} | "
            f"{f['eps_below']} |"
        )
    return [*lines, ""]
