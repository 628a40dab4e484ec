"""Street-grid geometry of the demo network: jittered grids, bridges, bends, components."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

JITTER = 0.1  # node jitter as a fraction of the spacing: blocks stay convex, edges never cross
STREET_WARP = (80.0, 2400.0)  # street curvature amplitude/wavelength (m); gradient ~0.2
BEND = 0.03  # lateral offset of interior vertices as a fraction of the segment length
WATER_CLEARANCE_M = 15.0  # streets keep off the river zone by a bank's width
BRIDGE_MAX_COS = 0.6  # a main street may bridge a river when it crosses at > ~53 degrees


def segment_lines(
    node_xy: np.ndarray, seg_nodes: np.ndarray, inner: np.ndarray, ninner: np.ndarray
) -> np.ndarray:
    """Vectorised LineStrings: start node, 0-2 interior vertices, end node (exact node coords)."""
    m = len(seg_nodes)
    counts = 2 + ninner
    offs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    coords = np.empty((int(counts.sum()), 2))
    coords[offs] = node_xy[seg_nodes[:, 0]]
    coords[offs + counts - 1] = node_xy[seg_nodes[:, 1]]
    for k in (0, 1):
        has = ninner > k
        coords[offs[has] + 1 + k] = inner[has, k]
    return shapely.linestrings(coords, indices=np.repeat(np.arange(m), counts))


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member index) of each of n nodes; edges u-v.

    Hooking plus pointer jumping on numpy arrays: a few dozen passes even for 10^6 nodes.
    """
    lab = np.arange(n)
    while True:
        lu, lv = lab[u], lab[v]
        if (lu == lv).all():
            return lab
        m = np.minimum(lu, lv)
        np.minimum.at(lab, lu, m)
        np.minimum.at(lab, lv, m)
        while True:
            nxt = lab[lab]
            if (nxt == lab).all():
                break
            lab = nxt


def bend(
    xy_a: np.ndarray, xy_b: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """0-2 interior vertices per segment, offset sideways by <= BEND x length."""
    m = len(xy_a)
    ninner = rng.choice(3, size=m, p=(0.5, 0.35, 0.15))
    d = xy_b - xy_a
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    off = rng.uniform(-BEND, BEND, size=(m, 2))
    t = np.where(ninner[:, None] == 1, [0.5, 0.5], [1 / 3, 2 / 3])
    inner = xy_a[:, None, :] + t[:, :, None] * d[:, None, :] + off[:, :, None] * normal[:, None, :]
    inner[ninner == 0] = np.nan
    inner[ninner == 1, 1] = np.nan
    return inner, ninner


def street_grid(
    core: BaseGeometry,
    seat: np.ndarray,
    spacing: float,
    rng: np.random.Generator,
    main_every: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Jittered, rotated, gently curved street grid clipped to core (metres).

    Returns node xy (n, 2); the (i, j) grid of node indices (-1 = outside core); edges (m, 2)
    between grid neighbours; and an is-main flag per edge (every main_every-th grid line).
    """
    verts = shapely.get_coordinates(core)
    n = int(math.ceil(np.hypot(*(verts - seat).T).max() / spacing)) + 2
    ii, jj = np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1), indexing="ij")
    theta = rng.uniform(0, math.pi / 2)
    c, s = math.cos(theta), math.sin(theta)
    gx, gy = ii.ravel() * spacing, jj.ravel() * spacing
    xy = np.column_stack([seat[0] + c * gx - s * gy, seat[1] + s * gx + c * gy])
    amp, wave = STREET_WARP
    k = 2 * math.pi / wave
    ph = rng.uniform(0, 2 * math.pi, size=2)
    xy[:, 0] += amp * np.sin(k * xy[:, 1] + ph[0])
    xy[:, 1] += amp * np.sin(k * xy[:, 0] + ph[1])
    xy += rng.uniform(-JITTER, JITTER, size=xy.shape) * spacing
    side = 2 * n + 1
    inside = shapely.contains_xy(core, xy[:, 0], xy[:, 1]).reshape(side, side)
    local = np.full((side, side), -1)
    local[inside] = np.arange(int(inside.sum()))
    edges, main = [], []
    for di, dj in ((1, 0), (0, 1)):
        a = local[: side - di, : side - dj]
        b = local[di:, dj:]
        ok = (a >= 0) & (b >= 0)
        edges.append(np.column_stack([a[ok], b[ok]]))
        # horizontal edges lie on a row of constant j; vertical on a column of constant i
        line_index = (jj if di else ii)[: side - di, : side - dj][ok]
        main.append(line_index % main_every == 0)
    return xy[inside.ravel()], local, np.vstack(edges), np.concatenate(main)


def river_filter(
    xy: np.ndarray,
    edges: np.ndarray,
    is_main: np.ndarray,
    wet_area: BaseGeometry,
    rivers: list[LineString],
) -> np.ndarray:
    """Mask of edges to keep: none in the water except main streets that cross it squarely
    (bridges); bridge stubs left hanging in the water are pruned."""
    if wet_area.is_empty:
        return np.ones(len(edges), dtype=bool)
    shapely.prepare(wet_area)
    straight = shapely.linestrings(
        xy[edges].reshape(-1, 2), indices=np.repeat(np.arange(len(edges)), 2)
    )
    wet = shapely.intersects(straight, wet_area)
    keep = ~wet
    for k in np.flatnonzero(wet & is_main):
        a, b = xy[edges[k, 0]], xy[edges[k, 1]]
        mid = Point((a + b) / 2)
        river = min(rivers, key=mid.distance)
        at = river.project(mid)  # local river direction over +-30 m (a channel's width)
        p0, p1 = river.interpolate(max(0.0, at - 30.0)), river.interpolate(at + 30.0)
        tangent = np.array([p1.x - p0.x, p1.y - p0.y])
        cos = abs(tangent @ (b - a)) / (np.hypot(*tangent) * np.hypot(*(b - a)))
        keep[k] = cos < BRIDGE_MAX_COS
    node_wet = shapely.contains_xy(wet_area, xy[:, 0], xy[:, 1])
    for _ in range(6):  # prune dead ends that stop in the water
        deg = np.bincount(edges[keep].ravel(), minlength=len(xy))
        dangling = ((deg[edges[:, 0]] == 1) & node_wet[edges[:, 0]]) | (
            (deg[edges[:, 1]] == 1) & node_wet[edges[:, 1]]
        )
        if not (keep & dangling).any():
            break
        keep &= ~dangling
    return keep
