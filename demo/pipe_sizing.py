"""Size the demo's pipes to the water they carry, and place its valves as a utility does.

Pure numpy/scipy (no Django). The demo network is a street grid with mains every ~700-950 m;
without sizing, most streets carry DN40-50 and the mains are not fed from the inlet (docs/
hydraulics.md, "what the demo shows"). Here:

- every node's demand (L/s) is routed from its zone's plant along a shortest-path tree in which
  a metre of main counts as MAIN_WEIGHT metres (water takes the mains as far as it can, then
  the shortest way through the minor streets), and each pipe gets the smallest diameter of
  DN_SERIES whose velocity at the design flow (demand x PEAK_FACTOR) stays <= DESIGN_VELOCITY;
- a pipe never gets smaller than its class's floor (mains DN150, the intake main DN300) nor
  than the diameter the demo drew for it (minor streets DN40-50, service stubs DN25-40);
- valves (kind "valve", a valve node shuts every pipe meeting there: the n-1 valves of a tee
  in one node) are placed greedily so that every pipe between two junctions (degree >= 2)
  has a valve at one end at least, the higher-degree end first: a burst is then shut off by the
  valves around one junction.

The velocity band follows common Chinese design practice for distribution pipes (0.6-1.2 m/s
economic velocity, e.g. as quoted for GB 50013-2018 §7.1; unverified here).
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

# Nominal diameters (mm) a pipe can be given: PE/PVC below DN100, iron and steel above.
DN_SERIES = (25, 32, 40, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 800)
DESIGN_VELOCITY = 1.0  # m/s at the design flow
# Design flow = mean-day demand x peak month x peak hour (≈ 1.15 x 1.5, docs/hydraulics.md).
PEAK_FACTOR = 1.7
MAIN_WEIGHT = 0.1  # a metre of main "costs" a tenth of a metre of minor street
SERVICE_REACH_M = 300.0  # a user is served by its nearest pipe within this (as the engine)


def dn_for_flow(q_lps: np.ndarray, velocity: float = DESIGN_VELOCITY) -> np.ndarray:
    """The smallest DN_SERIES diameter (mm) carrying q_lps at <= velocity (m/s)."""
    series = np.array(DN_SERIES, dtype=float)
    capacity = np.pi / 4 * (series / 1000.0) ** 2 * velocity * 1000.0  # L/s
    idx = np.searchsorted(capacity, np.asarray(q_lps, dtype=float), side="left")
    return series[np.minimum(idx, len(series) - 1)].astype(np.int64)


def tree_flows(
    n: int,
    seg_nodes: np.ndarray,
    seg_len: np.ndarray,
    weight: np.ndarray,
    usable: np.ndarray,
    feeds: np.ndarray,
    demand_lps: np.ndarray,
) -> np.ndarray:
    """Flow (L/s) each segment carries when every node's demand comes from the nearest feed
    along the weighted shortest-path tree (0 for segments off the tree or not usable)."""
    seg = np.flatnonzero(usable)
    a, b = seg_nodes[seg, 0], seg_nodes[seg, 1]
    w = np.maximum(seg_len[seg] * weight[seg], 1e-3)
    # Parallel pipes (a duplicate): the lightest of a node pair is the tree's.
    order = np.argsort(w)[::-1]  # heaviest first, so the lightest is written last
    pair: dict[tuple[int, int], int] = {}
    for k in order:
        pair[(int(a[k]), int(b[k]))] = int(seg[k])
        pair[(int(b[k]), int(a[k]))] = int(seg[k])
    graph = coo_matrix(
        (
            np.array([seg_len[pair[k]] * weight[pair[k]] for k in pair]).clip(1e-3),
            (np.array([k[0] for k in pair]), np.array([k[1] for k in pair])),
        ),
        shape=(n, n),
    ).tocsr()
    dist, pred, _src = dijkstra(
        graph, directed=False, indices=np.asarray(feeds), min_only=True, return_predecessors=True
    )
    flows = np.zeros(len(seg_nodes))
    cum = np.where(np.isfinite(dist), demand_lps, 0.0).astype(float)
    for v in np.argsort(-np.where(np.isfinite(dist), dist, -1.0)):
        p = pred[v]
        if p < 0 or not np.isfinite(dist[v]):
            continue
        cum[p] += cum[v]
        flows[pair[(int(p), int(v))]] = cum[v]
    return flows


def size_pipes(
    flows_lps: np.ndarray, floor_mm: np.ndarray, drawn_mm: np.ndarray, peak: float = PEAK_FACTOR
) -> np.ndarray:
    """Each segment's DN: for its design flow, never below its class floor or its drawn DN."""
    return np.maximum(np.maximum(dn_for_flow(flows_lps * peak), floor_mm), drawn_mm)


def valve_cover(
    n: int, seg_nodes: np.ndarray, usable: np.ndarray, eligible: np.ndarray, rng
) -> np.ndarray:
    """Nodes to make valves (bool, n): for every usable segment between two nodes of degree
    >= 2, one of its ends at least is a valve (the end of higher degree first, ties at random),
    among `eligible` nodes (others — sources, plants, inlet meters — are never chosen)."""
    live = seg_nodes[usable]
    deg = np.bincount(live.ravel(), minlength=n)
    valve = np.zeros(n, dtype=bool)
    inner = (deg[live[:, 0]] >= 2) & (deg[live[:, 1]] >= 2)
    pairs = live[inner]
    # Visit pipes from the best-connected end: a crossing's valve covers 4 pipes at once.
    score = np.maximum(deg[pairs[:, 0]], deg[pairs[:, 1]]) + rng.random(len(pairs))
    for a, b in pairs[np.argsort(-score)]:
        if valve[a] or valve[b]:
            continue
        first, second = (a, b) if deg[a] >= deg[b] else (b, a)
        if eligible[first]:
            valve[first] = True
        elif eligible[second]:
            valve[second] = True
    return valve


def node_demand(
    n: int,
    seg_nodes: np.ndarray,
    lines_m: np.ndarray,
    usable: np.ndarray,
    seg_zone: np.ndarray,
    user_xy: np.ndarray,
    user_weight: np.ndarray,
    zone_lps: np.ndarray,
    reach_m: float = SERVICE_REACH_M,
) -> np.ndarray:
    """Demand (L/s) at each node: each user is served by its nearest usable pipe within
    reach_m (as network.analysis.selectors.users_served does), its share of its zone's demand
    (weight / the zone's users' weights x zone_lps) split half and half between the pipe's ends.
    """
    usable_ids = np.flatnonzero(usable)
    tree = shapely.STRtree(lines_m[usable_ids])
    pts = shapely.points(user_xy)
    hit_user, hit_line = tree.query_nearest(pts, max_distance=reach_m, all_matches=False)
    seg = usable_ids[hit_line]
    zone = seg_zone[seg]
    weight = user_weight[hit_user].astype(float)
    total = np.bincount(zone, weights=weight, minlength=len(zone_lps))
    lps = weight / np.maximum(total[zone], 1e-9) * zone_lps[zone]
    demand = np.zeros(n)
    np.add.at(demand, seg_nodes[seg, 0], lps / 2)
    np.add.at(demand, seg_nodes[seg, 1], lps / 2)
    return demand
