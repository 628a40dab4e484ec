"""Synthetic rivers, water-function zones (rivers and reservoirs) and irrigation districts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import substring

from demo.common import (
    chaikin,
    largest_polygon,
    lonlat_to_xy,
    noisy_blob,
    rng_for,
    smooth_warp,
    to_lonlat,
)

# Control points (lon/lat) of an invented dendritic pattern: 连江 runs from the north through
# the county seat and leaves to the south-east; the tributaries end on it (snapped below).
RIVER_CONTROL: dict[str, list[tuple[float, float]]] = {
    "连江": [
        (112.455, 25.13),
        (112.44, 25.07),
        (112.41, 25.02),
        (112.38, 24.96),
        (112.36, 24.90),
        (112.37, 24.84),
        (112.385, 24.79),
        (112.42, 24.752),
        (112.47, 24.728),
        (112.53, 24.716),
        (112.58, 24.726),
        (112.66, 24.748),
    ],
    "星子河": [
        (112.72, 25.06),
        (112.66, 25.03),
        (112.61, 25.0),
        (112.55, 24.97),
        (112.49, 24.935),
        (112.43, 24.905),
        (112.375, 24.88),
    ],
    "保安河": [
        (112.75, 24.94),
        (112.67, 24.90),
        (112.60, 24.87),
        (112.555, 24.835),
        (112.52, 24.785),
        (112.49, 24.735),
    ],
    "东陂河": [
        (112.23, 25.165),
        (112.29, 25.12),
        (112.33, 25.09),
        (112.37, 25.055),
        (112.42, 25.03),
    ],
    "三江河": [
        (112.15, 24.985),
        (112.21, 24.96),
        (112.26, 24.92),
        (112.31, 24.885),
        (112.357, 24.85),
    ],
}
MAIN_RIVER = "连江"
# Rivers stay 400 m inside the outline so their zones (<= 130 m half-width) stay inside too.
_RIVER_MARGIN_M = 400.0
_MEANDER = (120.0, 3000.0)  # smooth warp amplitude/wavelength (m): gentle meanders
_RIVER_STEP_M = 200.0  # vertex spacing before meandering, so the warp bends the line
# District outlines: river bands bent by 500 m over 12 km (vertices every 300 m), like valleys.
_DISTRICT_WARP = (500.0, 12_000.0)
_DISTRICT_STEP_M = 300.0
_PRECISION_M = 0.01  # polygons snapped to a cm grid: valid, compact, stable WKB


@dataclass(frozen=True)
class ZoneSpec:
    """A water-function zone: a stretch of a river (fractions of its length) or a reservoir."""

    code: str
    name: str
    river: str
    water_body: str  # river | lake
    target_class: int  # GB 3838-2002 class I-V stored 1-5
    start: float = 0.0  # fraction along the river (rivers only)
    end: float = 1.0
    on_river_at: float = 0.0  # reservoirs: where the dam's lake sits along `river` (fraction)
    radius_m: float = 0.0


# River zone half-widths: main river 130 m, tributaries 70 m (channel plus banks).
_HALF_WIDTH_M = {MAIN_RIVER: 130.0}
_TRIBUTARY_HALF_WIDTH_M = 70.0

WATER_FUNCTION_ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec("WFZ01", "连江东陂保留区", "连江", "river", 2, 0.0, 0.28),
    ZoneSpec("WFZ02", "连江连州饮用水源区", "连江", "river", 2, 0.28, 0.56),
    ZoneSpec("WFZ03", "连江连州城区景观娱乐用水区", "连江", "river", 3, 0.56, 0.72),
    ZoneSpec("WFZ04", "连江九陂过渡区", "连江", "river", 3, 0.72, 1.0),
    ZoneSpec("WFZ05", "星子河星子保留区", "星子河", "river", 2, 0.0, 0.25),
    ZoneSpec("WFZ06", "星子河星子—西江农业用水区", "星子河", "river", 3, 0.25, 1.0),
    ZoneSpec("WFZ07", "保安河保安农业用水区", "保安河", "river", 3, 0.15, 1.0),
    ZoneSpec("WFZ08", "东陂河东陂饮用水源区", "东陂河", "river", 2, 0.2, 0.4),
    ZoneSpec("WFZ09", "三江河丰阳农业用水区", "三江河", "river", 3),
    # Reservoirs are dammed on a river's upper course: the lake sits on the river line.
    ZoneSpec(
        "WFZ10",
        "潭岭水库饮用水源区",
        "东陂河",
        "lake",
        2,
        on_river_at=0.1,
        radius_m=1300.0,
    ),
    ZoneSpec(
        "WFZ11",
        "龙潭水库农业用水区",
        "保安河",
        "lake",
        3,
        on_river_at=0.12,
        radius_m=1000.0,
    ),
    ZoneSpec("WFZ12", "东陂河东陂—连州农业用水区", "东陂河", "river", 3, 0.4, 1.0),
)


@dataclass(frozen=True)
class DistrictSpec:
    """An irrigation district along a stretch of river, and the figures its records come from."""

    code: str
    name: str
    river: str
    start: float
    end: float
    half_width_m: float
    size: str  # large | medium | small (Chinese classes: >= 30万亩, 1-30万亩, < 1万亩)
    crop_share: float  # effective irrigated area as a share of the polygon
    efficient_share: float  # pipe/sprinkler/drip share of the effective area
    main_crop: str


IRRIGATION_DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec("ID01", "连江灌区", "连江", 0.12, 0.50, 1800.0, "medium", 0.38, 0.15, "rice"),
    DistrictSpec("ID02", "星子河灌区", "星子河", 0.05, 0.65, 1500.0, "medium", 0.35, 0.10, "rice"),
    DistrictSpec(
        "ID03", "保安灌区", "保安河", 0.35, 0.80, 900.0, "small", 0.15, 0.35, "vegetables"
    ),
    DistrictSpec("ID04", "东陂灌区", "东陂河", 0.15, 0.75, 800.0, "small", 0.20, 0.45, "fruit"),
    DistrictSpec("ID05", "九陂灌区", "连江", 0.74, 0.95, 1000.0, "medium", 0.45, 0.20, "rice"),
)
MU_PER_M2 = 1.0 / 666.6667  # 1 亩 = 666.67 m²
# Chinese irrigation-district size classes by effective area (亩).
_SIZE_RANGE_MU = {
    "large": (300_000, 3_000_000),
    "medium": (10_000, 299_000),
    "small": (1_000, 9_900),
}


@dataclass
class WaterLayers:
    """Rivers (metres), water-function zones and irrigation districts (lon/lat + metres)."""

    rivers_m: dict[str, LineString]
    zones: list[tuple[ZoneSpec, Polygon, Polygon]]  # spec, lon/lat, metres
    districts: list[tuple[DistrictSpec, Polygon, Polygon, float, float]]  # + eff, efficient mu


def build_rivers(outline_m: MultiPolygon, seed: int) -> dict[str, LineString]:
    """Smoothed, meandering river lines in metres, clipped inside the outline."""
    inside = outline_m.buffer(-_RIVER_MARGIN_M)
    phase = rng_for(seed, "rivers").uniform(0, 2 * np.pi)
    amp, wave = _MEANDER
    rivers: dict[str, LineString] = {}
    for name, control in RIVER_CONTROL.items():
        pts = chaikin(lonlat_to_xy(np.array(control)), iterations=4)
        pts = smooth_warp(
            shapely.get_coordinates(shapely.segmentize(LineString(pts), _RIVER_STEP_M)),
            amp,
            wave,
            phase,
        )
        line = LineString(pts)
        if name != MAIN_RIVER:  # end exactly on the main river: a confluence
            main = rivers[MAIN_RIVER]
            end = main.interpolate(main.project(Point(pts[-1])))
            line = LineString([*pts[:-1], (end.x, end.y)])
        clipped = line.intersection(inside)
        parts = list(shapely.get_parts(clipped))
        rivers[name] = max(parts, key=lambda g: g.length)
    return rivers


def _stretch(line: LineString, start: float, end: float) -> LineString:
    return substring(line, start, end, normalized=True)


def build_water_layers(outline_m: MultiPolygon, seed: int) -> WaterLayers:
    """Rivers, then zones as flat-capped buffers of river stretches, then districts."""
    rivers = build_rivers(outline_m, seed)
    inside = outline_m.buffer(-_RIVER_MARGIN_M / 2)  # reservoirs and districts: 200 m in
    main_band = rivers[MAIN_RIVER].buffer(_HALF_WIDTH_M[MAIN_RIVER])
    placed: list[Polygon] = []
    zones = []
    for i, spec in enumerate(WATER_FUNCTION_ZONES):
        if spec.water_body == "lake":
            at = rivers[spec.river].interpolate(spec.on_river_at, normalized=True)
            center = np.array([at.x, at.y])
            poly = noisy_blob(center, spec.radius_m, rng_for(seed, "reservoir", i), wobble=0.14)
        else:
            half = _HALF_WIDTH_M.get(spec.river, _TRIBUTARY_HALF_WIDTH_M)
            poly = _stretch(rivers[spec.river], spec.start, spec.end).buffer(half, cap_style="flat")
            if spec.river != MAIN_RIVER:
                poly = poly.difference(main_band)
        if placed:
            poly = poly.difference(shapely.union_all(placed))
        poly = largest_polygon(shapely.set_precision(poly.intersection(inside), _PRECISION_M))
        placed.append(poly)
        zones.append((spec, to_lonlat(poly), poly))

    districts = []
    taken: list[Polygon] = []
    for i, spec in enumerate(IRRIGATION_DISTRICTS):
        band = _stretch(rivers[spec.river], spec.start, spec.end).buffer(spec.half_width_m)
        band = shapely.segmentize(band, _DISTRICT_STEP_M)
        phase = rng_for(seed, "district", i).uniform(0, 2 * np.pi)
        band = Polygon(smooth_warp(np.asarray(band.exterior.coords), *_DISTRICT_WARP, phase))
        if taken:
            band = band.difference(shapely.union_all(taken))
        poly = largest_polygon(shapely.set_precision(band.intersection(inside), _PRECISION_M))
        taken.append(poly)
        lo, hi = _SIZE_RANGE_MU[spec.size]
        effective = float(np.clip(round(poly.area * MU_PER_M2 * spec.crop_share, -1), lo, hi))
        efficient = round(effective * spec.efficient_share, -1)
        districts.append((spec, to_lonlat(poly), poly, effective, efficient))
    return WaterLayers(rivers, zones, districts)
