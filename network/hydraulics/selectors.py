"""Reads of the network as a hydraulic model: junctions, reservoirs, pipes, demands, pattern.

What is exported (docs/hydraulics.md):
- pipes in service only (planned and abandoned pipes carry no water), with their length (m on
  the ellipsoid), DN as the inner diameter (mm) and a Hazen-Williams C by material and age
  (roughness.py); a pipe whose two ends are one node is left out (EPANET refuses it);
- the connected parts with a source or plant (network.analysis's graph); a part no source feeds
  is reported, not exported (EPANET would have no head to compute its pressures from);
- sources and plants as reservoirs with head = elevation + the supply zone's mean outlet
  pressure (its latest WaterBalance, MPa × 101.97 m/MPa) or a given default — but in a part
  with a plant only the plants: treated water enters there, and a source (intake) joined to
  its plant by a raw-water main is then a junction without demand (two fixed heads joined by a
  pipe would push water between them for ever);
- every other node as a junction at its elevation (the terrain raster's sample) with the base
  demand of the water users it serves: each public-network user is served by its nearest
  in-service pipe within 300 m (network.analysis.selectors.users_served), its demand (mean daily
  use of its latest year, m³/day) split half and half between that pipe's two end nodes, in L/s;
- an hourly demand pattern for the extended period (patterns.py) scaled by a month's factor
  from the public-network users' consumption.
Coordinates are written in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37, metres).

A run is of the reader's area (layers/scope.py): its pipes, users and consumption, the supply
zones and water balances of its counties; the run records the counties whose pipes it
simulated (HydraulicRun.counties), and only readers whose area holds all of them see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from layers.geometry import METRIC_SRID
from layers.models import AdminArea
from layers.scope import scope_condition, scope_param
from layers.yearly import IN_AREA
from network.analysis.graph import NetworkGraph
from network.analysis.selectors import users_served
from network.hydraulics.inp import HydraulicModel, Junction, Pipe, Reservoir, epanet_id
from network.hydraulics.patterns import hourly_multipliers, month_factors
from network.hydraulics.roughness import hazen_williams_c
from network.models import HydraulicRun
from network.services.check import FEED_KINDS

# 1 MPa of pressure is 10⁶ / (1000 kg/m³ × 9.80665 m/s²) = 101.97 m of water head.
M_PER_MPA = 101.97
# m³ per day → L/s.
LPS_PER_M3D = 1000.0 / 86400.0
# A pipe shorter than this (a node snapped onto another's end) is written at this length.
MIN_LENGTH_M = 0.1

_PIPES = f"""
SELECT p.id, p.code, p.start_node_id, p.end_node_id, p.length_m, p.diameter_mm, p.material,
       p.install_year, p.county_id
FROM layers_pipesegment p LEFT JOIN layers_supplyzone z ON z.id = p.supply_zone_id
WHERE p.status = 'in_service' AND p.start_node_id IS NOT NULL AND p.end_node_id IS NOT NULL
  AND (%(zone)s::text IS NULL OR z.code = %(zone)s) AND {scope_condition("p.county_id")}
ORDER BY p.id"""  # noqa: S608 (constants)

# Each node of the given ids with its elevation, projected coordinates and the mean outlet
# pressure of the supply zone of the area in scope it lies in (that zone's latest balance).
_NODES = f"""
SELECT n.id, n.code, n.kind, n.elevation_m, ST_X(g), ST_Y(g), b.mean_outlet_pressure_mpa,
       z.code
FROM layers_pipenode n
CROSS JOIN LATERAL ST_Transform(n.geom, %(srid)s) AS g
LEFT JOIN LATERAL (
  SELECT z.id, z.code FROM layers_supplyzone z
  WHERE ST_Intersects(z.geom, n.geom) AND {scope_condition("z.county_id")}
  ORDER BY z.code LIMIT 1) z ON n.kind = ANY(%(feeds)s)
LEFT JOIN LATERAL (
  SELECT w.mean_outlet_pressure_mpa FROM layers_waterbalance w WHERE w.zone_id = z.id
  ORDER BY w.year DESC LIMIT 1) b ON TRUE
WHERE n.id = ANY(%(ids)s)"""  # noqa: S608 (constants)

# Mean daily use of the area's public-network users by month of the latest year with
# consumption.
_MONTHS = f"""
WITH latest AS (
  SELECT max(date_trunc('year', c.month))::date AS y FROM layers_consumption c
  JOIN layers_wateruser u ON u.id = c.user_id
  WHERE u.source = 'public_network' AND {scope_condition("u.county_id")}
)
SELECT extract(month FROM c.month)::int,
       sum(c.volume_m3) / max(extract(day FROM date_trunc('month', c.month)
                                      + interval '1 month' - interval '1 day'))
FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id CROSS JOIN latest l
WHERE u.source = 'public_network' AND c.month >= l.y AND c.month < l.y + interval '1 year'
  AND {scope_condition("u.county_id")}
GROUP BY 1 ORDER BY 1"""  # noqa: S608 (constants)


@dataclass
class Export:
    """A hydraulic model and what it took: the EPANET id → node id map, the options used,
    the parts left out and every warning (plain English, for the run's record)."""

    model: HydraulicModel
    node_ids: dict[str, int]
    demands_lps: dict[str, float]
    options: dict
    isolated: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Each served user: (user id, EPANET ids of its serving pipe's two end nodes).
    users: list[tuple[int, str, str]] = field(default_factory=list)
    # The counties (AdminArea ids) of the pipes it holds.
    counties: list[int] = field(default_factory=list)


def demand_month_factors() -> dict[int, float]:
    """Month (1–12) → factor (mean daily use of the month ÷ of the year), public-network users'
    consumption of the latest year in the reader's area; {} without consumption."""
    with connection.cursor() as cur:
        cur.execute(_MONTHS, {"scope": scope_param()})
        return month_factors({r[0]: float(r[1]) for r in cur.fetchall()})


def hydraulic_export(
    *,
    hours: int = 24,
    month: int | None = None,
    zone: str | None = None,
    default_outlet_pressure_mpa: float = 0.3,
    year: int | None = None,
) -> Export:
    """The in-service network of the reader's area (or the pipes of its supply zone `zone`)
    as a hydraulic model.

    hours: length of the extended period (0: steady state, no pattern); month: the month whose
    demand factor scales the pattern (None: the peak month of the latest year);
    default_outlet_pressure_mpa: the sources' outlet pressure where their zone has no water
    balance (MPa); year: the year pipe ages are counted to (None: this year).
    """
    year = year or dt.date.today().year
    warnings: list[str] = []
    scope = scope_param()
    with connection.cursor() as cur:
        cur.execute(_PIPES, {"zone": zone, "scope": scope})
        pipe_rows = cur.fetchall()
    feed_kinds = _feed_kinds({n for r in pipe_rows for n in (r[2], r[3])})
    graph = NetworkGraph([(r[0], r[2], r[3]) for r in pipe_rows], feeds=frozenset(feed_kinds))
    kept_nodes: set[int] = set()
    kept_pipes: set[int] = set()
    fixed_head: set[int] = set()
    isolated_parts = isolated_pipes = isolated_nodes = 0
    for part in graph.components():
        if part.supplied:
            kept_nodes |= part.nodes
            kept_pipes |= set(part.pipes)
            plants = {f for f in part.feeds if feed_kinds[f] == "plant"}
            fixed_head |= plants or set(part.feeds)
        else:
            isolated_parts += 1
            isolated_pipes += len(part.pipes)
            isolated_nodes += len(part.nodes)
    if isolated_parts:
        warnings.append(
            f"{isolated_parts} parts without a source left out "
            f"({isolated_pipes} pipes, {isolated_nodes} nodes)"
        )
    with connection.cursor() as cur:
        cur.execute(
            _NODES,
            {
                "ids": sorted(kept_nodes),
                "srid": METRIC_SRID,
                "feeds": list(FEED_KINDS),
                "scope": scope,
            },
        )
        nodes = {r[0]: r for r in cur.fetchall()}
    ids = {pk: epanet_id(r[1], "N", pk) for pk, r in nodes.items()}
    elevations = _elevations(nodes, graph, warnings)

    demand_m3d: dict[int, float] = dict.fromkeys(nodes, 0.0)
    pipe_ends = {r[0]: (r[2], r[3]) for r in pipe_rows}
    users = users_served(sorted(kept_pipes))
    without = 0
    for user in users:
        per_day = user["demand_m3_per_day"]
        a, b = pipe_ends[user["pipe_id"]]
        if per_day is None:
            without += 1
            continue
        demand_m3d[a] += per_day / 2
        demand_m3d[b] += per_day / 2
    if without:
        warnings.append(f"{without} served users without consumption: no demand")

    factors = demand_month_factors()
    if hours > 0 and factors:
        month = month if month in factors else max(factors, key=lambda m: (factors[m], -m))
    factor = factors.get(month, 1.0) if hours > 0 else 1.0
    multipliers = hourly_multipliers(factor, hours) if hours > 0 else []

    junctions, reservoirs, defaults = [], [], 0
    demands: dict[str, float] = {}
    for pk in sorted(nodes):
        _id, code, kind, _elev, x, y, pressure_mpa, _zone = nodes[pk]
        if pk in fixed_head:
            if pressure_mpa is None:
                pressure_mpa, defaults = default_outlet_pressure_mpa, defaults + 1
            head = elevations[pk] + pressure_mpa * M_PER_MPA
            reservoirs.append(Reservoir(ids[pk], round(head, 2), x, y))
        else:
            lps = demand_m3d[pk] * LPS_PER_M3D
            demands[ids[pk]] = lps
            junctions.append(Junction(ids[pk], elevations[pk], lps, x, y))
    behind = sum(1 for r in nodes.values() if r[2] in FEED_KINDS) - len(reservoirs)
    if behind:
        warnings.append(f"{behind} sources upstream of a plant modelled as junctions")
    if defaults:
        warnings.append(
            f"{defaults} sources without a water balance: outlet pressure "
            f"{default_outlet_pressure_mpa} MPa assumed"
        )

    pipes, loops, short = [], 0, 0
    for pk, code, a, b, length, diameter, material, installed, _county in pipe_rows:
        if pk not in kept_pipes:
            continue
        if a == b:
            loops += 1
            continue
        if (length or 0) < MIN_LENGTH_M:
            short += 1
        pipes.append(
            Pipe(
                epanet_id(code, "P", pk),
                ids[a],
                ids[b],
                max(length or 0.0, MIN_LENGTH_M),
                float(diameter),
                hazen_williams_c(material, installed, year),
            )
        )
    if loops:
        warnings.append(f"{loops} pipes whose two ends are one node left out")
    if short:
        warnings.append(f"{short} pipes shorter than {MIN_LENGTH_M} m written at {MIN_LENGTH_M} m")

    counties = sorted({r[8] for r in pipe_rows if r[0] in kept_pipes and r[8] is not None})
    areas = AdminArea._base_manager.filter(id__in=counties).order_by("code")
    names = "、".join(areas.values_list("name", flat=True))
    where = f"{names} " if names else ""
    title = f"{where}water network{' zone ' + zone if zone else ''}, {dt.date.today()}"
    model = HydraulicModel(junctions, reservoirs, pipes, multipliers, title)
    options = {
        "hours": hours,
        "month": month if hours > 0 else None,
        "month_factor": factor,
        "zone": zone,
        "year": year,
        "default_outlet_pressure_mpa": default_outlet_pressure_mpa,
        "served_users": len(users),
        "total_demand_lps": round(sum(demands.values()), 3),
    }
    return Export(
        model=model,
        node_ids={ids[pk]: pk for pk in nodes},
        demands_lps=demands,
        options=options,
        isolated={"parts": isolated_parts, "pipes": isolated_pipes, "nodes": isolated_nodes},
        warnings=warnings,
        users=[(u["id"], *(ids[n] for n in pipe_ends[u["pipe_id"]])) for u in users],
        counties=counties,
    )


def _feed_kinds(node_ids: set[int]) -> dict[int, str]:
    """Node id → kind of the sources and plants among `node_ids`."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, kind FROM layers_pipenode WHERE kind = ANY(%(k)s) AND id = ANY(%(ids)s)",
            {"k": list(FEED_KINDS), "ids": sorted(node_ids)},
        )
        return dict(cur.fetchall())


def _elevations(nodes: dict, graph: NetworkGraph, warnings: list[str]) -> dict[int, float]:
    """Each node's elevation (m); a node without one takes the mean of its neighbours' that
    have one (0 when none has: then its pressure means nothing, and the warning says so)."""
    out = {pk: r[3] for pk, r in nodes.items() if r[3] is not None}
    missing = [pk for pk in nodes if pk not in out]
    unknown = 0
    for pk in missing:
        near = [out[o] for p in graph.incident.get(pk, []) if (o := graph.other_end(p, pk)) in out]
        if near:
            out[pk] = round(sum(near) / len(near), 2)
        else:
            out[pk] = 0.0
            unknown += 1
    if missing:
        warnings.append(
            f"{len(missing)} nodes without an elevation took their neighbours' mean"
            + (f" ({unknown} had none and are at 0 m)" if unknown else "")
        )
    return out


# --- reads of stored runs -------------------------------------------------------------------
_RUN_FIELDS = (
    "id",
    "created_at",
    "source",
    "engine",
    "hours",
    "options",
    "status",
    "error",
    "duration_s",
    "node_count",
    "pipe_count",
    "reservoir_count",
    "below_count",
    "warnings",
    "counties",
)


def run_summary(run) -> dict:
    """A HydraulicRun as the API gives it (who ran it by username)."""
    out = {f: getattr(run, f) for f in _RUN_FIELDS}
    out["created_at"] = run.created_at.isoformat()
    out["created_by"] = run.created_by.get_username() if run.created_by else None
    return out


def hydraulic_runs(limit: int = 50) -> list[dict]:
    """The latest runs, newest first (one query)."""
    runs = HydraulicRun.objects.select_related("created_by")[:limit]
    return [run_summary(r) for r in runs]


# Per supply zone of the reader's area (the zone a node lies in): junctions judged, below the
# minimum, and the demand delivered (PDA). Junctions of the sources behind a plant are not
# judged. Only the nodes of the reader's area are read (a run's pipe may end across the line).
_ZONES = f"""
SELECT z.code, z.name, count(*), count(*) FILTER (WHERE p.below_minimum),
       sum(p.demand_lps), sum(p.demand_lps * coalesce(p.delivered_share, 1))
FROM network_nodepressure p JOIN layers_pipenode n ON n.id = p.node_id
JOIN layers_supplyzone z ON ST_Intersects(z.geom, n.geom)
WHERE p.run_id = %(run)s AND n.kind <> ALL(%(feeds)s)
  AND {scope_condition("n.county_id")} AND {scope_condition("z.county_id")}
GROUP BY z.code, z.name ORDER BY z.code"""  # noqa: S608 (constants)

_NODES_OF_RUN = f"""
SELECT n.id, n.code, n.kind, n.elevation_m, ST_X(n.geom), ST_Y(n.geom), p.demand_lps,
       p.pressure_steady_m, p.pressure_min_m, p.pressure_mean_m, p.at_hour, p.delivered_share,
       p.below_minimum
FROM network_nodepressure p JOIN layers_pipenode n ON n.id = p.node_id
WHERE p.run_id = %(run)s AND (NOT %(below)s OR p.below_minimum)
  AND {scope_condition("n.county_id")}
ORDER BY p.pressure_min_m, n.code"""  # noqa: S608 (constants)

_NODE_KEYS = (
    "demand_lps",
    "pressure_steady_m",
    "pressure_min_m",
    "pressure_mean_m",
    "at_hour",
    "delivered_share",
    "below_minimum",
)


def run_zones(run_id: int) -> list[dict]:
    """Each supply zone's junctions in the run: count, below the minimum, their share, and the
    share of the zone's demand delivered."""
    with connection.cursor() as cur:
        cur.execute(_ZONES, {"run": run_id, "feeds": list(FEED_KINDS), "scope": scope_param()})
        rows = cur.fetchall()
    return [
        {
            "code": r[0],
            "name": r[1],
            "junctions": r[2],
            "below": r[3],
            "below_share": round(r[3] / r[2], 4) if r[2] else None,
            "demand_delivered_share": round(r[5] / r[4], 4) if r[4] else None,
        }
        for r in rows
    ]


def run_nodes(run_id: int, *, below_only: bool = False, geojson: bool = False) -> list[dict]:
    """The run's junction pressures, lowest first: plain dicts or GeoJSON Point features
    (EPSG:4326) whose properties are the same keys. One query."""
    with connection.cursor() as cur:
        cur.execute(_NODES_OF_RUN, {"run": run_id, "below": below_only, "scope": scope_param()})
        rows = cur.fetchall()
    out = []
    for r in rows:
        props = {"id": r[0], "code": r[1], "kind": r[2], "elevation_m": r[3]}
        props.update(zip(_NODE_KEYS, r[6:], strict=True))
        lon, lat = round(r[4], 7), round(r[5], 7)
        if geojson:
            out.append(
                {
                    "type": "Feature",
                    "id": r[0],
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": props,
                }
            )
        else:
            out.append({**props, "coordinates": [lon, lat]})
    return out


# The latest finished run whose demand was of `year` (options.demand_year) and whose counties
# all lie in the area (a run its own readers can open: a county's verdict never rests on a run
# over several counties, which the county's users cannot see), and per supply zone of the area
# its judged junctions: those with a demand (every junction of an imported run, whose demands
# we do not know), sources and plants excepted; how many stayed at or above `min_m` at their
# lowest; the lowest and where.
_ZONE_PRESSURE = """
WITH area_counties AS (
  SELECT coalesce(array_agg(c.id), '{{}}') AS ids FROM layers_adminarea c
  LEFT JOIN layers_adminarea up ON up.id = c.parent_id
  WHERE c.level = 'county'
    AND (c.id = %(area)s OR c.parent_id = %(area)s OR up.parent_id = %(area)s)),
run AS (
  SELECT r.id, r.created_at, r.source, r.hours FROM network_hydraulicrun r, area_counties a
  WHERE r.status = 'done' AND r.options->>'demand_year' = %(year)s
    AND cardinality(r.counties) > 0 AND r.counties <@ a.ids
  ORDER BY r.created_at DESC, r.id DESC LIMIT 1),
judged AS (
  SELECT p.node_id, p.pressure_min_m, p.demand_lps, p.delivered_share, n.code, n.geom
  FROM run JOIN network_nodepressure p ON p.run_id = run.id
  JOIN layers_pipenode n ON n.id = p.node_id
  WHERE n.kind <> ALL(%(feeds)s) AND (p.demand_lps > 0 OR run.source = 'import'))
SELECT f.id, run.id, run.created_at, run.source, run.hours, count(j.node_id),
       count(j.node_id) FILTER (WHERE j.pressure_min_m >= %(min_m)s),
       min(j.pressure_min_m), (array_agg(j.code ORDER BY j.pressure_min_m, j.code))[1],
       sum(j.demand_lps), sum(j.demand_lps * coalesce(j.delivered_share, 1))
FROM layers_supplyzone f CROSS JOIN run
LEFT JOIN judged j ON ST_Intersects(f.geom, j.geom)
WHERE {in_area}
GROUP BY f.id, run.id, run.created_at, run.source, run.hours"""


def demand_year() -> int | None:
    """The year a run's demand comes from: the latest year of public-network consumption in
    the reader's area (the export's demand and month factors read it), None without
    consumption."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT extract(year FROM max(c.month))::int FROM layers_consumption c "  # noqa: S608 (constants)
            "JOIN layers_wateruser u ON u.id = c.user_id WHERE u.source = 'public_network' "
            f"AND {scope_condition('u.county_id')}",
            {"scope": scope_param()},
        )
        row = cur.fetchone()
    return row[0] if row else None


def zone_service_pressure(area_id: int, year: int, min_m: float) -> dict[int, dict]:
    """Supply zone id → the latest finished hydraulic run of `year`'s demand, as judged
    against the minimum service pressure `min_m` (m of water head): run (id, at ISO time,
    source, hours), `judged` junctions (with a demand; sources and plants excepted), `ok`
    (lowest pressure over the run >= min_m), `lowest_m` and `lowest_code`, `demand_lps` and
    `delivered_lps` (PDA). {} when no finished run has that year's demand. One query."""
    sql = _ZONE_PRESSURE.format(in_area=IN_AREA)
    with connection.cursor() as cur:
        cur.execute(
            sql, {"area": area_id, "year": str(year), "min_m": min_m, "feeds": list(FEED_KINDS)}
        )
        rows = cur.fetchall()
    return {
        r[0]: {
            "run_id": r[1],
            "run_at": r[2].isoformat(),
            "run_source": r[3],
            "run_hours": r[4],
            "judged": r[5],
            "ok": r[6],
            "lowest_m": None if r[7] is None else round(r[7], 2),
            "lowest_code": r[8],
            "demand_lps": None if r[9] is None else round(r[9], 3),
            "delivered_lps": None if r[10] is None else round(r[10], 3),
        }
        for r in rows
    }
