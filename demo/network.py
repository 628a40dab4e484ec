"""Synthetic street-like water-supply network (nodes and pipe segments) inside the supply zones."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from demo.common import rng_for, xy_to_lonlat
from demo.network_terrain import (
    HEAD_MARGIN_M,
    M_PER_MPA,
    MIN_SERVICE_M,
    SERVED_QUANTILE,
    VILLAGE_QUANTILE,
    VILLAGE_ZONE,
    Elevation,
    intake_angles,
    served_nodes,
)
from demo.pipe_attributes import (
    BLOCK,
    CHAIN,
    DIAG,
    DIST,
    DUP,
    MAIN,
    STUB,
    materials,
    node_kinds,
    pipe_attributes,
)
from demo.pipe_sizing import MAIN_WEIGHT, node_demand, size_pipes, tree_flows
from demo.streets import (
    WATER_CLEARANCE_M,
    bend,
    components,
    river_filter,
    segment_lines,
    street_grid,
)
from demo.towns import SupplyZone

NOMINAL_SEGMENTS = 20_000  # segments at scale 1 (the brief)
# Segments per grid node: 2 street edges per node, ~8% removed, ~0.3 service stubs per cell,
# minus the grid's ragged edge and the streets rivers take. Calibrated on the default seed
# (the count lands within a few % of the target).
SEGMENTS_PER_NODE = 2.0
MAX_SPACING_M = 110.0  # keeps a jittered cell's diagonal (~1.7 x spacing) under 200 m
MIN_LEN_M, MAX_LEN_M = 20.0, 200.0  # segment length range asked for
# Above scale ~12 the streets get closer than 25 m; the count still follows the scale, so the
# shortest allowed segment shrinks with the spacing there (0.8 x spacing).
DENSE_SPACING_M = 25.0
REMOVE_SHARE = 0.08  # share of minor street edges left out: irregular blocks, dead ends
STUB_SHARE = 0.3  # share of blocks with a service stub (a cul-de-sac ending in an end cap)
CORE_MARGIN_M = 300.0  # streets keep this far inside the zone: room for the intake main
SOURCE_MARGIN_M = 80.0  # the intake sits this far inside the zone edge
MAIN_STREET_M = {False: 950.0, True: 700.0}  # main streets this far apart (town, urban core)
CHAIN_STEP_M = 150.0  # transmission main split every <= 150 m (a node per pipe length)


# Which zone (by index in SUPPLY_ZONES) carries which deliberate network-check problem.
PROBLEM_ROLES: dict[int, dict[str, int]] = {
    0: {"crossings": 1, "orphans": 1, "dangling": 1, "duplicates": 1},
    1: {"block": 1},
    2: {"crossings": 1, "dangling": 1},
    3: {"orphans": 1, "duplicates": 1},
    4: {"dangling": 1, "orphans": 1},
}


@dataclass(frozen=True)
class Demand:
    """Public-network users (metres, EPSG:4546), their relative use, each zone's demand (L/s)."""

    xy: np.ndarray
    weight: np.ndarray
    zone_lps: np.ndarray


@dataclass
class Network:
    """Nodes and segments in metres; segments reference nodes by index."""

    node_xy: np.ndarray  # (n, 2) EPSG:4546
    node_kind: np.ndarray  # (n,) str
    seg_nodes: np.ndarray  # (m, 2) start/end node index
    seg_inner: np.ndarray  # (m, 2, 2) interior vertices (metres); rows past seg_ninner unused
    seg_ninner: np.ndarray  # (m,) 0..2
    seg_class: np.ndarray  # (m,) CHAIN..DUP
    seg_zone: np.ndarray  # (m,) supply-zone index
    diameter_mm: np.ndarray
    material: np.ndarray
    install_year: np.ndarray
    status: np.ndarray
    problems: dict[str, list] = field(default_factory=dict)  # node/segment indices
    # With demand and terrain (build_network): each node's demand (L/s, the pipes were sized
    # to it) and ground elevation (m), for the manifest's service-pressure check.
    node_demand: np.ndarray = field(default_factory=lambda: np.zeros(0))
    node_z: np.ndarray = field(default_factory=lambda: np.zeros(0))


def lonlat_lines(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """(pipe LineStrings, node Points) in lon/lat; pipe ends reuse the node coordinates."""
    node_ll = xy_to_lonlat(net.node_xy)
    inner = np.nan_to_num(net.seg_inner.reshape(-1, 2))
    inner_ll = xy_to_lonlat(inner).reshape(-1, 2, 2)
    lines = segment_lines(node_ll, net.seg_nodes, inner_ll, net.seg_ninner)
    return lines, shapely.points(node_ll)


@dataclass
class _Part:
    """One zone's network before concatenation (local indices)."""

    xy: list[np.ndarray] = field(default_factory=list)
    kind: dict[int, str] = field(default_factory=dict)
    edges: list[np.ndarray] = field(default_factory=list)
    classes: list[np.ndarray] = field(default_factory=list)
    inner: list[np.ndarray] = field(default_factory=list)
    ninner: list[np.ndarray] = field(default_factory=list)
    problems: dict[str, list] = field(default_factory=dict)
    entry: int = -1  # the street node the transmission main feeds

    def n_nodes(self) -> int:
        return sum(len(a) for a in self.xy)

    def add_nodes(self, xy: np.ndarray) -> np.ndarray:
        start = self.n_nodes()
        self.xy.append(np.asarray(xy, dtype=float).reshape(-1, 2))
        return np.arange(start, start + len(self.xy[-1]))

    def add_edges(
        self,
        edges: np.ndarray,
        cls: int | np.ndarray,
        inner: np.ndarray | None,
        ninner: np.ndarray | None,
    ) -> np.ndarray:
        start = sum(len(e) for e in self.edges)
        m = len(edges)
        self.edges.append(np.asarray(edges, dtype=np.int64).reshape(-1, 2))
        self.classes.append(np.broadcast_to(np.asarray(cls), (m,)).astype(np.int8))
        self.inner.append(np.full((m, 2, 2), np.nan) if inner is None else inner)
        self.ninner.append(np.zeros(m, dtype=np.int64) if ninner is None else ninner)
        return np.arange(start, start + m)


def _zone_part(
    zone: SupplyZone,
    zi: int,
    spacing: float,
    core_factor: float,
    seed: int,
    scale_key: int,
    water_m: BaseGeometry,
    rivers: list[LineString],
    elevation: Elevation | None = None,
) -> _Part:
    """Build one zone's network, with the deliberate problems of PROBLEM_ROLES[zi].

    water_m (metres) is kept free of pipes except bridges; rivers give the bridges' angle.
    """
    rng = rng_for(seed, "network", zi, scale_key)
    roles = PROBLEM_ROLES.get(zi, {})
    seat = np.array(zone.seat_m)
    core = zone.geom_m.buffer(-max(CORE_MARGIN_M, 2.5 * spacing))
    if core_factor < 1.0:
        core = affinity.scale(core, core_factor, core_factor, origin=Point(seat)).intersection(core)
    # Main streets (the mains, >= DN150) every ~MAIN_STREET_M whatever the street spacing,
    # so the length of pipe >= DN75 (CJJ 92's A) does not grow with the scale.
    main_every = max(2, round(MAIN_STREET_M[zone.spec.density > 1] / spacing))
    xy, local, edges, is_main = street_grid(core, seat, spacing, rng, main_every)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    min_len = MIN_LEN_M if spacing >= DENSE_SPACING_M else 0.8 * spacing
    keep = (length >= min_len) & (length <= MAX_LEN_M)
    keep &= is_main | (rng.random(len(edges)) >= REMOVE_SHARE)
    edges, is_main = edges[keep], is_main[keep]
    wet_area = water_m.intersection(zone.geom_m).buffer(WATER_CLEARANCE_M)
    keep = river_filter(xy, edges, is_main, wet_area, rivers)
    edges, is_main = edges[keep], is_main[keep]
    node_wet = (
        shapely.contains_xy(wet_area, xy[:, 0], xy[:, 1])
        if not wet_area.is_empty
        else np.zeros(len(xy), dtype=bool)
    )
    src_angle = rng.uniform(0, 2 * math.pi)
    src_dir = np.array([math.cos(src_angle), math.sin(src_angle)])

    # A small disconnected estate: a 3x3 block of nodes on the far side from the intake,
    # every link to the rest cut.
    in_block = np.zeros(len(xy), dtype=bool)
    if roles.get("block"):
        side = local.shape[0]
        full = np.ones((side - 2, side - 2), dtype=bool)
        for di in range(3):
            for dj in range(3):
                nb = local[di : side - 2 + di, dj : side - 2 + dj]
                full &= (nb >= 0) & ~node_wet[np.maximum(nb, 0)]
        centres = local[1:-1, 1:-1][full]
        best = centres[np.argmax((xy[centres] - seat) @ -src_dir)]
        bi, bj = (int(v[0]) for v in np.nonzero(local == best))
        in_block[local[bi - 1 : bi + 2, bj - 1 : bj + 2].ravel()] = True
        cut = in_block[edges[:, 0]] != in_block[edges[:, 1]]
        edges, is_main = edges[~cut], is_main[~cut]

    # Streets the plant's head cannot serve are not laid (but the planted hilltop village).
    angles = [src_angle + k * math.pi / 6 for k in range(12)]
    in_village = np.zeros(len(xy), dtype=bool)
    if elevation is not None:
        ring = zone.geom_m.buffer(-SOURCE_MARGIN_M).exterior
        outlet_m = (zone.spec.pressure_mpa - 0.01) * M_PER_MPA  # the balance's, at the least
        quantile = VILLAGE_QUANTILE if zi == VILLAGE_ZONE else SERVED_QUANTILE
        street_z = np.quantile(elevation(xy[:, 0], xy[:, 1]), quantile)
        target = street_z + MIN_SERVICE_M + HEAD_MARGIN_M - outlet_m
        ranked = intake_angles(seat, ring, src_angle, elevation, target)
        angles = [a for a, _z in ranked]
        head = ranked[0][1] + outlet_m
        served, in_village = served_nodes(xy, head, elevation, seat, zi == VILLAGE_ZONE)
        served |= in_block
        ok = served[edges[:, 0]] & served[edges[:, 1]]
        edges, is_main = edges[ok], is_main[ok]

    # Keep the largest component and the block; drop stray bits the removals cut off.
    lab = components(len(xy), edges[:, 0], edges[:, 1])
    lab_sizes = np.bincount(lab[edges[:, 0]], minlength=len(xy))
    if in_block.any():
        lab_sizes[lab[in_block]] = 0
    main_lab = int(np.argmax(lab_sizes))
    alive = (lab == main_lab) | in_block
    alive &= np.bincount(edges.ravel(), minlength=len(xy)) > 0
    new_id = np.full(len(xy), -1)
    new_id[alive] = np.arange(int(alive.sum()))
    edge_ok = alive[edges[:, 0]] & alive[edges[:, 1]]
    edges, is_main = new_id[edges[edge_ok]], is_main[edge_ok]
    local = np.where(local >= 0, new_id[np.maximum(local, 0)], -1)
    xy, in_block, node_wet = xy[alive], in_block[alive], node_wet[alive]
    in_village = in_village[alive]

    part = _Part()
    part.add_nodes(xy)
    grid_inner, grid_ninner = bend(xy[edges[:, 0]], xy[edges[:, 1]], rng)
    block_edge = in_block[edges[:, 0]]
    cls = np.where(block_edge, BLOCK, np.where(is_main, MAIN, DIST))
    grid_ids = part.add_edges(edges, cls, grid_inner, grid_ninner)
    part.problems["disconnected"] = [grid_ids[block_edge].tolist()] if block_edge.any() else []

    # Blocks (cells) with all four corners kept, outside the estate.
    corners = np.stack([local[:-1, :-1], local[1:, :-1], local[1:, 1:], local[:-1, 1:]], -1)
    corners = corners[(corners >= 0).all(-1)]
    corners = corners[~(in_block[corners] | node_wet[corners]).any(-1)]
    if not wet_area.is_empty:  # a block the river cuts through gets no stub or orphan
        cell_centre = xy[corners].mean(axis=1)
        dry = ~shapely.intersects(shapely.polygons(xy[corners]), wet_area)
        corners = corners[dry & ~shapely.contains_xy(wet_area, *cell_centre.T)]
    order = rng.permutation(len(corners))
    n_cross, n_orphan = roles.get("crossings", 0), roles.get("orphans", 0)
    cross_cells = corners[order[:n_cross]]
    orphan_cells = corners[order[n_cross : n_cross + n_orphan]]
    free_cells = corners[order[n_cross + n_orphan :]]

    # Service stubs: from one corner towards the block's centre; one per block at most.
    # Past the centre a stub is still inside its block up to ~2x dist; 1.6x leaves room.
    stub_cells = free_cells[rng.random(len(free_cells)) < STUB_SHARE]
    corner_k = rng.integers(0, 4, size=len(stub_cells))
    start = stub_cells[np.arange(len(stub_cells)), corner_k]
    centre = xy[stub_cells].mean(axis=1)
    vec = centre - xy[start]
    dist = np.hypot(*vec.T)
    floor = min_len + 1.0  # a metre of slack for float noise after reprojection
    stub_len = np.clip(0.6 * dist, floor, 1.6 * dist)
    long_enough = stub_len >= floor
    start, vec, dist, stub_len = (
        start[long_enough],
        vec[long_enough],
        dist[long_enough],
        stub_len[long_enough],
    )
    tips = xy[start] + vec * (stub_len / dist)[:, None]
    tip_ids = part.add_nodes(tips)
    s_inner, s_ninner = bend(xy[start], tips, rng)
    part.add_edges(np.column_stack([start, tip_ids]), STUB, s_inner, s_ninner)

    # Two pipes that cross without a node: both diagonals of a block, straight.
    crossings = []
    for cell in cross_cells:
        ids = part.add_edges(np.array([[cell[0], cell[2]], [cell[1], cell[3]]]), DIAG, None, None)
        crossings.append(ids.tolist())
    part.problems["crossings"] = crossings
    # Nodes with no pipe: in the middle of a block.
    orphan_ids = part.add_nodes(xy[orphan_cells].mean(axis=1)) if len(orphan_cells) else []
    part.problems["orphans"] = list(map(int, orphan_ids))
    for nid in part.problems["orphans"]:
        part.kind[nid] = "hydrant"

    part.problems["village"] = np.flatnonzero(in_village).tolist()
    _add_intake(part, zone, seat, angles, in_block)

    # Dangling ends that are not end caps: some stub tips recorded as plain junctions.
    n_dangle = roles.get("dangling", 0)
    part.problems["dangling"] = [int(t) for t in rng.choice(tip_ids, n_dangle, replace=False)]
    for nid in part.problems["dangling"]:
        part.kind[nid] = "junction"
    # Duplicate segments: a minor street pipe digitised twice.
    dist_ids = grid_ids[cls == DIST]
    dup_of = rng.choice(dist_ids, roles.get("duplicates", 0), replace=False)
    part.problems["duplicates"] = [[int(d), -1] for d in dup_of]  # copies appended at the end
    return part


def _add_intake(
    part: _Part,
    zone: SupplyZone,
    seat: np.ndarray,
    angles: list[float],
    in_block: np.ndarray,
) -> None:
    """Source -> plant -> transmission main to the nearest street node it can reach cleanly,
    trying the directions `angles` in turn."""
    xy_all = np.vstack(part.xy)
    edges = np.vstack(part.edges)
    lines = segment_lines(xy_all, edges, np.vstack(part.inner), np.concatenate(part.ninner))
    tree = shapely.STRtree(lines)
    ring = zone.geom_m.buffer(-SOURCE_MARGIN_M)
    deg = np.bincount(edges.ravel(), minlength=len(xy_all))
    n_grid = len(in_block)  # grid nodes come first; stub tips and orphans after
    candidates = np.flatnonzero((deg[:n_grid] > 0) & ~in_block)
    for a in angles:  # try other directions if the first finds no clean route
        ray = LineString([seat, seat + 50_000.0 * np.array([math.cos(a), math.sin(a)])])
        hit = ray.intersection(ring.exterior)
        pts = shapely.get_coordinates(hit)
        source = pts[np.argmin(np.hypot(*(pts - seat).T))]
        near = candidates[np.argsort(np.hypot(*(xy_all[candidates] - source).T))[:40]]
        for node in near:
            route = LineString([source, xy_all[node]])
            if not zone.geom_m.contains(route):
                continue
            hits = tree.query(route, predicate="intersects")
            touching = shapely.intersection(lines[hits], route)
            if all(g.equals(Point(xy_all[node])) for g in touching):
                _chain(part, source, int(node), xy_all[node])
                return
    raise RuntimeError(f"no clean intake route in zone {zone.code}")


def _chain(part: _Part, source: np.ndarray, entry: int, entry_xy: np.ndarray) -> None:
    length = float(np.hypot(*(entry_xy - source)))
    n = max(2, math.ceil(length / CHAIN_STEP_M))
    t = np.arange(n) / n
    ids = part.add_nodes(source + t[:, None] * (entry_xy - source))
    part.kind[int(ids[0])] = "source"
    part.kind[int(ids[1])] = "plant"
    part.kind[entry] = "meter"  # the zone's inlet (DMA) meter
    part.entry = entry
    seq = np.append(ids, entry)
    part.add_edges(np.column_stack([seq[:-1], seq[1:]]), CHAIN, None, None)


def build_network(
    zones: list[SupplyZone],
    scale: float,
    seed: int,
    water_m: BaseGeometry | None = None,
    rivers: list[LineString] | None = None,
    demand: Demand | None = None,
    elevation: Elevation | None = None,
) -> Network:
    """About NOMINAL_SEGMENTS x scale segments over the supply zones (metres).

    demand: where the public-network users are and how much they take; the pipes are then
    sized to the flow they carry (demo.pipe_sizing), else they keep the drawn diameters.
    elevation: the terrain (m at EPSG:4546 points); the intakes then go on high ground and
    streets stay within their plant's head (demo.network_terrain), else anywhere.

    water_m: rivers and reservoirs (metres) the streets avoid except on bridges.

    Street spacing follows from the zones' core areas and the target count; when the spacing
    would exceed MAX_SPACING_M (small scales) the street area shrinks around the seat instead.
    """
    target = NOMINAL_SEGMENTS * scale
    density = np.array([z.spec.density for z in zones])
    areas = np.array([z.geom_m.buffer(-CORE_MARGIN_M).area for z in zones])
    spacing = math.sqrt(SEGMENTS_PER_NODE * float((areas * density**2).sum()) / target)
    core_factor = min(1.0, MAX_SPACING_M / spacing)
    spacing = min(spacing, MAX_SPACING_M)
    scale_key = int(round(scale * 1000))  # different scales draw different streets
    water_m = Polygon() if water_m is None else water_m
    parts = [
        _zone_part(
            z,
            i,
            spacing / z.spec.density,
            core_factor,
            seed,
            scale_key,
            water_m,
            rivers or [],
            elevation,
        )
        for i, z in enumerate(zones)
    ]

    xy, edges, cls, inner, ninner, zone_of = [], [], [], [], [], []
    preset: dict[int, str] = {}
    problems: dict[str, list] = {
        k: [] for k in ("dangling", "disconnected", "duplicates", "crossings", "orphans", "village")
    }
    node_off = seg_off = 0
    dup_src, entry_xy = [], []
    for zi, part in enumerate(parts):
        n_nodes, e = part.n_nodes(), np.vstack(part.edges)
        xy.append(np.vstack(part.xy))
        edges.append(e + node_off)
        cls.append(np.concatenate(part.classes))
        inner.append(np.concatenate(part.inner))
        ninner.append(np.concatenate(part.ninner))
        zone_of.append(np.full(len(e), zi))
        preset.update({k + node_off: v for k, v in part.kind.items()})
        problems["dangling"] += [i + node_off for i in part.problems["dangling"]]
        problems["orphans"] += [i + node_off for i in part.problems["orphans"]]
        problems["village"] += [i + node_off for i in part.problems["village"]]
        for key in ("disconnected", "crossings"):
            problems[key] += [[i + seg_off for i in g] for g in part.problems[key]]
        dup_src += [g[0] + seg_off for g in part.problems["duplicates"]]
        entry_xy.append(xy[-1][part.entry])
        node_off += n_nodes
        seg_off += len(e)
    seg_nodes = np.vstack(edges)
    dup_src_arr = np.array(dup_src, dtype=np.int64)
    m = len(seg_nodes)
    problems["duplicates"] = [[int(s), m + k] for k, s in enumerate(dup_src)]
    seg_class = np.concatenate(cls + [np.full(len(dup_src_arr), DUP, dtype=np.int8)])
    net = Network(
        node_xy=np.vstack(xy),
        node_kind=np.empty(0, dtype=object),
        seg_nodes=np.vstack([seg_nodes, seg_nodes[dup_src_arr]]),
        seg_inner=np.concatenate(inner + [np.concatenate(inner)[dup_src_arr]]),
        seg_ninner=np.concatenate(ninner + [np.concatenate(ninner)[dup_src_arr]]),
        seg_class=seg_class,
        seg_zone=np.concatenate(zone_of + [np.concatenate(zone_of)[dup_src_arr]]),
        diameter_mm=np.empty(0),
        material=np.empty(0),
        install_year=np.empty(0),
        status=np.empty(0),
        problems=problems,
    )
    rng = rng_for(seed, "network-attributes", scale_key)
    seats = np.array([z.seat_m for z in zones])
    seg_mid = net.node_xy[net.seg_nodes].mean(axis=1)
    reach = np.hypot(*(seg_mid - seats[net.seg_zone]).T)
    streets = net.seg_class != CHAIN  # the intake main reaches beyond the streets
    radius = np.array([reach[streets & (net.seg_zone == zi)].max() for zi in range(len(zones))])
    attrs = pipe_attributes(
        net.seg_class, net.seg_zone, seg_mid, seats, radius, np.array(entry_xy), density > 1, rng
    )
    for name, arr in attrs.items():
        arr[m:] = arr[dup_src_arr]  # a duplicate is the same pipe digitised twice
        setattr(net, name, arr)
    _keep_connected(net)
    if elevation is not None:
        net.node_z = elevation(net.node_xy[:, 0], net.node_xy[:, 1])
    if demand is not None:
        _size_to_demand(net, preset, demand, dup_src_arr, rng)
    net.node_kind = node_kinds(
        len(net.node_xy), net.seg_nodes, preset, rng, net.diameter_mm, net.status == "in_service"
    )
    return net


def _size_to_demand(
    net: Network,
    preset: dict[int, str],
    demand: Demand,
    dup_src: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Diameters from the flow each pipe carries from its zone's plant (demo.pipe_sizing); a
    resized pipe's material follows its new diameter; a duplicate stays its original's copy."""
    lines = segment_lines(net.node_xy, net.seg_nodes, np.nan_to_num(net.seg_inner), net.seg_ninner)
    in_service = net.status == "in_service"
    n = len(net.node_xy)
    at_node = node_demand(
        n, net.seg_nodes, lines, in_service, net.seg_zone, demand.xy, demand.weight, demand.zone_lps
    )
    net.node_demand = at_node
    feeds = np.array(sorted(k for k, v in preset.items() if v == "plant"))
    cls = net.seg_class
    trunk = (cls == MAIN) | (cls == CHAIN)
    length = shapely.length(lines)
    flows = tree_flows(
        n, net.seg_nodes, length, np.where(trunk, MAIN_WEIGHT, 1.0), in_service, feeds, at_node
    )
    floor = np.select([cls == CHAIN, cls == MAIN, cls == DIAG], [300, 150, 100], 0)
    dn = size_pipes(flows, floor, net.diameter_mm)
    m = len(dn) - len(dup_src)
    dn[m:] = dn[dup_src]
    changed = dn != net.diameter_mm
    material = materials(dn, net.install_year, rng)
    net.material[changed] = material[changed]
    net.material[net.status == "planned"] = "PE"
    net.diameter_mm = dn


def _keep_connected(net: Network) -> None:
    """Put back in service the abandoned pipes whose absence would cut a piece of street off
    its zone's network: only the planted estate may be disconnected."""
    planted = {i for part in net.problems["disconnected"] for i in part}
    n = len(net.node_xy)
    for _ in range(50):  # each pass reconnects at least one piece; a few suffice
        live = net.status != "abandoned"
        lab = components(n, net.seg_nodes[live, 0], net.seg_nodes[live, 1])
        seg_lab = lab[net.seg_nodes[:, 0]]
        stray = set()
        for zi in np.unique(net.seg_zone):
            mine = live & (net.seg_zone == zi)
            counts = np.bincount(seg_lab[mine], minlength=n)
            main = int(np.argmax(counts))
            pieces = set(seg_lab[mine].tolist()) - {main}
            pieces -= {int(seg_lab[i]) for i in planted if net.seg_zone[i] == zi}
            stray |= pieces
        if not stray:
            return
        touching = ~live & (
            np.isin(lab[net.seg_nodes[:, 0]], list(stray))
            | np.isin(lab[net.seg_nodes[:, 1]], list(stray))
        )
        net.status[touching] = "in_service"
    raise RuntimeError("could not keep the demo network connected")
