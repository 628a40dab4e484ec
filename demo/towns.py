"""Synthetic towns (a partition of the real county outline) and supply zones around town seats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from demo.common import (
    largest_polygon,
    lonlat_to_xy,
    noisy_blob,
    rng_for,
    smooth_warp,
    to_lonlat,
    to_metric,
)


@dataclass(frozen=True)
class TownSpec:
    """A town's invented seat and its share of the county's people and economy."""

    code: str
    name: str
    short: str  # used in feature names ("星子镇污水处理厂", "星子宏达纺织厂")
    seat: tuple[float, float]  # lon/lat, synthetic but spread like the real towns
    pop_share: float
    gdp_share: float


# Seats are invented positions spread over the outline; 连州镇 (the county seat) is near
# 112.38E 24.78N as the brief asks. Population and GDP shares are invented (ordered roughly as
# the real towns' sizes) and sum to 1; a town's population is round(county x share), the county
# seat takes the rounding remainder (records.area_stats_rows). Townships (乡) take the 2xx series
# of the county's town-level codes, towns (镇) the 1xx series.
TOWNS: tuple[TownSpec, ...] = (
    TownSpec("441882100", "连州镇", "连州", (112.380, 24.780), 0.405, 0.54),
    TownSpec("441882101", "星子镇", "星子", (112.615, 25.015), 0.092, 0.08),
    TownSpec("441882102", "大路边镇", "大路边", (112.520, 25.110), 0.048, 0.035),
    TownSpec("441882103", "龙坪镇", "龙坪", (112.410, 24.680), 0.052, 0.04),
    TownSpec("441882104", "西岸镇", "西岸", (112.305, 24.875), 0.063, 0.05),
    TownSpec("441882105", "保安镇", "保安", (112.560, 24.860), 0.058, 0.05),
    TownSpec("441882106", "丰阳镇", "丰阳", (112.220, 24.990), 0.046, 0.035),
    TownSpec("441882107", "东陂镇", "东陂", (112.330, 25.100), 0.071, 0.06),
    TownSpec("441882108", "九陂镇", "九陂", (112.520, 24.750), 0.055, 0.04),
    TownSpec("441882109", "西江镇", "西江", (112.440, 24.935), 0.042, 0.03),
    TownSpec("441882200", "瑶安瑶族乡", "瑶安", (112.700, 24.930), 0.027, 0.015),
    TownSpec("441882201", "三水瑶族乡", "三水", (112.400, 25.035), 0.041, 0.025),
)
# Residential use per person per day (L): the people on a public network use lpd of the zone
# (130-180, below GB/T 50331-2002 table 4.0.1 四区 (Guangdong) 150-220 for cities: county
# towns in the northern hills use less); people outside it draw well water at RURAL_LPD.
RURAL_LPD = 115.0

# Town borders: Voronoi edges between seats, densified every 400 m and bent by a smooth
# warp (350 m over 9 km, gradient ~0.24, so borders wiggle like ridge lines but never fold).
_BORDER_STEP_M = 400.0
_BORDER_WARP = (350.0, 9000.0)


@dataclass
class Town:
    """A generated town: its spec and MultiPolygon geometries in lon/lat and metres."""

    spec: TownSpec
    geom: MultiPolygon  # lon/lat
    geom_m: MultiPolygon  # EPSG:4546

    @property
    def code(self) -> str:
        return self.spec.code


def build_towns(
    outline: MultiPolygon, seed: int, specs: tuple[TownSpec, ...] = TOWNS
) -> list[Town]:
    """Partition the (lon/lat) outline into the towns of specs (Lianzhou's 12 by default).

    Voronoi cells of the seats are computed in metres, their shared edges bent by a smooth warp,
    then noded with the outline and polygonised in lon/lat, so neighbours share exact edges and
    the towns tile the outline. Cell pieces cut off by the outline's concavities are merged into
    the neighbour they share the longest border with, so every town is one piece.
    """
    seats_ll = np.array([t.seat for t in specs])
    seats_m = lonlat_to_xy(seats_ll)
    outline_m = to_metric(outline)
    extent = outline_m.envelope.buffer(20_000)
    edges_m = shapely.voronoi_polygons(
        shapely.MultiPoint(seats_m), extend_to=extent, only_edges=True
    )
    edges_m = shapely.segmentize(edges_m, _BORDER_STEP_M)
    phase = rng_for(seed, "town-borders").uniform(0, 2 * np.pi)
    amp, wave = _BORDER_WARP
    edges_m = shapely.transform(edges_m, lambda xy: smooth_warp(xy, amp, wave, phase))
    edges_ll = to_lonlat(edges_m)

    noded = shapely.union_all([edges_ll, outline.boundary])
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        if outline.contains(f.representative_point())
    ]
    owner = np.full(len(faces), -1)
    for i, face in enumerate(faces):
        hits = np.flatnonzero(shapely.contains_xy(face, seats_ll[:, 0], seats_ll[:, 1]))
        if len(hits):
            owner[i] = hits[0]
    while (owner < 0).any():
        changed = False
        for i in np.flatnonzero(owner < 0):
            best, best_len = -1, 0.0
            for j in np.flatnonzero(owner >= 0):
                shared = faces[i].boundary.intersection(faces[j].boundary).length
                if shared > best_len:
                    best, best_len = owner[j], shared
            if best >= 0:
                owner[i], changed = best, True
        if not changed:  # an island touching no assigned face: give it to the nearest seat
            i = int(np.flatnonzero(owner < 0)[0])
            c = faces[i].representative_point()
            owner[i] = int(np.argmin(np.hypot(seats_ll[:, 0] - c.x, seats_ll[:, 1] - c.y)))

    towns: list[Town] = []
    for k, spec in enumerate(specs):
        merged = shapely.union_all([faces[i] for i in np.flatnonzero(owner == k)])
        geom = merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])
        towns.append(Town(spec, geom, to_metric(geom)))
    return towns


# --- supply zones -------------------------------------------------------------------------
@dataclass(frozen=True)
class SupplyZoneSpec:
    """A supply zone (DMA) around a town seat, with the figures its water balance is made from."""

    code: str
    name: str
    company: str
    town_code: str
    radius_m: float
    density: float  # relative street density (urban core denser)
    system_input_m3: float  # 2023 yearly system input, grows a little each year
    coverage: float  # share of the town's people served by this zone
    lpd: float  # their residential use, litres per person per day
    pressure_mpa: float  # mean outlet pressure; bands of CJJ 92 R3
    r_bl_target: tuple[float, float, float]  # designed R_BL per year (2023-2025), % points


URBAN_COMPANY = "连州市供水有限公司(虚构)"
# R_BL targets stay >= 0.7 points off the 10/12 grade limits (the balance hits them to 1e-4):
# 一级 (<= 10 %) is required: SZ01 fails every year (二级 by 2025), SZ03 in 2023-2024,
# SZ04 every year (no grade); SZ02/SZ05/SZ06 are 一级.
SUPPLY_ZONES: tuple[SupplyZoneSpec, ...] = (
    SupplyZoneSpec(
        code="SZ01",
        name="连州城区供水分区",
        company=URBAN_COMPANY,
        town_code="441882100",
        radius_m=4200.0,
        density=1.25,
        system_input_m3=19_800_000.0,
        coverage=0.92,
        lpd=165.0,
        pressure_mpa=0.42,
        r_bl_target=(14.2, 13.4, 11.0),
    ),
    SupplyZoneSpec(
        code="SZ02",
        name="星子镇供水分区",
        company="星子镇供水站(虚构)",
        town_code="441882101",
        radius_m=1900.0,
        density=1.0,
        system_input_m3=2_300_000.0,
        coverage=0.7,
        lpd=150.0,
        pressure_mpa=0.33,
        r_bl_target=(7.8, 7.4, 6.9),
    ),
    SupplyZoneSpec(
        code="SZ03",
        name="保安镇供水分区",
        company="保安镇供水站(虚构)",
        town_code="441882105",
        radius_m=1700.0,
        density=1.0,
        system_input_m3=1_600_000.0,
        coverage=0.65,
        lpd=140.0,
        pressure_mpa=0.38,
        r_bl_target=(10.9, 10.7, 9.2),
    ),
    SupplyZoneSpec(
        code="SZ04",
        name="东陂镇供水分区",
        company="东陂镇供水站(虚构)",
        town_code="441882107",
        radius_m=1700.0,
        density=1.0,
        system_input_m3=1_800_000.0,
        coverage=0.65,
        lpd=145.0,
        pressure_mpa=0.58,
        r_bl_target=(16.1, 15.2, 14.0),
    ),
    SupplyZoneSpec(
        code="SZ05",
        name="西岸镇供水分区",
        company="西岸镇供水站(虚构)",
        town_code="441882104",
        radius_m=1600.0,
        density=1.0,
        system_input_m3=1_500_000.0,
        coverage=0.65,
        lpd=138.0,
        pressure_mpa=0.31,
        r_bl_target=(9.0, 8.6, 8.3),
    ),
    SupplyZoneSpec(
        code="SZ06",
        name="九陂镇供水分区",
        company="九陂镇供水站(虚构)",
        town_code="441882108",
        radius_m=1500.0,
        density=1.0,
        system_input_m3=1_200_000.0,
        coverage=0.65,
        lpd=135.0,
        pressure_mpa=0.39,
        r_bl_target=(6.8, 7.1, 6.6),
    ),
)

# Supply zones keep 250 m inside their town so they never spill over a town border.
_ZONE_TOWN_MARGIN_M = 250.0


@dataclass
class SupplyZone:
    """A generated supply zone: spec, seat and polygons in lon/lat and metres."""

    spec: SupplyZoneSpec
    seat_m: tuple[float, float]
    geom: Polygon  # lon/lat
    geom_m: Polygon  # EPSG:4546

    @property
    def code(self) -> str:
        return self.spec.code


def build_supply_zones(towns: list[Town], seed: int) -> list[SupplyZone]:
    """Irregular blobs around the seats of the towns that have a piped supply."""
    by_code = {t.code: t for t in towns}
    zones = []
    for i, spec in enumerate(SUPPLY_ZONES):
        town = by_code[spec.town_code]
        seat = lonlat_to_xy(np.array([town.spec.seat]))[0]
        blob = noisy_blob(seat, spec.radius_m, rng_for(seed, "supply-zone", i), wobble=0.1)
        geom_m = largest_polygon(blob.intersection(town.geom_m.buffer(-_ZONE_TOWN_MARGIN_M)))
        geom_m = shapely.set_precision(geom_m, 0.01)  # cm grid: short, stable WKB
        zones.append(SupplyZone(spec, (float(seat[0]), float(seat[1])), to_lonlat(geom_m), geom_m))
    return zones
