"""Major roads of the demo: real route names through Lianzhou on synthetic alignments that link
the demo's town seats (demo.towns) and stay inside the county outline.

The route names and numbers are the real ones where public sources confirm them (G55 二广高速
with its 丰阳, 东陂 and 西岸 exits; S1 广连高速 with its 龙坪, 西江 and 星子 exits, ending at
大路边 on the Hunan border; G4W2 许广高速, the 清连 section, reaching 连州; 国道G323). The
county roads are generic (县道X8xx, invented numbers). Every alignment is invented: a road runs
from town seat to town seat (exactly through each seat), bending gently between them, and ends
a little inside the county boundary where it leaves the county. G107 is not here: it ends on
the 阳山 side of the county line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon

from demo.common import lonlat_to_xy, rng_for, to_lonlat, to_metric
from demo.towns import TOWNS


@dataclass(frozen=True)
class Edge:
    """Where a road leaves the county: from the neighbouring seat on a compass bearing
    (degrees, 0 = north, 90 = east) to just inside the boundary."""

    bearing: float


@dataclass(frozen=True)
class Via:
    """A bend the road makes between two seats (lon/lat), where a straight leg would cut
    across a bay of the county boundary."""

    lon: float
    lat: float


@dataclass(frozen=True)
class RoadSpec:
    """A road: code, name, grade (layers.models.roads.RoadGrade) and its waypoints in order:
    town codes (the road passes through the town's seat), bends (Via) or an Edge at either
    end."""

    code: str
    name: str
    grade: str
    waypoints: tuple[str | Via | Edge, ...]


def _town(short: str) -> str:
    return next(t.code for t in TOWNS if t.short == short)


ROADS: tuple[RoadSpec, ...] = (
    RoadSpec(
        "G55",
        "二广高速",
        "expressway",
        (Edge(350), _town("东陂"), _town("丰阳"), Via(112.28, 24.94), _town("西岸"), Edge(215)),
    ),
    RoadSpec(
        "S1",
        "广连高速",
        "expressway",
        (Edge(175), _town("龙坪"), _town("西江"), _town("星子"), _town("大路边"), Edge(0)),
    ),
    RoadSpec("G4W2", "许广高速", "expressway", (Edge(200), _town("连州"))),
    RoadSpec(
        "G323",
        "国道G323",
        "national",
        (Edge(95), _town("保安"), _town("九陂"), _town("连州"), _town("西岸"), Edge(265)),
    ),
    RoadSpec("X801", "县道X801", "county", (_town("连州"), _town("龙坪"))),
    RoadSpec(
        "X802", "县道X802", "county", (_town("连州"), _town("西江"), _town("三水"), _town("东陂"))
    ),
    RoadSpec("X803", "县道X803", "county", (_town("星子"), _town("瑶安"))),
)

# Where a road leaves the county it stops short of the boundary, searched in steps of this
# length: every road keeps half of it (150 m) inside, and ends within two of it (600 m) of the
# boundary. An import accepts lines inside the county only.
EDGE_INSET_M = 300.0
_STEP_M = 250.0  # vertex spacing of the generated lines
# A leg between two waypoints bends sideways by up to this share of its length (a smooth
# bump, zero at both ends, so the road still passes exactly through each seat).
_BEND_SHARE = 0.06
_BEND_MAX_M = 1500.0


@dataclass
class Road:
    """A generated road: its spec, the lon/lat line and the same line in EPSG:4546 metres."""

    spec: RoadSpec
    geom: LineString  # lon/lat
    geom_m: LineString  # EPSG:4546


def _point_m(waypoint: str | Via) -> np.ndarray:
    """A town's seat or a bend, in EPSG:4546 metres."""
    if isinstance(waypoint, Via):
        lonlat = (waypoint.lon, waypoint.lat)
    else:
        lonlat = next(t.seat for t in TOWNS if t.code == waypoint)
    return lonlat_to_xy(np.array([lonlat]))[0]


def _edge_point(start_m: np.ndarray, bearing: float, inside) -> np.ndarray:
    """The last point of the ray from start_m (a compass bearing) that `inside` still
    accepts the straight way to, in steps of EDGE_INSET_M: the road ends there, just short
    of the county boundary."""
    rad = math.radians(bearing)
    direction = np.array([math.sin(rad), math.cos(rad)])
    reach = 0.0
    while inside(LineString([start_m, start_m + direction * (reach + EDGE_INSET_M)])):
        reach += EDGE_INSET_M
        if reach > 100_000:
            raise RuntimeError(f"no county boundary on bearing {bearing}")
    if reach < 2 * _STEP_M:
        raise RuntimeError(f"the county boundary is too near on bearing {bearing}")
    return start_m + direction * reach


def _leg(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, inside) -> np.ndarray:
    """Vertices from a to b (both kept exactly), bent by a smooth bump that stays inside.

    The bump's size is drawn once; if the bent leg would leave the county it is halved until
    it fits (a straight leg is the last resort, checked by the caller)."""
    length = float(np.hypot(*(b - a)))
    n = max(2, int(math.ceil(length / _STEP_M)) + 1)
    t = np.linspace(0.0, 1.0, n)
    base = a + np.outer(t, b - a)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / length
    amp = min(_BEND_SHARE * length, _BEND_MAX_M) * rng.uniform(-1.0, 1.0)
    wiggle = rng.uniform(-0.35, 0.35)
    shape = np.sin(math.pi * t) + wiggle * np.sin(2 * math.pi * t)
    for _attempt in range(6):
        pts = base + np.outer(amp * shape, normal)
        if inside(LineString(pts)):
            return pts
        amp /= 2
    return base


def build_roads(outline: MultiPolygon, seed: int) -> list[Road]:
    """The demo's major roads (ROADS) as lines through their towns' seats.

    Deterministic for a seed. Raises RuntimeError when a road cannot stay inside the outline
    (a waypoint list that crosses a bay of the boundary is a bug of ROADS, not bad luck).
    """
    outline_m = to_metric(outline)
    inner = outline_m.buffer(-EDGE_INSET_M / 2)  # every road keeps this far from the boundary
    shapely.prepare(inner)

    def inside(line: LineString) -> bool:
        return inner.covers(line)

    roads = []
    for spec in ROADS:
        rng = rng_for(seed, f"roads-{spec.code}")
        points: list[np.ndarray] = []
        for i, w in enumerate(spec.waypoints):
            if isinstance(w, Edge):
                neighbour = spec.waypoints[i + 1] if i == 0 else spec.waypoints[i - 1]
                points.append(_edge_point(_point_m(neighbour), w.bearing, inside))
            else:
                points.append(_point_m(w))
        legs = [_leg(a, b, rng, inside) for a, b in zip(points[:-1], points[1:], strict=True)]
        coords = np.vstack([legs[0], *(leg[1:] for leg in legs[1:])])
        line_m = LineString(coords)
        if not inside(line_m):
            raise RuntimeError(f"road {spec.code} leaves the county outline")
        # 1e-7 degree (~1 cm): the seats come back exactly as the towns' specs give them
        line = LineString(np.round(shapely.get_coordinates(to_lonlat(line_m)), 7))
        roads.append(Road(spec, line, line_m))
    return roads
