"""A second county beside Lianzhou (阳山县): a county profile and a lean generator for it.

The profile holds what differs between counties: code, name, real outline, real town names,
people and economy, supply zones, irrigation districts and the planted failures. The layers
are made by the same building blocks as Lianzhou's (`demo.towns.build_towns`, `noisy_blob`,
the CJJ 92 balance solved backwards, `write_gpkg` / `write_csv`) and use the same code
patterns (SZ01, ID01, ...), so the two counties' codes overlap: codes are unique within a
county, not across counties.

What it writes (lean, not Lianzhou's whole set): towns, supply zones and their water balance,
irrigation districts and their records, and the area statistics (county and towns), whose
abstractions add up the records: surface = districts' gross withdrawal + self-supplied
surface use; public supply = the zones' system input + the works' own use. No pipes, users,
sewage plants, water-function zones, registers or rasters: the lines that need them are
"no data" in its scorecard. Every figure is invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from demo.budget import WORKS_OWN_USE, _days
from demo.common import (
    SOURCE_NOTE,
    YEARS,
    Progress,
    fmt,
    largest_polygon,
    load_outline,
    lonlat_to_xy,
    no_progress,
    noisy_blob,
    rng_for,
    to_lonlat,
    write_csv,
    write_gpkg,
)
from demo.records import (
    AREA_STATS_HEADER,
    BALANCE_HEADER,
    IRRIGATION_HEADER,
    r2_for_a,
    r3_for_pressure,
)
from demo.towns import TownSpec, build_towns

DATA = Path(__file__).resolve().parents[1] / "data"
CITY_CODE, CITY_NAME = "441800", "清远市"
CITY_BOUNDARY = DATA / "qingyuan_boundary.geojson"


@dataclass(frozen=True)
class ZoneSpec:
    """A supply zone of the second county (the balance is solved to r_bl per year)."""

    code: str
    name: str
    company: str
    town_code: str
    radius_m: float
    system_input_m3: float  # first year; +2.5 % a year
    coverage: float  # share of the town's people on it
    lpd: float
    pressure_mpa: float
    r_bl: tuple[float, float, float]  # designed corrected leakage (%) per year


@dataclass(frozen=True)
class DistrictSpec:
    """An irrigation district: a blob offset from a town seat, and its yearly figures."""

    code: str
    name: str
    town_code: str
    offset_m: tuple[float, float]  # from the town seat (east, north)
    radius_m: float
    size: str
    main_crop: str
    crop_share: float  # effective irrigated area / polygon
    efficient_share: float
    per_mu: tuple[float, float, float]  # gross m3 per 亩
    coefficient: tuple[float, float, float]  # net field / gross
    metered: tuple[float, float, float]  # metered share of the gross withdrawal


@dataclass(frozen=True)
class CountyProfile:
    """What makes a county: identity, outline, towns, people, economy and its water."""

    code: str
    name: str
    boundary: Path
    seed: int
    towns: tuple[TownSpec, ...]
    population: tuple[int, int, int]  # resident population per year of YEARS
    base_population: int  # BASE_YEAR
    gdp_first: float  # 万元 in YEARS[0]; later years follow from the designed declines
    base_gdp: float
    industry_share: float  # industrial value added / GDP
    base_year: int
    # designed declines of use per 10,000 yuan of GDP / of value added against base_year
    gdp_decline: tuple[float, float, float]
    industry_decline: tuple[float, float, float]
    self_surface_m3: float  # self-supplied surface use (industry, farms), first year
    self_groundwater_m3: float
    industrial_use_m3: float  # first year, of the self-supplied and piped use
    cap_factor: tuple[float, float, float]  # county cap / the year's total use
    zones: tuple[ZoneSpec, ...]
    districts: tuple[DistrictSpec, ...]
    failures: dict[str, list[str]]  # rule -> codes (or years) planted to fail


# 阳山县: the 13 towns and township of the county (names real; seats invented, spread over
# the real outline; codes in the 1xx/2xx series like Lianzhou's, unverified against
# the statistical division codes). Shares are invented, ordered roughly by size.
YANGSHAN_TOWNS: tuple[TownSpec, ...] = (
    TownSpec("441823100", "阳城镇", "阳城", (112.636, 24.468), 0.30, 0.42),
    TownSpec("441823101", "七拱镇", "七拱", (112.555, 24.560), 0.07, 0.06),
    TownSpec("441823102", "太平镇", "太平", (112.745, 24.420), 0.06, 0.05),
    TownSpec("441823103", "杜步镇", "杜步", (112.740, 24.340), 0.06, 0.05),
    TownSpec("441823104", "江英镇", "江英", (112.470, 24.620), 0.05, 0.04),
    TownSpec("441823105", "杨梅镇", "杨梅", (112.430, 24.520), 0.06, 0.04),
    TownSpec("441823106", "青莲镇", "青莲", (112.620, 24.330), 0.08, 0.08),
    TownSpec("441823107", "黄坌镇", "黄坌", (112.520, 24.390), 0.06, 0.04),
    TownSpec("441823108", "小江镇", "小江", (112.530, 24.150), 0.06, 0.05),
    TownSpec("441823109", "岭背镇", "岭背", (112.900, 24.520), 0.06, 0.05),
    TownSpec("441823110", "黎埠镇", "黎埠", (112.740, 24.780), 0.06, 0.06),
    TownSpec("441823111", "大崀镇", "大崀", (112.720, 24.660), 0.05, 0.04),
    TownSpec("441823200", "秤架瑶族乡", "秤架", (112.880, 24.820), 0.03, 0.02),
)

YANGSHAN = CountyProfile(
    code="441823",
    name="阳山县",
    boundary=DATA / "yangshan_boundary.geojson",
    seed=441823,
    towns=YANGSHAN_TOWNS,
    population=(402_300, 400_100, 398_600),
    base_population=408_500,
    gdp_first=1_582_000.0,
    base_gdp=1_396_000.0,
    industry_share=0.21,
    base_year=2020,
    gdp_decline=(0.17, 0.18, 0.20),
    industry_decline=(0.17, 0.19, 0.22),
    self_surface_m3=9_500_000.0,
    self_groundwater_m3=3_800_000.0,
    industrial_use_m3=8_600_000.0,
    # 2025's use exceeds its cap: the county fails the prerequisite that year
    cap_factor=(1.05, 1.04, 0.97),
    zones=(
        ZoneSpec(
            "SZ01",
            "阳山城区供水分区",
            "阳山县供水有限公司(虚构)",
            "441823100",
            3600.0,
            11_800_000.0,
            0.9,
            160.0,
            0.40,
            (12.6, 12.1, 11.4),  # above 10 % every year: planted failure
        ),
        ZoneSpec(
            "SZ02",
            "青莲镇供水分区",
            "青莲镇供水站(虚构)",
            "441823106",
            1700.0,
            1_500_000.0,
            0.65,
            140.0,
            0.32,
            (8.1, 7.7, 7.2),
        ),
    ),
    districts=(
        DistrictSpec(
            "ID01",
            "黎埠灌区",
            "441823110",
            (2500.0, -2500.0),
            3200.0,
            "medium",
            "rice",
            0.40,
            0.12,
            (560.0, 552.0, 545.0),
            (0.552, 0.556, 0.561),
            (0.85, 0.86, 0.87),  # below 90 % metered: planted failure
        ),
        DistrictSpec(
            "ID02",
            "青莲灌区",
            "441823106",
            (-3000.0, 2500.0),
            2800.0,
            "medium",
            "rice",
            0.38,
            0.10,
            (600.0, 590.0, 584.0),
            (0.501, 0.508, 0.516),  # below 0.535: planted failure
            (0.94, 0.95, 0.95),
        ),
        DistrictSpec(
            "ID03",
            "杜步灌区",
            "441823103",
            (2500.0, 2500.0),
            2000.0,
            "small",
            "vegetables",
            0.20,
            0.40,
            (300.0, 296.0, 292.0),
            (0.60, 0.605, 0.61),
            (0.97, 0.97, 0.98),
        ),
    ),
    failures={
        "supply.leakage": ["SZ01"],
        "irrigation.coefficient": ["ID02"],
        "irrigation.metering": ["ID01"],
        "county.total_use_vs_cap": ["2025"],
    },
)
PROFILES = {YANGSHAN.code: YANGSHAN}

_ZONE_TOWN_MARGIN_M = 250.0
MU_PER_M2 = 1.0 / 666.6667


def town_populations(p: CountyProfile, k: int) -> list[int]:
    """Each town's people in YEARS[k]: shares of the county; the seat takes the remainder."""
    pops = [round(p.population[k] * t.pop_share) for t in p.towns]
    pops[0] += p.population[k] - sum(pops)
    return pops


def _shares(total: float, p: CountyProfile) -> list[float]:
    """total split by the towns' GDP shares (0.1), the seat takes the rounding remainder."""
    parts = [round(total * t.gdp_share, 1) for t in p.towns]
    parts[0] = round(parts[0] + total - sum(parts), 1)
    return parts


def generate_county(p: CountyProfile, out_dir: Path, *, progress: Progress | None = None) -> dict:
    """Write the second county's layers and records into out_dir; returns its manifest."""
    report = progress or no_progress
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report(f"{p.code} towns", 0, 3)
    outline = load_outline(p.boundary)
    outside = [t.name for t in p.towns if not outline.contains(shapely.Point(t.seat))]
    if outside:
        raise ValueError(f"town seats outside {p.name}'s outline: {outside}")
    towns = build_towns(outline, p.seed, p.towns)
    write_gpkg(
        out_dir / "towns.gpkg",
        [t.geom for t in towns],
        {
            "code": np.array([t.code for t in towns], dtype=object),
            "name": np.array([t.spec.name for t in towns], dtype=object),
            "parent_code": np.array([p.code] * len(towns), dtype=object),
        },
        "MultiPolygon",
    )
    by_code = {t.code: t for t in towns}
    seat_m = {t.code: lonlat_to_xy(np.array([t.spec.seat]))[0] for t in towns}

    report(f"{p.code} supply zones", 1, 3)
    zone_geoms = []
    for i, z in enumerate(p.zones):
        blob = noisy_blob(seat_m[z.town_code], z.radius_m, rng_for(p.seed, "supply-zone", i))
        inside = by_code[z.town_code].geom_m.buffer(-_ZONE_TOWN_MARGIN_M)
        zone_geoms.append(to_lonlat(largest_polygon(blob.intersection(inside))))
    write_gpkg(
        out_dir / "supply-zones.gpkg",
        zone_geoms,
        {
            "code": np.array([z.code for z in p.zones], dtype=object),
            "name": np.array([z.name for z in p.zones], dtype=object),
            "company": np.array([z.company for z in p.zones], dtype=object),
        },
        "Polygon",
    )
    taken = shapely.union_all([shapely.buffer(g, 0) for g in zone_geoms])
    district_geoms, effective = [], {}
    for i, d in enumerate(p.districts):
        x, y = seat_m[d.town_code]
        blob = noisy_blob(
            (x + d.offset_m[0], y + d.offset_m[1]), d.radius_m, rng_for(p.seed, "district", i)
        )
        geom = largest_polygon(to_lonlat(blob).intersection(outline).difference(taken))
        district_geoms.append(geom)
        area_m2 = shapely.area(shapely.transform(geom, lonlat_to_xy))
        effective[d.code] = round(area_m2 * MU_PER_M2 * d.crop_share)
    write_gpkg(
        out_dir / "irrigation-districts.gpkg",
        district_geoms,
        {
            "code": np.array([d.code for d in p.districts], dtype=object),
            "name": np.array([d.name for d in p.districts], dtype=object),
            "size": np.array([d.size for d in p.districts], dtype=object),
            "effective_area_mu": np.array([effective[d.code] for d in p.districts], dtype=float),
            "efficient_area_mu": np.array(
                [round(effective[d.code] * d.efficient_share) for d in p.districts], dtype=float
            ),
            "main_crop": np.array([d.main_crop for d in p.districts], dtype=object),
        },
        "Polygon",
    )

    report(f"{p.code} records", 2, 3)
    balance = balance_rows(p)
    write_csv(out_dir / "water-balance.csv", BALANCE_HEADER, balance)
    irrigation = irrigation_rows(p, effective)
    write_csv(out_dir / "irrigation-records.csv", IRRIGATION_HEADER, irrigation)
    county = county_figures(p, balance, irrigation)
    stats = area_stats_rows(p, county)
    write_csv(out_dir / "area-stats.csv", AREA_STATS_HEADER, stats)
    manifest = {
        "county": p.code,
        "name": p.name,
        "seed": p.seed,
        "years": list(YEARS),
        "source": SOURCE_NOTE,
        "planted_failures": p.failures,
        "county_figures": {str(y): county[y] for y in (p.base_year, *YEARS)},
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    report(f"{p.code} records", 3, 3)
    return manifest


def balance_rows(p: CountyProfile) -> list[list[str]]:
    """Yearly water balance per zone, solved backwards (CJJ 92-2016 §4) so the corrected
    leakage R_BL hits the zone's designed value. The county has no pipe layer, so the length
    of DN75+ pipes is 0 km and R2 is its clamp, -3 (the engine reads the same 0 km)."""
    rows = []
    for zi, z in enumerate(p.zones):
        rng = rng_for(p.seed, "balance", zi)
        ti = next(i for i, t in enumerate(p.towns) if t.code == z.town_code)
        for k, year in enumerate(YEARS):
            qs = round(z.system_input_m3 * (1 + 0.025 * k) * rng.uniform(0.98, 1.02))
            pressure = round(z.pressure_mpa + rng.uniform(-0.01, 0.01), 2)
            frost = round(rng.uniform(0.0, 0.08), 2)
            homes = town_populations(p, k)[ti] * z.coverage * z.lpd * _days(year) / 1000
            household = round(homes * rng.uniform(0.85, 0.95))
            r1 = 8.0 * household / qs
            r_wl = z.r_bl[k] + r1 + r2_for_a(0.0) + r3_for_pressure(pressure)
            authorised = round(qs * (1 - r_wl / 100))
            unbilled = round(qs * rng.uniform(0.008, 0.018))
            rows.append(
                [
                    z.code,
                    str(year),
                    str(qs),
                    str(authorised - unbilled),
                    str(unbilled),
                    str(household),
                    f"{pressure:.2f}",
                    f"{frost:.2f}",
                ]
            )
    return rows


def irrigation_rows(p: CountyProfile, effective_mu: dict[str, float]) -> list[list[str]]:
    """Yearly district records: irrigated area (some fields fallow), gross, net, metered."""
    rows = []
    for i, d in enumerate(p.districts):
        rng = rng_for(p.seed, "irrigation", i)
        for k, year in enumerate(YEARS):
            area = round(effective_mu[d.code] * rng.uniform(0.88, 0.96))
            gross = round(area * d.per_mu[k])
            rows.append(
                [
                    d.code,
                    str(year),
                    str(gross),
                    str(round(gross * d.coefficient[k])),
                    str(area),
                    str(round(gross * d.metered[k])),
                ]
            )
    return rows


def county_figures(
    p: CountyProfile, balance: list[list[str]], irrigation: list[list[str]]
) -> dict[int, dict[str, float]]:
    """The county's abstractions by source and industrial use per year (m3, whole), adding up
    the records, and the base year's, so that use per 10,000 yuan of GDP and of industrial
    value added fall by the profile's designed declines."""
    out: dict[int, dict[str, float]] = {}
    for k, year in enumerate(YEARS):
        rng = rng_for(p.seed, "works-own-use", k)
        gross = sum(float(r[2]) for r in irrigation if r[1] == str(year))
        system_input = sum(float(r[2]) for r in balance if r[1] == str(year))
        out[year] = {
            "abstraction_surface_m3": round(gross + p.self_surface_m3 * 0.99**k),
            "abstraction_groundwater_m3": round(p.self_groundwater_m3 * 0.99**k),
            "abstraction_public_supply_m3": round(system_input * (1 + rng.uniform(*WORKS_OWN_USE))),
            "abstraction_nonconventional_m3": 0,
            "industrial_use_m3": round(p.industrial_use_m3 * 1.01**k),
        }
    first = out[YEARS[0]]
    total0 = sum(v for key, v in first.items() if key.startswith("abstraction_"))
    iva0 = p.gdp_first * p.industry_share
    base_total = total0 / p.gdp_first / (1 - p.gdp_decline[0]) * p.base_gdp
    base_iva = p.base_gdp * p.industry_share
    scale = base_total / total0
    base = {key: round(v * scale) for key, v in first.items() if key.startswith("abstraction_")}
    base["industrial_use_m3"] = round(
        first["industrial_use_m3"] / iva0 / (1 - p.industry_decline[0]) * base_iva
    )
    out[p.base_year] = base
    return out


def total_use(row: dict[str, float]) -> float:
    """Σ abstractions by source (m3)."""
    return sum(v for key, v in row.items() if key.startswith("abstraction_"))


def economy(p: CountyProfile, county: dict[int, dict[str, float]]) -> dict[int, tuple]:
    """GDP and industrial value added (万元) per year: the first year's from the profile, the
    later years' derived so the declines against the base year are the designed ones."""
    base = county[p.base_year]
    base_iva = round(p.base_gdp * p.industry_share, 1)
    out = {p.base_year: (p.base_gdp, base_iva)}
    g0 = total_use(base) / p.base_gdp
    i0 = base["industrial_use_m3"] / base_iva
    for k, year in enumerate(YEARS):
        gdp = round(total_use(county[year]) / (g0 * (1 - p.gdp_decline[k])), 1)
        iva = round(county[year]["industrial_use_m3"] / (i0 * (1 - p.industry_decline[k])), 1)
        out[year] = (gdp, iva)
    return out


def area_stats_rows(p: CountyProfile, county: dict[int, dict[str, float]]) -> list[list[str]]:
    """The base-year county row, then per year the county row and its towns' rows (people,
    GDP and value added of the towns add up to the county's exactly)."""
    columns = AREA_STATS_HEADER[6:]
    econ = economy(p, county)
    base = county[p.base_year]
    rows = [
        [
            p.code,
            str(p.base_year),
            str(p.base_population),
            f"{econ[p.base_year][0]:.1f}",
            f"{econ[p.base_year][1]:.1f}",
            "",
            *(fmt(base[c], 0) for c in columns),
        ]
    ]
    for k, year in enumerate(YEARS):
        gdp, iva = econ[year]
        cap = float(
            (np.ceil if p.cap_factor[k] > 1 else np.floor)(
                total_use(county[year]) * p.cap_factor[k] / 10_000
            )
            * 10_000
        )
        rows.append(
            [
                p.code,
                str(year),
                str(p.population[k]),
                f"{gdp:.1f}",
                f"{iva:.1f}",
                fmt(cap, 0),
                *(fmt(county[year][c], 0) for c in columns),
            ]
        )
        pops = town_populations(p, k)
        for j, (town, g, v) in enumerate(
            zip(p.towns, _shares(gdp, p), _shares(iva, p), strict=True)
        ):
            rows.append([town.code, str(year), str(pops[j]), f"{g:.1f}", f"{v:.1f}", "", *[""] * 5])
    return rows
