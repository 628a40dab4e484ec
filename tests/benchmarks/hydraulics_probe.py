"""Hydraulics on the demo, the probe: how long an export and a run take (network/hydraulics).

Usage: DATABASE_URL=... python -m tests.benchmarks.hydraulics_probe [--repeat N]
Times, on the loaded demo: reading the network into a model (hydraulic_export, 24 h pattern)
and writing the .inp, the steady state and the 24 h extended period simulated by EPANET in
its bounded child process (services.simulate_bounded), as `manage.py hydraulics_run` does
before storing. Nothing is stored. Prints one JSON line of timings in seconds with the model's
size, the demand delivered and the junctions below 14.28 m.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from network.hydraulics.inp import inp_text  # noqa: E402
from network.hydraulics.selectors import hydraulic_export  # noqa: E402
from network.hydraulics.services import simulate_bounded  # noqa: E402

MIN_M = 14.28


def _timed(run, repeat: int) -> tuple[list[float], object]:
    out, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = run()
        out.append(time.perf_counter() - started)
    return out, answer


def _export(hours: int) -> str:
    export = hydraulic_export(hours=hours)
    return inp_text(export.model, hours=hours, required_pressure_m=MIN_M), export


def measure(repeat: int) -> dict:
    export_s, (inp24, export) = _timed(lambda: _export(24), repeat)
    inp0 = inp_text(export.model, hours=0, required_pressure_m=MIN_M)
    steady_s, steady = _timed(
        lambda: simulate_bounded(inp0, hours=0, engine="epanet", timeout_s=600), repeat
    )
    eps_s, eps = _timed(
        lambda: simulate_bounded(inp24, hours=24, engine="epanet", timeout_s=600), repeat
    )
    demand = export.demands_lps

    def delivered(result) -> float:
        total = sum(demand.values())
        got = sum(d * (result["junctions"].get(k, {}).get("share") or 0) for k, d in demand.items())
        return round(got / total, 4) if total else 1.0

    return {
        "junctions": len(export.model.junctions),
        "pipes": len(export.model.pipes),
        "reservoirs": len(export.model.reservoirs),
        "demand_lps": round(sum(demand.values()), 1),
        "export_seconds": export_s,
        "steady_seconds": steady_s,
        "eps_24h_seconds": eps_s,
        "steady_delivered": delivered(steady),
        "steady_below": sum(1 for v in steady["junctions"].values() if v["min_m"] < MIN_M),
        "eps_below": sum(1 for v in eps["junctions"].values() if v["min_m"] < MIN_M),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    print(json.dumps(measure(parser.parse_args().repeat)))
