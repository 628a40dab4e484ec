"""Hydraulic runs: export the network (or take a .inp run elsewhere), simulate it with WNTR in a
bounded child process, store each junction's pressures (docs/hydraulics.md).

A run is recorded from its start (HydraulicRun, status running → done | failed), so a failed or
timed-out run stays visible with its error; its node pressures are written all at once, in one
transaction, only when the simulation succeeded.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from layers.scope import current_scope
from network.hydraulics.inp import inp_text
from network.hydraulics.selectors import M_PER_MPA, Export, demand_year, hydraulic_export
from network.hydraulics.simulate import ENGINES
from network.models import HydraulicRun, NodePressure, PipeNode
from network.services.rules import NetworkError

# Minimum service pressure by default: 0.14 MPa (≈ 14.3 m) at the network's ends, the value
# CJJ 207-2013 is commonly quoted for (not confirmed against the text: docs/hydraulics.md);
# the compliance indicator `supply.service_pressure` holds the editable value it is judged by.
DEFAULT_MIN_PRESSURE_MPA = 0.14
# Bounds of one run (settings HYDRAULICS_TIMEOUT_S, HYDRAULICS_MAX_NODES,
# HYDRAULICS_MAX_INP_BYTES override them).
TIMEOUT_S = 300
MAX_NODES = 60_000
MAX_INP_BYTES = 20 * 1024 * 1024
MAX_HOURS = 168
# WNTR's own (Python) solver is for cross-checks on small networks.
WNTR_ENGINE_MAX_NODES = 3_000
_NODE_ID = re.compile(r"^N(\d+)$")

Progress = Callable[[str], None]


class HydraulicsError(NetworkError):
    """A run refused or failed on its input (400)."""


class HydraulicsTimeout(NetworkError):
    """A run that took longer than its bound (503: try a smaller part or later)."""

    status = 503


def limit(name: str, default: int) -> int:
    """A bound from the settings, else its default."""
    return int(getattr(settings, name, default))


def _check_options(hours: int, engine: str, min_pressure_mpa: float) -> None:
    if not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= MAX_HOURS:
        raise HydraulicsError(
            "hours_invalid",
            _("hours must be a whole number from 0 to %(max)s.") % {"max": MAX_HOURS},
            field="hours",
        )
    if engine not in ENGINES:
        raise HydraulicsError("engine_invalid", _("engine must be epanet or wntr."), field="engine")
    if not 0 < min_pressure_mpa <= 2:
        raise HydraulicsError(
            "min_pressure_invalid",
            _("The minimum service pressure must be above 0 and at most 2 MPa."),
            field="min_pressure_mpa",
        )


def simulate_bounded(inp: str, *, hours: int, engine: str, timeout_s: int) -> dict:
    """Run network.hydraulics.simulate on the .inp text in a child process killed after
    `timeout_s` seconds. The child's answer (simulate()'s dict); HydraulicsError when WNTR or
    EPANET refused the file, HydraulicsTimeout when the bound was reached."""
    with tempfile.TemporaryDirectory(prefix="hydraulics-") as tmp:
        inp_path, out_path = Path(tmp) / "network.inp", Path(tmp) / "result.json"
        inp_path.write_text(inp, encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "network.hydraulics.simulate",
            str(inp_path),
            str(out_path),
            str(hours),
            engine,
        ]
        try:
            subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
                command,
                cwd=settings.BASE_DIR,
                timeout=timeout_s,
                capture_output=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise HydraulicsTimeout(
                "run_timeout",
                _("The simulation took longer than %(s)s s and was stopped.") % {"s": timeout_s},
                field="hours",
            ) from None
        if not out_path.exists():
            raise HydraulicsError(
                "simulation_failed", _("The simulation stopped without an answer."), field="file"
            )
        result = json.loads(out_path.read_text())
    if "error" in result:
        raise HydraulicsError(
            "simulation_failed",
            _("EPANET/WNTR could not run the file: %(error)s") % {"error": result["error"][:500]},
            field="file",
        )
    return result


def hydraulics_run(
    *,
    user=None,
    hours: int = 24,
    engine: str = "epanet",
    month: int | None = None,
    zone: str | None = None,
    min_pressure_mpa: float = DEFAULT_MIN_PRESSURE_MPA,
    demand_model: str = "PDA",
    timeout_s: int | None = None,
    max_node_hours: int | None = None,
    progress: Progress | None = None,
) -> HydraulicRun:
    """Export the in-service network (or supply zone `zone`'s pipes), simulate the steady
    state and `hours` of extended period, store each junction's pressures. Returns the run
    (status done). Raises HydraulicsError (bad option, too large, refused by the engine) or
    HydraulicsTimeout; the run is then recorded as failed with the error, no pressure stored.

    min_pressure_mpa: the minimum service pressure a junction is flagged below (MPa);
    demand_model: "PDA" (pressure-driven, demands fall where the pressure cannot serve them;
    the required pressure is the minimum service pressure) or "DDA" (demand-driven);
    timeout_s: a tighter bound than HYDRAULICS_TIMEOUT_S (the API's); max_node_hours: refuse
    a run of more junctions × (hours + 1) than this (the API's synchronous budget)."""
    say = progress or (lambda _text: None)
    _check_options(hours, engine, min_pressure_mpa)
    if demand_model not in ("PDA", "DDA"):
        raise HydraulicsError(
            "demand_model_invalid", _("demand_model must be PDA or DDA."), field="demand_model"
        )
    say("reading the network")
    export = hydraulic_export(hours=hours, month=month, zone=zone)
    if not export.model.junctions or not export.model.reservoirs:
        raise HydraulicsError(
            "network_empty",
            _("There is no supplied part of the network to simulate."),
            field="zone",
        )
    work = len(export.model.junctions) * (hours + 1)
    if max_node_hours is not None and work > max_node_hours:
        raise HydraulicsError(
            "run_too_large",
            _(
                "%(n)s junctions × %(h)s hours is more than a run in a web request may take: "
                "choose fewer hours or a supply zone, or run manage.py hydraulics_run."
            )
            % {"n": len(export.model.junctions), "h": hours + 1},
            field="hours",
        )
    min_m = round(min_pressure_mpa * M_PER_MPA, 2)
    required = min_m if demand_model == "PDA" else None
    inp = inp_text(export.model, hours=hours, required_pressure_m=required)
    options = {
        **export.options,
        "min_pressure_mpa": min_pressure_mpa,
        "min_pressure_m": min_m,
        "demand_model": demand_model,
        "isolated": export.isolated,
        "demand_year": demand_year(),  # the year whose service-pressure verdicts it gives
    }
    return _run_and_store(
        inp=inp,
        export=export,
        user=user,
        hours=hours,
        engine=engine,
        options=options,
        source=HydraulicRun.Source.NETWORK,
        timeout_s=timeout_s,
        say=say,
    )


def hydraulics_import(
    *,
    user=None,
    content: bytes,
    file_name: str = "",
    hours: int = 24,
    engine: str = "epanet",
    min_pressure_mpa: float = DEFAULT_MIN_PRESSURE_MPA,
    timeout_s: int | None = None,
    progress: Progress | None = None,
) -> HydraulicRun:
    """Results of a .inp run elsewhere: the file (an export of ours edited and calibrated in
    EPANET, say) is run here by the same engine and its junctions' pressures are stored
    against our nodes, matched by ID — a node's code, or N<database id> as the export writes
    it. Junctions that match no node are counted in the warnings, not stored. The file's own
    options (demand model, patterns, tanks, pumps, valves) are kept as they are."""
    say = progress or (lambda _text: None)
    _check_options(hours, engine, min_pressure_mpa)
    if len(content) > limit("HYDRAULICS_MAX_INP_BYTES", MAX_INP_BYTES):
        raise HydraulicsError(
            "file_too_large",
            _("The .inp file is larger than %(mb)s MB.")
            % {"mb": limit("HYDRAULICS_MAX_INP_BYTES", MAX_INP_BYTES) // (1024 * 1024)},
            field="file",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise HydraulicsError(
                "file_encoding",
                _("The .inp file is neither UTF-8 nor GB 18030 text."),
                field="file",
            ) from None
    if "[JUNCTIONS]" not in text.upper() or "[PIPES]" not in text.upper():
        raise HydraulicsError(
            "file_not_inp",
            _("This is not an EPANET .inp file: it has no [JUNCTIONS] or no [PIPES] section."),
            field="file",
        )
    options = {
        "file_name": file_name[:200],
        "min_pressure_mpa": min_pressure_mpa,
        "min_pressure_m": round(min_pressure_mpa * M_PER_MPA, 2),
        # a file sent back stands for today's network: it judges the latest year of demand
        "demand_year": demand_year(),
    }
    return _run_and_store(
        inp=text,
        export=None,
        user=user,
        hours=hours,
        engine=engine,
        options=options,
        source=HydraulicRun.Source.IMPORT,
        timeout_s=timeout_s,
        say=say,
    )


def _run_and_store(
    *,
    inp: str,
    export: Export | None,
    user,
    hours: int,
    engine: str,
    options: dict,
    source: str,
    timeout_s: int | None,
    say: Progress,
) -> HydraulicRun:
    started = time.monotonic()
    scope = current_scope()
    run = HydraulicRun.objects.create(
        created_by=user if getattr(user, "pk", None) else None,
        source=source,
        engine=engine,
        hours=hours,
        options=options,
        warnings=list(export.warnings) if export else [],
        # The counties of the pipes exported; a file sent back (or pipes in no county) is of
        # the sender's area until its junctions are matched to nodes (_store).
        counties=(export.counties if export else [])
        or (sorted(scope.counties) if scope.restricted else []),
    )
    try:
        size = export.model.node_count if export else inp.count("\n")
        max_nodes = limit("HYDRAULICS_MAX_NODES", MAX_NODES)
        if export and size > max_nodes:
            raise HydraulicsError(
                "network_too_large",
                _("The network has %(n)s nodes; at most %(max)s are simulated.")
                % {"n": size, "max": max_nodes},
                field="zone",
            )
        if engine == "wntr" and export and size > WNTR_ENGINE_MAX_NODES:
            raise HydraulicsError(
                "network_too_large_for_wntr",
                _("WNTR's own solver takes at most %(max)s nodes; use the epanet engine.")
                % {"max": WNTR_ENGINE_MAX_NODES},
                field="engine",
            )
        say(f"simulating: steady state and {hours} h extended period ({engine})")
        bound = min(timeout_s or TIMEOUT_S, limit("HYDRAULICS_TIMEOUT_S", TIMEOUT_S))
        result = simulate_bounded(inp, hours=hours, engine=engine, timeout_s=bound)
        say(f"storing {len(result['junctions'])} junction pressures")
        _store(run, result, export, options["min_pressure_m"])
    except NetworkError as exc:
        HydraulicRun._base_manager.filter(pk=run.pk).update(
            status=HydraulicRun.Status.FAILED,
            error=exc.message,
            duration_s=round(time.monotonic() - started, 2),
        )
        raise
    run.refresh_from_db()
    HydraulicRun._base_manager.filter(pk=run.pk).update(
        duration_s=round(time.monotonic() - started, 2)
    )
    run.refresh_from_db()
    say(f"run {run.pk}: {run.node_count} junctions, {run.below_count} below the minimum")
    return run


def _node_map(names: list[str], export: Export | None) -> dict[str, int]:
    """EPANET junction id → node id: the export's own map, else by code or N<id> among the
    nodes of the reader's area (the scoped manager)."""
    if export is not None:
        return {n: export.node_ids[n] for n in names if n in export.node_ids}
    by_code = dict(PipeNode.objects.filter(code__in=names).values_list("code", "id"))
    wanted = {int(m.group(1)) for n in names if n not in by_code and (m := _NODE_ID.match(n))}
    existing = set(PipeNode.objects.filter(id__in=wanted).values_list("id", flat=True))
    out = {}
    for n in names:
        if n in by_code:
            out[n] = by_code[n]
        elif (m := _NODE_ID.match(n)) and int(m.group(1)) in existing:
            out[n] = int(m.group(1))
    return out


def _store(run: HydraulicRun, result: dict, export: Export | None, min_m: float) -> None:
    junctions = result["junctions"]
    ids = _node_map(list(junctions), export)
    feeds = set(
        PipeNode.objects.filter(id__in=ids.values(), kind__in=("source", "plant")).values_list(
            "id", flat=True
        )
    )
    demands = export.demands_lps if export else {}
    rows, below = [], 0
    for name, values in junctions.items():
        node_id = ids.get(name)
        if node_id is None:
            continue
        # A source behind its plant carries raw water: stored, never flagged.
        flagged = values["min_m"] < min_m and node_id not in feeds
        below += flagged
        rows.append(
            NodePressure(
                run=run,
                node_id=node_id,
                demand_lps=round(demands.get(name, 0.0), 6),
                pressure_steady_m=round(values["steady_m"], 3),
                pressure_min_m=round(values["min_m"], 3),
                pressure_mean_m=round(values["mean_m"], 3),
                at_hour=values["at_hour"],
                delivered_share=values.get("share"),
                below_minimum=flagged,
            )
        )
    warnings = list(run.warnings) + list(result.get("warnings", []))
    unmatched = len(junctions) - len(rows)
    if unmatched:
        warnings.append(f"{unmatched} junctions of the file match no node: not stored")
    if result.get("tanks"):
        warnings.append(f"{len(result['tanks'])} tanks in the file: not stored")
    options = dict(run.options)
    counties = list(run.counties)
    if export is None:  # a file sent back covers the counties of the nodes it matched
        counties = (
            sorted(
                set(
                    PipeNode.objects.filter(id__in=ids.values(), county__isnull=False).values_list(
                        "county_id", flat=True
                    )
                )
            )
            or counties
        )
    if export is not None:
        users_below = sum(
            1
            for _user, a, b in export.users
            if max(junctions.get(a, {}).get("min_m", 1e9), junctions.get(b, {}).get("min_m", 1e9))
            < min_m
        )
        options["users_below"] = users_below
    with transaction.atomic():
        NodePressure.objects.bulk_create(rows, batch_size=2000)
        HydraulicRun._base_manager.filter(pk=run.pk).update(
            status=HydraulicRun.Status.DONE,
            node_count=len(rows),
            pipe_count=result.get("pipe_count", 0),
            reservoir_count=len(result.get("reservoirs", [])),
            below_count=below,
            warnings=warnings,
            options=options,
            counties=counties,
        )
