"""Run a .inp file with WNTR: steady state and extended period, pressures per junction (pure).

No Django here: the services run `simulate()` in a child process (`python -m
network.hydraulics.simulate`) so a run is bounded by a timeout that can kill it (EPANET's
solver is C code that no Python thread can interrupt).

engine "epanet": wntr.sim.EpanetSimulator (the EPANET 2.2 toolkit shipped with WNTR: the
reference engine, fast); engine "wntr": wntr.sim.WNTRSimulator (WNTR's own Python solver, for
cross-checks on small networks).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import wntr

ENGINES = ("epanet", "wntr")


def _run(wn, engine: str, workdir: Path, prefix: str):
    """(pressure, delivered demand) tables, time × node."""
    if engine == "wntr":
        results = wntr.sim.WNTRSimulator(wn).run_sim()
    else:
        results = wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=str(workdir / prefix))
    return results.node["pressure"], results.node["demand"]


def simulate(inp_path: str | Path, *, hours: int, engine: str = "epanet") -> dict:
    """Steady state (duration 0, base demands) and, when hours > 0, the extended period of the
    .inp at `inp_path`. Returns {"junctions": {id: {steady_m, min_m, mean_m, at_hour, share}},
    "reservoirs": [ids], "node_count", "pipe_count", "hours", "engine", "warnings"}; pressures
    in m of water (EPANET "pressure" in SI units). at_hour: the hour (from 0) of the minimum;
    share: the demand delivered ÷ the demand asked over the period (1 unless the file asks for a
    pressure-driven analysis; None for a node without demand).
    Raises ValueError for an engine it does not know and whatever WNTR raises for a bad file.
    The steady state leaves every demand pattern out (base demands); the extended period
    applies them hour by hour.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    wn = wntr.network.WaterNetworkModel(str(inp_path))
    junctions = list(wn.junction_name_list)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hydraulics-") as tmp:
        workdir = Path(tmp)
        # Steady state: the base demands, every pattern left out.
        wn.options.time.duration = 0
        wn.options.hydraulic.pattern = None
        for _name, junction in wn.junctions():
            for demand in junction.demand_timeseries_list:
                demand.pattern_name = None
        steady_p, steady_q = _run(wn, engine, workdir, "steady")
        steady = steady_p.iloc[0]
        expected_steady = {n: wn.get_node(n).demand_timeseries_list.at(0) for n in junctions}
        delivered = {n: (float(steady_q.iloc[0][n]), expected_steady[n]) for n in junctions}
        extended = None
        if hours > 0:
            wn = wntr.network.WaterNetworkModel(str(inp_path))
            wn.options.time.duration = hours * 3600
            wn.options.time.hydraulic_timestep = 3600
            wn.options.time.report_timestep = 3600
            extended, demand = _run(wn, engine, workdir, "extended")
            expected = wntr.metrics.expected_demand(wn).reindex(demand.index)
            delivered = {n: (float(demand[n].sum()), float(expected[n].sum())) for n in junctions}
            if len(extended.index) < hours + 1:
                warnings.append(
                    f"the extended period stopped after {len(extended.index) - 1} of {hours} h"
                )
    out: dict[str, dict] = {}
    for name in junctions:
        s = float(steady[name])
        got, wanted = delivered[name]
        share = round(min(1.0, max(0.0, got / wanted)), 4) if wanted > 1e-9 else None
        if extended is None:
            out[name] = {"steady_m": s, "min_m": s, "mean_m": s, "at_hour": 0, "share": share}
            continue
        series = extended[name]
        low = series.idxmin()
        out[name] = {
            "steady_m": s,
            "min_m": float(series.min()),
            "mean_m": float(series.mean()),
            "at_hour": int(low // 3600),
            "share": share,
        }
    bad = [
        n
        for n, v in out.items()
        if not all(math.isfinite(x) for k, x in v.items() if k != "share" or x is not None)
    ]
    if bad:
        warnings.append(f"{len(bad)} junctions without a finite pressure")
        for name in bad:
            del out[name]
    return {
        "junctions": out,
        "reservoirs": list(wn.reservoir_name_list),
        "tanks": list(wn.tank_name_list),
        "node_count": wn.num_nodes,
        "pipe_count": wn.num_pipes,
        "link_count": wn.num_links,
        "hours": hours,
        "engine": engine,
        "warnings": warnings,
    }


def main(argv: list[str]) -> int:
    """python -m network.hydraulics.simulate IN.inp OUT.json HOURS ENGINE"""
    inp, out, hours, engine = argv[1], argv[2], int(argv[3]), argv[4]
    try:
        result = simulate(inp, hours=hours, engine=engine)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as the run's error
        Path(out).write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    Path(out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
