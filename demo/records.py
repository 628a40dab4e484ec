"""Synthetic yearly and monthly records: water quality, water balance, sewage plants, irrigation."""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from demo.budget import (
    BASE_POPULATION,
    BASE_YEAR,
    COUNTY_POPULATION,
    HOUSEHOLD_METERED,
    town_populations,
    zone_residential_m3,
)
from demo.common import COUNTY_CODE, YEARS, fmt, lonlat_to_xy, rng_for, xy_to_lonlat
from demo.towns import SUPPLY_ZONES, TOWNS, Town
from demo.water import IRRIGATION_DISTRICTS, ZoneSpec

# --- water quality (GB 3838-2002 class limits, mg/L; DO is a minimum) ----------------------
GB3838: dict[str, tuple[float, ...]] = {
    "do": (7.5, 6, 5, 3, 2),
    "codmn": (2, 4, 6, 10, 15),
    "cod": (15, 15, 20, 30, 40),
    "bod5": (3, 3, 4, 6, 10),
    "nh3n": (0.15, 0.5, 1.0, 1.5, 2.0),
    "tp_river": (0.02, 0.1, 0.2, 0.3, 0.4),
    "tp_lake": (0.01, 0.025, 0.05, 0.1, 0.2),
    "tn_lake": (0.2, 0.5, 1.0, 1.5, 2.0),
}
QUALITY_HEADER = ("zone_code", "sampled_on", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")
_DIGITS = {"do": 2, "codmn": 2, "cod": 1, "bod5": 2, "nh3n": 3, "tp": 3, "tn": 2}
# Compliant values sit at 35-85% of the target limit (x1.1 dry-season peak stays < 94%);
# deliberate exceedances at 110-170%, so 3-decimal rounding can never flip a verdict.
_GOOD, _BAD = (0.35, 0.85), (1.2, 1.7)
# The failing zone (downstream of the county seat's outfalls): NH3-N above class III in these
# dry-season months; 2023 7/12 and 2024 8/12 compliant (< 80%), 2025 10/12 (recovers).
FAILING_ZONE = "WFZ03"
FAILING_MONTHS = {2023: (1, 2, 3, 11, 12), 2024: (1, 2, 3, 12), 2025: (1, 2)}
MISSING_SAMPLE = ("WFZ09", 2025, 8)  # one month not sampled: frequency uses samples taken


def quality_rows(zones: list[ZoneSpec], seed: int) -> Iterator[list[str]]:
    """Monthly samples per zone; a few single exceedances in otherwise compliant zones."""
    for zi, spec in enumerate(zones):
        rng = rng_for(seed, "quality", zi)
        t = spec.target_class - 1
        lake = spec.water_body == "lake"
        tp_key = "tp_lake" if lake else "tp_river"
        for year in YEARS:
            # at most one random exceedance per compliant zone-year (11/12 = 92% >= 80%)
            stray = int(rng.integers(1, 13)) if rng.random() < 0.3 else 0
            stray_param = str(rng.choice(["codmn", "nh3n", tp_key]))
            for month in range(1, 13):
                day = int(rng.integers(5, 21))
                if (spec.code, year, month) == MISSING_SAMPLE:
                    continue
                dry = 1 + 0.1 * math.cos(2 * math.pi * (month - 1) / 12)  # winter low flow
                v = {
                    p: GB3838[p][t] * rng.uniform(*_GOOD) * dry
                    for p in ("codmn", "cod", "bod5", "nh3n")
                }
                v["tp"] = GB3838[tp_key][t] * rng.uniform(*_GOOD) * dry
                # DO 0.8-2.2 mg/L above the class minimum, below saturation (~9.8 at 10 degC)
                v["do"] = min(GB3838["do"][t] + rng.uniform(0.8, 2.2), 9.8)
                if lake:  # TN is assessed for lakes/reservoirs only
                    v["tn"] = GB3838["tn_lake"][t] * rng.uniform(*_GOOD)
                elif month in (1, 4, 7, 10) and rng.random() < 0.6:
                    v["tn"] = rng.uniform(0.8, 1.9)  # measured on rivers, not assessed
                else:
                    v["tn"] = math.nan
                for p, share in (("bod5", 0.15), ("cod", 0.1), ("tp", 0.05)):
                    if rng.random() < share:
                        v[p] = math.nan
                if spec.code == FAILING_ZONE and month in FAILING_MONTHS[year]:
                    v["nh3n"] = GB3838["nh3n"][t] * rng.uniform(*_BAD)
                elif spec.code != FAILING_ZONE and month == stray:
                    key = "tp" if stray_param == tp_key else stray_param
                    v[key] = GB3838[stray_param][t] * rng.uniform(*_BAD)
                yield [
                    spec.code,
                    f"{year}-{month:02d}-{day:02d}",
                    *(fmt(v[p], _DIGITS[p]) for p in QUALITY_HEADER[2:]),
                ]


# --- water balance (CJJ 92-2016 inputs) -----------------------------------------------------
BALANCE_HEADER = (
    "zone_code",
    "year",
    "system_input_m3",
    "billed_authorized_m3",
    "unbilled_authorized_m3",
    "household_metered_residential_m3",
    "mean_outlet_pressure_mpa",
    "max_frost_depth_m",
)


def r3_for_pressure(p: float) -> float:
    """CJJ 92-2016 R3 correction for mean outlet pressure (MPa)."""
    return 0.0 if p <= 0.35 else 0.5 if p <= 0.55 else 1.0 if p <= 0.75 else 2.0


def r2_for_a(a: float) -> float:
    """CJJ 92-2016 R2 = 99 (A - 0.0693), clamped to +-3."""
    return max(-3.0, min(3.0, 99.0 * (a - 0.0693)))


def balance_rows(pipe_km: dict[str, float], seed: int) -> list[list[str]]:
    """Yearly balance per zone, solved backwards so R_BL hits the zone's designed value.

    pipe_km is the in-service length >= DN75 in each zone (km), measured on the pipe layer,
    so the designed grade holds at every scale.
    """
    rows = []
    for zi, spec in enumerate(SUPPLY_ZONES):
        rng = rng_for(seed, "balance", zi)
        for k, year in enumerate(YEARS):
            # demand grows ~2.5% a year; pressures stay >= 0.02 MPa off the R3 band limits
            qs = round(spec.system_input_m3 * (1 + 0.025 * k) * rng.uniform(0.98, 1.02))
            pressure = round(spec.pressure_mpa + rng.uniform(-0.01, 0.01), 2)
            frost = round(rng.uniform(0.0, 0.08), 2)  # Lianzhou: frost depth 0-0.1 m
            # most homes on the network are metered one by one (the rest by community meters)
            household = round(zone_residential_m3(spec, k) * rng.uniform(*HOUSEHOLD_METERED))
            r1 = 8.0 * household / qs
            r2 = r2_for_a(pipe_km[spec.code] / (qs / 1e4))
            r4 = 1.0 if frost > 1.4 else 0.0
            r_wl = spec.r_bl_target[k] + r1 + r2 + r3_for_pressure(pressure) + r4
            authorised = round(qs * (1 - r_wl / 100))
            unbilled = round(qs * rng.uniform(0.008, 0.018))  # firefighting, flushing: 1-2%
            rows.append(
                [
                    spec.code,
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


# --- sewage plants (GB 18918-2002) ------------------------------------------------------------
@dataclass(frozen=True)
class PlantSpec:
    """A sewage plant: where it is and how it runs."""

    code: str
    name: str
    town_code: str
    capacity_m3d: float
    grade: str  # 1A | 1B | 2
    built_on: str
    status: str  # operating | building | closed
    load: float  # mean daily inflow / design capacity
    reclaimed_share: float


PLANTS: tuple[PlantSpec, ...] = (
    PlantSpec(
        "SP01",
        "连州市城区污水处理厂",
        "441882100",
        40000,
        "1A",
        "2004-12-28",
        "operating",
        0.82,
        0.21,
    ),  # reclaims a fifth of its effluent for park watering and road washing
    PlantSpec(
        "SP02", "星子镇污水处理厂", "441882101", 3000, "1A", "2016-09-30", "operating", 0.74, 0.02
    ),
    PlantSpec(
        "SP03", "保安镇污水处理厂", "441882105", 2000, "1B", "2013-05-20", "operating", 0.46, 0.0
    ),  # under-loaded: sewers never finished
    PlantSpec(
        "SP04", "东陂镇污水处理厂", "441882107", 1500, "1A", "2017-11-15", "operating", 0.78, 0.03
    ),
    PlantSpec(
        "SP05", "西岸镇污水处理厂", "441882104", 1500, "1B", "2012-08-08", "operating", 0.8, 0.0
    ),  # effluent failures below
    PlantSpec(
        "SP06", "九陂镇污水处理厂", "441882108", 1000, "1A", "2018-03-31", "operating", 0.76, 0.01
    ),
    PlantSpec(
        "SP07", "龙坪镇污水处理厂", "441882103", 1000, "1A", "2018-12-20", "operating", 0.71, 0.0
    ),
    PlantSpec(
        "SP08", "西江镇污水处理厂", "441882109", 800, "2", "2005-10-10", "operating", 0.73, 0.0
    ),
    PlantSpec(
        "SP09", "丰阳镇污水处理厂", "441882106", 800, "1A", "2025-03-01", "building", 0.0, 0.0
    ),  # built_on of a plant under construction: works started
    PlantSpec(
        "SP10", "大路边镇污水处理厂", "441882102", 600, "2", "2003-06-18", "closed", 0.0, 0.0
    ),
)
PLANT_WATER_CLEARANCE_M = 60.0  # a plant stands on the bank, not in the river zone
# GB 18918-2002 limits (mg/L) per grade; NH3-N (normal, <= 12 degC); TP (built >= 2006, before).
GB18918: dict[str, dict[str, tuple[float, ...] | float | None]] = {
    "1A": {"cod": 50, "bod5": 10, "ss": 10, "tn": 15, "nh3n": (5, 8), "tp": (0.5, 1)},
    "1B": {"cod": 60, "bod5": 20, "ss": 20, "tn": 20, "nh3n": (8, 15), "tp": (1, 1.5)},
    "2": {"cod": 100, "bod5": 30, "ss": 30, "tn": None, "nh3n": (25, 30), "tp": (3, 3)},
}
PLANT_MONTH_HEADER = (
    "plant_code",
    "month",
    "treated_m3",
    "cod",
    "bod5",
    "ss",
    "nh3n",
    "tn",
    "tp",
    "water_temp_c",
    "reclaimed_m3",
)
# Deliberate plant-months: (plant, month) -> overrides. SP05: COD over 1B in summer, NH3-N over
# even the winter limit in a cold month. SP01 2024-01: NH3-N between 5 and 8 at 11.4 degC, which
# complies only because of the <= 12 degC rule.
PLANT_MONTH_OVERRIDES: dict[tuple[str, str], dict[str, float]] = {
    ("SP05", "2024-07"): {"cod": 71.5},
    ("SP05", "2025-01"): {"nh3n": 16.4, "water_temp_c": 10.8},
    ("SP01", "2024-01"): {"nh3n": 6.6, "water_temp_c": 11.4},
}


def plant_points(
    towns: list[Town], seed: int, water_m: BaseGeometry, zones: list[tuple[ZoneSpec, BaseGeometry]]
) -> list[Point]:
    """Plants sit ~1.2 km from the town seat towards the south-east (downstream), inside the
    town and out of the water (water_m, metres), where the nearest water-function zone (zones:
    spec and metric polygon) is one that takes treated effluent: class III or worse, never a
    class I-II source or reserve (GB 18918-2002 4.1.2)."""
    dry = water_m.buffer(PLANT_WATER_CLEARANCE_M)

    def discharges_legally(p: Point) -> bool:
        nearest = min(zones, key=lambda z: z[1].distance(p))
        return nearest[0].target_class >= 3

    by_code = {t.code: t for t in towns}
    points = []
    for i, spec in enumerate(PLANTS):
        town = by_code[spec.town_code]
        rng = rng_for(seed, "plant-site", i)
        seat = lonlat_to_xy(np.array([town.spec.seat]))[0]
        inner = town.geom_m.buffer(-300.0)
        angle = -math.pi / 4 + rng.uniform(-0.5, 0.5)
        for attempt in range(40):  # turn and shorten until the site is dry and in town
            a = angle + 0.4 * attempt
            p = seat + (1200.0 - 25.0 * attempt) * np.array([math.cos(a), math.sin(a)])
            here = Point(p)
            legal = spec.status != "operating" or discharges_legally(here)
            if inner.contains(here) and not dry.contains(here) and legal:
                break
        else:
            raise RuntimeError(f"no dry site for plant {spec.code} in {town.spec.name}")
        points.append(Point(xy_to_lonlat(p[None, :])[0]))
    return points


def plant_month_rows(seed: int) -> Iterator[list[str]]:
    """Monthly records of operating plants, 2023-2025."""
    for i, spec in enumerate(PLANTS):
        if spec.status != "operating":
            continue
        rng = rng_for(seed, "plant-months", i)
        lim = GB18918[spec.grade]
        tp_limit = lim["tp"][0] if spec.built_on >= "2006-01-01" else lim["tp"][1]
        for year in YEARS:
            for month in range(1, 13):
                key = f"{year}-{month:02d}"
                days = calendar.monthrange(year, month)[1]
                wet = 1 + 0.12 * (4 <= month <= 9)  # rain gets into the sewers in the wet season
                treated = round(
                    spec.capacity_m3d * spec.load * wet * rng.uniform(0.95, 1.05) * days
                )
                # sewage temperature: ~12 degC in January (some months <= 12), ~29 in July
                temp = 20.5 - 8.5 * math.cos(2 * math.pi * (month - 1.3) / 12) + rng.normal(0, 0.7)
                # a plant that works: effluent at 30-75% of its grade's limits
                v = {p: float(lim[p]) * rng.uniform(0.3, 0.75) for p in ("cod", "bod5", "ss")}
                v["nh3n"] = lim["nh3n"][0] * rng.uniform(0.2, 0.6)
                v["tp"] = tp_limit * rng.uniform(0.3, 0.75)
                if spec.code == "SP01":  # pre-2006 plant: TP complies with 1.0, not with 0.5
                    v["tp"] = rng.uniform(0.55, 0.85)
                v["tn"] = (
                    float(lim["tn"]) * rng.uniform(0.4, 0.8) if lim["tn"] is not None else math.nan
                )  # grade 2 has no TN limit; not reported
                if rng.random() < 0.05:
                    v["bod5"] = math.nan
                v["water_temp_c"] = temp
                v.update(PLANT_MONTH_OVERRIDES.get((spec.code, key), {}))
                reclaimed = round(treated * spec.reclaimed_share * rng.uniform(0.8, 1.2))
                yield [
                    spec.code,
                    key,
                    str(treated),
                    fmt(v["cod"], 1),
                    fmt(v["bod5"], 1),
                    fmt(v["ss"], 1),
                    fmt(v["nh3n"], 2),
                    fmt(v["tn"], 2),
                    fmt(v["tp"], 2),
                    fmt(v["water_temp_c"], 1),
                    str(reclaimed),
                ]


# --- irrigation -----------------------------------------------------------------------------
IRRIGATION_HEADER = (
    "district_code",
    "year",
    "gross_withdrawal_m3",
    "net_field_m3",
    "irrigated_area_mu",
    "metered_withdrawal_m3",
)
# Per district: (m3 per 亩 by year, coefficient net/gross by year, metered share by year).
# ID01 uses ~790 m3/亩 on rice (quota ~600); ID02's coefficient stays below 0.535; ID03 meters
# only 86-89 % of its withdrawal (the rule asks >= 90 %). The others are comfortably compliant;
# none meters every drop (field offtakes on small canals are estimated).
IRRIGATION_PLAN: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {
    "ID01": ((790, 812, 768), (0.552, 0.556, 0.561), (0.96, 0.97, 0.97)),
    "ID02": ((540, 532, 528), (0.503, 0.511, 0.519), (0.93, 0.94, 0.95)),
    "ID03": ((310, 305, 298), (0.582, 0.586, 0.59), (0.86, 0.87, 0.88)),
    "ID04": ((262, 255, 251), (0.624, 0.628, 0.633), (0.98, 0.98, 0.99)),
    "ID05": ((522, 515, 509), (0.556, 0.561, 0.566), (0.95, 0.96, 0.96)),
}


def irrigation_rows(effective_mu: dict[str, float], seed: int) -> list[list[str]]:
    """Yearly district records."""
    rows = []
    for i, spec in enumerate(IRRIGATION_DISTRICTS):
        rng = rng_for(seed, "irrigation", i)
        per_mu, coef, metered = IRRIGATION_PLAN[spec.code]
        for k, year in enumerate(YEARS):
            area = round(effective_mu[spec.code] * rng.uniform(0.88, 0.96))  # some fields fallow
            gross = round(area * per_mu[k])
            rows.append(
                [
                    spec.code,
                    str(year),
                    str(gross),
                    str(round(gross * coef[k])),
                    str(area),
                    str(round(gross * metered[k])),
                ]
            )
    return rows


# --- leak records (漏损台账) -------------------------------------------------------------------
LEAK_HEADER = ("pipe_code", "found_on", "repaired_on", "estimated_loss_m3", "cause")
# Leaks found per zone and year: many where losses are high (SZ01, SZ04), fewer as they fall.
LEAKS_PER_YEAR = {
    "SZ01": (34, 28, 22),
    "SZ02": (4, 4, 3),
    "SZ03": (9, 8, 6),
    "SZ04": (16, 15, 12),
    "SZ05": (6, 5, 5),
    "SZ06": (3, 3, 2),
}
LEAK_CAUSES = ("接口渗漏", "管身破裂", "阀门漏水", "第三方施工破坏", "管道老化锈蚀")
# The leaks found account for this share of a zone-year's real losses (the rest is background
# leakage nobody finds: CJJ 92's reason for active leak detection).
LEAK_SHARE_OF_LOSSES = (0.08, 0.2)


def leak_rows(
    seg_zone: np.ndarray,
    in_service: np.ndarray,
    codes: np.ndarray,
    balance: list[list[str]],
    seed: int,
) -> list[list[str]]:
    """Leaks on in-service pipes of each zone, found and repaired within each year; their
    estimated losses add up to a share of the zone-year's losses (Q_s - authorised)."""
    lost = {
        (r[0], int(r[1])): float(r[2]) - float(r[3]) - float(r[4]) for r in balance
    }  # system input - billed - unbilled authorised
    rows = []
    for zi, spec in enumerate(SUPPLY_ZONES):
        pipes = np.flatnonzero((seg_zone == zi) & in_service)
        rng = rng_for(seed, "leaks", zi)
        for k, year in enumerate(YEARS):
            n = LEAKS_PER_YEAR[spec.code][k]
            if n == 0 or len(pipes) == 0:
                continue
            share = rng.uniform(*LEAK_SHARE_OF_LOSSES) * lost[(spec.code, year)]
            losses = rng.dirichlet(np.full(n, 2.0)) * share
            days = np.sort(rng.integers(0, 355, n))
            for j in range(n):
                found = np.datetime64(f"{year}-01-01") + int(days[j])
                repaired = found + int(rng.integers(0, 6))
                rows.append(
                    [
                        str(codes[int(rng.choice(pipes))]),
                        str(found),
                        str(repaired),
                        f"{losses[j]:.0f}",
                        str(rng.choice(LEAK_CAUSES)),
                    ]
                )
    return rows


# --- area statistics ---------------------------------------------------------------------------
AREA_STATS_HEADER = (
    "area_code",
    "year",
    "population",
    "gdp_10k_yuan",
    "industrial_value_added_10k_yuan",
    "water_use_cap_m3",
    "abstraction_surface_m3",
    "abstraction_groundwater_m3",
    "abstraction_public_supply_m3",
    "abstraction_nonconventional_m3",
    "industrial_use_m3",
)
COUNTY_COLUMNS = AREA_STATS_HEADER[6:]  # reported for the county only


def area_stats_rows(
    caps: dict[str, tuple[float | None, ...]],
    county: dict[int, dict[str, float]],
    economy: dict[int, tuple[float, float]],
) -> list[list[str]]:
    """The county's BASE_YEAR row, then county and town rows per year; towns' population, GDP
    and value added add up to the county's exactly. county: year -> abstractions by source and
    industrial use (m3), budget.abstractions / budget.base_year_row; economy: year -> (GDP,
    industrial value added) in 万元, budget.economy."""
    base = county[BASE_YEAR]
    rows = [
        [
            COUNTY_CODE,
            str(BASE_YEAR),
            str(BASE_POPULATION),
            f"{economy[BASE_YEAR][0]:.1f}",
            f"{economy[BASE_YEAR][1]:.1f}",
            "",
            *(fmt(base[c], 0) for c in COUNTY_COLUMNS),
        ]
    ]
    for k, year in enumerate(YEARS):
        pops = town_populations(k)
        gdp_total, iva_total = economy[year]
        gdp = [round(gdp_total * t.gdp_share, 1) for t in TOWNS]
        gdp[0] = round(gdp[0] + gdp_total - sum(gdp), 1)
        iva = [round(iva_total * t.gdp_share, 1) for t in TOWNS]
        iva[0] = round(iva[0] + iva_total - sum(iva), 1)
        rows.append(
            [
                COUNTY_CODE,
                str(year),
                str(COUNTY_POPULATION[k]),
                f"{gdp_total:.1f}",
                f"{iva_total:.1f}",
                fmt(caps.get(COUNTY_CODE, (None,) * 3)[k], 0),
                *(fmt(county[year][c], 0) for c in COUNTY_COLUMNS),
            ]
        )
        for j, town in enumerate(TOWNS):
            rows.append(
                [
                    town.code,
                    str(year),
                    str(pops[j]),
                    f"{gdp[j]:.1f}",
                    f"{iva[j]:.1f}",
                    fmt(caps.get(town.code, (None,) * 3)[k], 0),
                    *([""] * len(COUNTY_COLUMNS)),
                ]
            )
    return rows
