"""The demo network on the terrain: the intake on high ground, streets within the plant's head.

Pure numpy/shapely (no Django). A zone's plant feeds its network by gravity from its outlet
pressure (the head the hydraulic export gives it: plant elevation + mean outlet pressure), so
the intake is put where the zone's edge is highest, and streets on ground the head cannot serve
with the minimum service pressure plus a margin are not laid — except in the planted hilltop
village of VILLAGE_ZONE, whose junctions stay below the minimum (the service-pressure verdict's
planted failure, demo/manifest.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import LineString

Elevation = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x, y) metres -> m

M_PER_MPA = 101.97  # as network.hydraulics.selectors
MIN_SERVICE_M = 14.28  # 0.14 MPa (supply.service_pressure)
# Streets keep this much pressure above the minimum at zero demand: head loss at the design flow
# and the terrain raster's sampling (100 m cells) stay inside it.
HEAD_MARGIN_M = 12.0
VILLAGE_ZONE = 4  # SZ05 西岸镇: a hilltop village above its plant's reach
VILLAGE_RADIUS_M = 500.0
VILLAGE_DEPTH_M = 10.0  # the village's junctions lie at least this far below the minimum
SERVED_QUANTILE = 0.97  # the plant is put high enough to serve this share of the streets
VILLAGE_QUANTILE = 0.8  # ... but in the village's zone, whose hill is above its reach
PLANT_INWARD_M = 150.0  # the plant's distance from the intake (demo.network CHAIN_STEP_M)


def intake_angles(
    seat: np.ndarray, ring: LineString, angle0: float, elevation: Elevation, target_m: float
) -> list[tuple[float, float]]:
    """The 12 directions the intake may take from the seat, best first: [(angle, elevation of
    the edge point)]. Best: the lowest edge point at or above target_m (the plant's head then
    serves the streets without more pressure than needed), then the highest below it."""
    out = []
    for attempt in range(12):
        a = angle0 + attempt * math.pi / 6
        ray = LineString([seat, seat + 50_000.0 * np.array([math.cos(a), math.sin(a)])])
        pts = shapely.get_coordinates(ray.intersection(ring))
        if not len(pts):
            continue
        p = pts[np.argmin(np.hypot(*(pts - seat).T))]
        # the plant stands up to one chain step (150 m) inward: the lower of the two counts
        inward = p + (seat - p) * min(1.0, PLANT_INWARD_M / max(np.hypot(*(seat - p)), 1.0))
        both = elevation(np.array([p[0], inward[0]]), np.array([p[1], inward[1]]))
        out.append((a, float(both.min())))
    return sorted(out, key=lambda t: (t[1] < target_m, abs(t[1] - target_m)))


def served_nodes(
    xy: np.ndarray,
    head_m: float,
    elevation: Elevation,
    seat: np.ndarray,
    village: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, in_village) per node: nodes whose static pressure (head - elevation) is at least
    the minimum plus HEAD_MARGIN_M; with `village`, also the nodes within VILLAGE_RADIUS_M of
    the too-high node nearest the seat (the hilltop village, kept on purpose)."""
    z = elevation(xy[:, 0], xy[:, 1])
    static = head_m - z
    kept = static >= MIN_SERVICE_M + HEAD_MARGIN_M
    in_village = np.zeros(len(xy), dtype=bool)
    high = np.flatnonzero(static < MIN_SERVICE_M - VILLAGE_DEPTH_M)
    if village and len(high):
        centre = xy[high[np.argmin(np.hypot(*(xy[high] - seat).T))]]
        in_village = (np.hypot(*(xy - centre).T) <= VILLAGE_RADIUS_M) & ~kept
    return kept | in_village, in_village
