"""The probe-driven benchmarks: each scale's database, the sides of a comparison alternated.

Figures are medians of ROUNDS runs (each probe warms up first) with min and max.
"""

from __future__ import annotations

import statistics

from tests.benchmarks.common import ROUNDS, SCALES, module_probe, probe, summary


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
                for k in ("floor", "bare", "cold", "warm", "bytes")
            }
            per_zoom[zoom] = {k: summary(merged[k]) for k in ("floor", "bare", "cold", "warm")}
            per_zoom[zoom]["bytes"] = merged["bytes"][0]
            per_zoom[zoom]["cold_to_floor"] = (
                per_zoom[zoom]["cold"]["median"] / per_zoom[zoom]["floor"]["median"]
            )
            per_zoom[zoom]["cold_to_bare"] = (
                per_zoom[zoom]["cold"]["median"] / per_zoom[zoom]["bare"]["median"]
            )
        every = {
            k: [v for o in outs for z in o["tiles"].values() for v in z[k]]
            for k in ("floor", "bare", "cold", "warm")
        }
        figures[f"scale_{scale}"] = {
            "zooms": per_zoom,
            **{k: summary(v) for k, v in every.items()},
            "cold_to_floor": statistics.median(every["cold"]) / statistics.median(every["floor"]),
            "cold_to_bare": statistics.median(every["cold"]) / statistics.median(every["bare"]),
        }
    return figures


def bench_pipe_save() -> dict:
    figures: dict = {}
    for scale, outs in bench_interleaved("pipe_save", "--repeat", "3").items():
        figures[f"scale_{scale}"] = summary([v for o in outs for v in o["seconds"]])
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures


def bench_rasters() -> dict:
    """Zonal statistics of every demo raster for districts and towns: ours vs rasterstats."""
    return module_probe(1, "tests.benchmarks.rasters", "--repeat", str(ROUNDS))
