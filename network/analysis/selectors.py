"""Reads of the network as a water network: its graph, the users each pipe serves, and the
answers of the analysis API (connected parts, burst isolation, traces).

The graph is the in-service pipes between their end nodes (planned and abandoned pipes carry
no water), read afresh on every request: two queries, about 50 ms for the demo's 20,000 pipes,
so an answer is never older than the network. Coordinates are lon/lat (EPSG:4326), lengths
metres on the ellipsoid, demands m³ per day.

Everything is limited to the reader's area (layers/scope.py): the graph holds the pipes of
their counties (and those in no county), the users served are their counties' users. A network
that crosses a county line is analysed as the reader's side of it: a part fed only from across
the line is an isolated part for that county's reader (docs/areas.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from layers.scope import scope_condition, scope_param
from network.analysis.graph import NetworkGraph
from network.models import PipeSegment
from network.services.check import FEED_KINDS
from network.services.rules import NetworkError, NetworkNotFound
from network.services.topology import degrees_covering

# A water user on the public network is served by the nearest in-service pipe within this
# distance (metres on the ellipsoid): a service connection runs across a street or a block,
# not farther. A user farther from every pipe is taken as not fed by the mapped network.
USER_SERVICE_DISTANCE_M = 300.0
# The nearest pipe is the nearest in metres among this many nearest in degrees (the index's
# order): at 25°N a degree of longitude is 0.91 of one of latitude, so the true nearest is
# always among a few.
_KNN_CANDIDATES = 8
DIRECTIONS = ("downstream", "upstream")


@dataclass(frozen=True)
class NetworkData:
    """The graph and what the answers name: pipes (code, length_m), valve and feed nodes
    (code, kind, lon, lat)."""

    graph: NetworkGraph
    pipes: dict[int, tuple[str, float]]
    nodes: dict[int, tuple[str, str, float, float]]

    def pipe_list(self, ids) -> list[dict]:
        return [{"id": i, "code": self.pipes[i][0]} for i in ids]

    def length_m(self, ids) -> float:
        return round(sum(self.pipes[i][1] for i in ids), 1)

    def node_list(self, ids) -> list[dict]:
        out = []
        for i in ids:
            code, kind, lon, lat = self.nodes[i]
            out.append({"id": i, "code": code, "kind": kind, "coordinates": [lon, lat]})
        return out


# The in-service pipes of the area in scope, and the valves and feeds among their end nodes.
_PIPES = f"""
SELECT p.id, p.code, p.start_node_id, p.end_node_id, p.length_m FROM layers_pipesegment p
WHERE p.status = 'in_service' AND p.start_node_id IS NOT NULL AND p.end_node_id IS NOT NULL
  AND {scope_condition("p.county_id")}"""  # noqa: S608 (constants)

_NODES = f"""
SELECT n.id, n.code, n.kind, ST_X(n.geom), ST_Y(n.geom) FROM layers_pipenode n
WHERE n.kind = ANY(%(kinds)s) AND (%(scope)s::bigint[] IS NULL OR n.id IN (
  SELECT unnest(ARRAY[p.start_node_id, p.end_node_id]) FROM layers_pipesegment p
  WHERE {scope_condition("p.county_id")}))"""  # noqa: S608 (constants)


def network_data() -> NetworkData:
    """The in-service pipes of the reader's area as a graph, with the valves and feeds
    (sources, plants) at their ends (one of them may lie across the county line)."""
    scope = scope_param()
    with connection.cursor() as cur:
        cur.execute(_PIPES, {"scope": scope})
        rows = cur.fetchall()
        cur.execute(_NODES, {"kinds": ["valve", *FEED_KINDS], "scope": scope})
        nodes = {r[0]: (r[1], r[2], round(r[3], 7), round(r[4], 7)) for r in cur.fetchall()}
    graph = NetworkGraph(
        [(r[0], r[2], r[3]) for r in rows],
        valves=frozenset(i for i, n in nodes.items() if n[1] == "valve"),
        feeds=frozenset(i for i, n in nodes.items() if n[1] in FEED_KINDS),
    )
    return NetworkData(graph, {r[0]: (r[1], r[4] or 0.0) for r in rows}, nodes)


def pipe_in_graph(data: NetworkData, pipe_id: int) -> dict:
    """The pipe's id and code when it is in the graph (in service). Otherwise NetworkNotFound
    (404) when there is no such pipe, NetworkError (400) when it is abandoned or planned: it
    carries no water, so there is nothing to isolate or trace. A pipe outside the reader's
    area (layers/scope.py) is no such pipe."""
    if not PipeSegment.objects.filter(pk=pipe_id).exists():
        raise NetworkNotFound(
            "not_found", _("No pipe segment %(id)s.") % {"id": pipe_id}, field="pipe"
        )
    if pipe_id in data.pipes:
        return {"id": pipe_id, "code": data.pipes[pipe_id][0]}
    with connection.cursor() as cur:
        cur.execute("SELECT code, status FROM layers_pipesegment WHERE id = %s", [pipe_id])
        row = cur.fetchone()
    if row is None:
        raise NetworkNotFound(
            "not_found", _("No pipe segment %(id)s.") % {"id": pipe_id}, field="pipe"
        )
    if row[1] == "abandoned":
        raise NetworkError(
            "pipe_abandoned",
            _("Pipe %(code)s is abandoned: it carries no water.") % {"code": row[0]},
            field="pipe",
        )
    raise NetworkError(
        "pipe_not_in_service",
        _("Pipe %(code)s is not in service: it carries no water.") % {"code": row[0]},
        field="pipe",
    )


# Each public-network user of the area in scope near the given pipes' box with its serving
# pipe: the nearest in-service pipe of the area within the distance. (Filtering on the pipes is
# left to Python: a set is faster than an array of thousands of ids tested per row.)
_USERS_NEAR = f"""
WITH box AS (
  SELECT ST_Expand(ST_Extent(p.geom)::geometry, %(deg)s) AS b
  FROM layers_pipesegment p JOIN unnest(%(pipes)s::int[]) AS t(id) ON t.id = p.id
)
SELECT u.id, u.code, u.name, u.sector, n.pipe_id, n.distance_m
FROM layers_wateruser u CROSS JOIN box
CROSS JOIN LATERAL (
  SELECT c.id AS pipe_id, ST_Distance(c.geom::geography, u.geom::geography) AS distance_m
  FROM (SELECT p.id, p.geom FROM layers_pipesegment p
        WHERE p.status = 'in_service' AND p.geom && ST_Expand(u.geom, %(deg)s)
          AND {scope_condition("p.county_id")}
        ORDER BY p.geom <-> u.geom LIMIT %(knn)s) c
  ORDER BY 2, 1 LIMIT 1) n
WHERE u.source = 'public_network' AND u.geom && box.b AND n.distance_m <= %(max_m)s
  AND {scope_condition("u.county_id")}
ORDER BY u.code"""  # noqa: S608 (constants)

# A user's demand: the mean daily use over the months recorded in its latest year of
# consumption (m³ per day), with that year.
_DEMAND = """
WITH latest AS (
  SELECT c.user_id, max(date_trunc('year', c.month))::date AS y
  FROM layers_consumption c WHERE c.user_id = ANY(%(users)s) GROUP BY c.user_id
)
SELECT c.user_id, extract(year FROM l.y)::int,
       sum(c.volume_m3) / sum(extract(day FROM date_trunc('month', c.month)
                                      + interval '1 month' - interval '1 day'))
FROM layers_consumption c JOIN latest l ON l.user_id = c.user_id
 AND c.month >= l.y AND c.month < l.y + interval '1 year'
GROUP BY c.user_id, l.y"""


def users_served(pipe_ids) -> list[dict]:
    """Water users on the public network whose nearest in-service pipe (within
    USER_SERVICE_DISTANCE_M) is one of `pipe_ids`, by code: id, code, name, sector, pipe_id,
    distance_m, demand_year and demand_m3_per_day (None: no consumption recorded). Users and
    their serving pipes are those of the reader's area."""
    wanted = set(pipe_ids)
    if not wanted:
        return []
    with connection.cursor() as cur:
        cur.execute(
            _USERS_NEAR,
            {
                "pipes": sorted(wanted),
                "max_m": USER_SERVICE_DISTANCE_M,
                "knn": _KNN_CANDIDATES,
                "deg": degrees_covering(USER_SERVICE_DISTANCE_M),
                "scope": scope_param(),
            },
        )
        rows = [r for r in cur.fetchall() if r[4] in wanted]
        demand: dict[int, tuple[int, float]] = {}
        if rows:
            cur.execute(_DEMAND, {"users": [r[0] for r in rows]})
            demand = {r[0]: (r[1], float(r[2])) for r in cur.fetchall()}
    out = []
    for user_id, code, name, sector, pipe_id, distance_m in rows:
        year, per_day = demand.get(user_id, (None, None))
        out.append(
            {
                "id": user_id,
                "code": code,
                "name": name,
                "sector": sector,
                "pipe_id": pipe_id,
                "distance_m": round(distance_m, 1),
                "demand_year": year,
                "demand_m3_per_day": None if per_day is None else round(per_day, 3),
            }
        )
    return out


def _users_summary(users: list[dict], details: bool) -> dict:
    demand = sum(u["demand_m3_per_day"] or 0.0 for u in users)
    return {
        "count": len(users),
        "demand_m3_per_day": round(demand, 3),
        # Who they are and what they use: only for those who may read the water users.
        "items": users if details else None,
    }


def _lines(groups: dict[str, list[int]]) -> dict[str, dict | None]:
    """Each group of pipes as one GeoJSON MultiLineString (None: no pipe), in one query."""
    names = [name for name, ids in groups.items() if ids]
    out: dict[str, dict | None] = dict.fromkeys(groups)
    if not names:
        return out
    ids = [i for n in names for i in groups[n]]
    labels = [n for n in names for _i in groups[n]]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT g.name, ST_AsGeoJSON(ST_Multi(ST_Collect(p.geom ORDER BY p.id)), 6) "
            "FROM unnest(%(ids)s::int[], %(names)s::text[]) AS g(id, name) "
            "JOIN layers_pipesegment p ON p.id = g.id GROUP BY g.name",
            {"ids": ids, "names": labels},
        )
        for name, geojson in cur.fetchall():
            out[name] = json.loads(geojson)
    return out


def pipe_isolation(pipe_id: int, *, user_details: bool, geometry: bool) -> dict:
    """Isolating a burst on an in-service pipe (NetworkGraph.isolation): the valves to close
    (codes, lon/lat), the sources or plants at the segment's edge, the isolated pipes, the
    pipes left without supply, and the users cut off in each with their demand (m³/day).

    user_details: list the users (else only their count and demand); geometry: add each set of
    pipes as a MultiLineString (EPSG:4326)."""
    data = network_data()
    pipe = pipe_in_graph(data, pipe_id)
    result = data.graph.isolation(pipe_id)
    users = users_served(result.isolated + result.without_supply)
    in_segment = set(result.isolated)
    for user in users:
        user["cut"] = "isolated" if user["pipe_id"] in in_segment else "without_supply"
    answer = {
        "pipe": pipe,
        "valves": data.node_list(result.valves),
        "supply_points": data.node_list(result.feeds),
        "isolated": {
            "count": len(result.isolated),
            "length_m": data.length_m(result.isolated),
            "pipes": data.pipe_list(result.isolated),
        },
        "without_supply": {
            "count": len(result.without_supply),
            "length_m": data.length_m(result.without_supply),
            "pipes": data.pipe_list(result.without_supply),
        },
        "users": _users_summary(users, user_details),
    }
    if geometry:
        answer["geometry"] = _lines(
            {"isolated": list(result.isolated), "without_supply": list(result.without_supply)}
        )
    return answer


def pipe_trace(pipe_id: int, direction: str, *, user_details: bool, geometry: bool) -> dict:
    """A trace from an in-service pipe, valves open (no flow direction is stored):

    downstream: the pipes that would lose their supply if this pipe were taken out, and the
    users on this pipe and on them (cut off with it); upstream: the pipes this pipe depends on,
    whose removal alone would cut it off from every source. `supplied` says whether any source
    reaches the pipe at all (if not, both traces are empty)."""
    if direction not in DIRECTIONS:
        raise NetworkError(
            "direction_invalid",
            _("direction must be downstream or upstream."),
            field="direction",
        )
    data = network_data()
    pipe = pipe_in_graph(data, pipe_id)
    graph = data.graph
    ids = graph.downstream(pipe_id) if direction == "downstream" else graph.upstream(pipe_id)
    supplied = pipe_id in graph.supplied_now
    answer = {
        "pipe": pipe,
        "direction": direction,
        "supplied": supplied,
        "count": len(ids),
        "length_m": data.length_m(ids),
        "pipes": data.pipe_list(ids),
    }
    if direction == "downstream":
        answer["users"] = _users_summary(
            users_served([pipe_id, *ids]) if supplied else [], user_details
        )
    if geometry:
        answer["geometry"] = _lines({"pipes": list(ids)})["pipes"]
    return answer


def network_components(*, isolated_only: bool, geometry: bool = False) -> dict:
    """The network's connected parts (in-service pipes), largest first: for each its sources
    and plants, pipe count, length (m) and bounding box [minlon, minlat, maxlon, maxlat]; the
    parts without a source (isolated: nothing feeds them) list their pipes. `sources`: each
    source or plant with the part it feeds and how many pipes that part has.

    isolated_only: list only the parts without a source (the counts cover all)."""
    data = network_data()
    parts = data.graph.components()
    numbered = list(enumerate(parts, start=1))
    shown = [(n, c) for n, c in numbered if not (isolated_only and c.supplied)]
    boxes = _boxes({n: c.pipes for n, c in shown})
    lines = _lines({str(n): list(c.pipes) for n, c in shown}) if geometry else {}
    items = []
    for n, c in shown:
        item = {
            "id": n,
            "supplied": c.supplied,
            "sources": data.node_list(c.feeds),
            "pipe_count": len(c.pipes),
            "length_m": data.length_m(c.pipes),
            "bbox": boxes.get(n),
            "pipes": None if c.supplied else data.pipe_list(c.pipes),
        }
        if geometry:
            item["geometry"] = lines[str(n)]
        items.append(item)
    feeds_part = {f: (n, len(c.pipes)) for n, c in numbered for f in c.feeds}
    sources = [
        {**node, "component": feeds_part[node["id"]][0], "pipes": feeds_part[node["id"]][1]}
        for node in data.node_list(sorted(feeds_part, key=lambda i: data.nodes[i][0]))
    ]
    return {
        "count": len(parts),
        "supplied": sum(1 for c in parts if c.supplied),
        "isolated": sum(1 for c in parts if not c.supplied),
        "isolated_pipes": sum(len(c.pipes) for c in parts if not c.supplied),
        "sources": sources,
        "components": items,
    }


def _boxes(parts: dict[int, tuple[int, ...]]) -> dict[int, list[float]]:
    """The bounding box of each part's pipes, in one query."""
    ids = [i for pipes in parts.values() for i in pipes]
    if not ids:
        return {}
    labels = [n for n, pipes in parts.items() for _i in pipes]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT u.part, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
            " SELECT u.part, ST_Extent(p.geom) AS e "
            " FROM unnest(%(ids)s::int[], %(parts)s::int[]) AS u(id, part) "
            " JOIN layers_pipesegment p ON p.id = u.id GROUP BY u.part) u",
            {"ids": ids, "parts": labels},
        )
        return {r[0]: [round(v, 7) for v in r[1:]] for r in cur.fetchall()}
