"""The county's water budget: people, economy, who uses how much, and where the water comes from.

Everything the other layers' numbers must agree with is decided here, once:

* population per town = round(county x the town's share), the county seat takes the rounding
  remainder; GDP and industrial value added the same way;
* a supply zone's residential users use coverage x town population x lpd (L/person/day); its
  other users take the rest of the zone's billed consumption (water-balance.csv), so what the
  users consume on a network is what the network bills;
* people outside a network draw well water at RURAL_LPD; self-supplied businesses, farms and
  ecological users share the SELF_SUPPLIED totals;
* the county's abstractions by source add up the records: surface = irrigation districts'
  gross withdrawals + self-supplied surface users; groundwater = self-supplied groundwater
  users; public supply = the zones' system input plus the works' own use; non-conventional =
  the sewage plants' reclaimed water. Industrial use = the industry users' consumption.

All figures are invented for the demo; the orders of magnitude follow a hilly Guangdong county.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.common import YEARS, rng_for
from demo.towns import RURAL_LPD, SUPPLY_ZONES, TOWNS, SupplyZoneSpec

COUNTY_POPULATION = (378_600, 377_100, 375_800)  # resident population, slowly falling
GDP_FIRST_YEAR = 1_652_300.0  # 万元, 2023
INDUSTRY_SHARE_FIRST_YEAR = 0.192  # industrial value added / GDP, 2023

# The intensity targets (双控) are declines against BASE_YEAR. The demo's story: use per 10,000
# yuan of GDP falls 11.5 %, 12 % and 19 % (2024 misses its 13 % target: a dry year and a weak
# economy), industry's 17 %, 19 % and 23 % (every target met). GDP and value added of 2024-2025
# are derived from the years' total and industrial use so the story holds for any seed; the
# BASE_YEAR county row is written from 2023's figures.
BASE_YEAR = 2020
BASE_POPULATION = 383_900
BASE_GDP = 1_452_600.0
BASE_INDUSTRY_SHARE = 0.186
DESIGNED_DECLINE = {"gdp": (0.115, 0.12, 0.19), "industry": (0.17, 0.19, 0.23)}
GDP_TARGETS = {2023: 0.10, 2024: 0.13, 2025: 0.16}
INDUSTRY_TARGETS = {2023: 0.12, 2024: 0.16, 2025: 0.20}
GDP_MISSES = {2024}
GROWTH_RANGE = (0.0, 0.1)  # a derived year-on-year GDP growth outside it is a design bug

# Self-supplied users (m3 in 2023, yearly growth) by (sector, source), shared among the users of
# that sector and source in proportion to their own (random) size.
SELF_SUPPLIED: dict[tuple[str, str], tuple[float, float]] = {
    ("agriculture", "surface"): (11_000_000.0, -0.01),
    ("agriculture", "groundwater"): (5_000_000.0, -0.01),
    ("industry", "surface"): (6_500_000.0, 0.0),
    ("industry", "groundwater"): (4_200_000.0, 0.0),
    ("services", "groundwater"): (1_000_000.0, 0.02),
    ("public_institution", "groundwater"): (800_000.0, 0.01),
    ("ecological", "surface"): (1_900_000.0, 0.02),
}
WORKS_OWN_USE = (0.03, 0.05)  # water works' own use (backwashing): share of the system input
HOUSEHOLD_METERED = (0.85, 0.95)  # household-metered share of the zone's residential use
# Yearly county cap factors on the year's total use: met in 2023 and 2025, exceeded in 2024.
COUNTY_CAP_FACTOR = (1.06, 0.985, 1.05)


def town_populations(k: int) -> list[int]:
    """Population of each town in YEARS[k]: shares of the county; the seat takes the remainder."""
    pops = [round(COUNTY_POPULATION[k] * t.pop_share) for t in TOWNS]
    pops[0] += COUNTY_POPULATION[k] - sum(pops)
    return pops


def _days(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def zone_residential_m3(spec: SupplyZoneSpec, k: int) -> float:
    """Residential use on a supply zone's network in YEARS[k] (m3)."""
    ti = next(i for i, t in enumerate(TOWNS) if t.code == spec.town_code)
    people = town_populations(k)[ti] * spec.coverage
    return people * spec.lpd * _days(YEARS[k]) / 1000


def well_residential_m3(town_index: int, k: int) -> float:
    """Residential well water of the people of a town outside any network in YEARS[k] (m3)."""
    code = TOWNS[town_index].code
    covered = sum(z.coverage for z in SUPPLY_ZONES if z.town_code == code)
    people = town_populations(k)[town_index] * (1 - covered)
    return people * RURAL_LPD * _days(YEARS[k]) / 1000


@dataclass
class UserTargets:
    """Which budget group each user belongs to, and each group's yearly total (m3).

    group[i] = -1 leaves a user's volumes as drawn (none at present); total[g, k] is the whole
    group's use in YEARS[k], the designed users of the group included.
    """

    group: np.ndarray
    total: np.ndarray
    names: list[str]


def user_targets(
    sector: np.ndarray,
    source: np.ndarray,
    town: np.ndarray,
    billed: dict[str, tuple[float, ...]],
) -> UserTargets:
    """Budget groups of the users: per zone its residential and other users, per town its
    well-water households, per (sector, source) the self-supplied users.

    billed: billed authorised consumption per zone and year (m3), from the water balance.
    """
    n = len(sector)
    group = np.full(n, -1)
    totals: list[list[float]] = []
    names: list[str] = []

    def add(mask: np.ndarray, name: str, yearly: list[float]) -> None:
        group[mask] = len(totals)
        totals.append(yearly)
        names.append(name)

    town_codes = np.array([TOWNS[t].code for t in town], dtype=object)
    piped = source == "public_network"
    residential = sector == "residential"
    for spec in SUPPLY_ZONES:
        here = piped & (town_codes == spec.town_code)
        homes = [zone_residential_m3(spec, k) for k in range(len(YEARS))]
        add(here & residential, f"{spec.code} residential", homes)
        rest = [billed[spec.code][k] - homes[k] for k in range(len(YEARS))]
        if min(rest) <= 0:
            raise RuntimeError(f"{spec.code}: residential use exceeds the billed consumption")
        add(here & ~residential, f"{spec.code} other users", rest)
    for ti, t in enumerate(TOWNS):
        wells = residential & ~piped & (town == ti)
        add(wells, f"{t.code} well water", [well_residential_m3(ti, k) for k in range(len(YEARS))])
    for (sec, src), (m3, growth) in SELF_SUPPLIED.items():
        mask = (sector == sec) & (source == src)
        add(mask, f"{sec} {src}", [m3 * (1 + growth) ** k for k in range(len(YEARS))])
    return UserTargets(group, np.array(totals), names)


def scale_factors(targets: UserTargets, raw: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Per user and year, the factor that brings each group's total to its target.

    raw: users x years drawn volumes; fixed: True for designed users, whose volumes stay.
    A group without free users keeps its drawn volumes.
    """
    f = np.ones_like(raw)
    for g in range(len(targets.total)):
        members = targets.group == g
        free = members & ~fixed
        if not free.any():
            continue
        for k in range(raw.shape[1]):
            want = targets.total[g, k] - raw[members & fixed, k].sum()
            have = raw[free, k].sum()
            if want <= 0 or have <= 0:
                raise RuntimeError(f"budget group {targets.names[g]} cannot reach its total")
            f[free, k] = want / have
    return f


def abstractions(
    *,
    k: int,
    irrigation_gross: float,
    annual: np.ndarray,
    sector: np.ndarray,
    source: np.ndarray,
    system_input: float,
    reclaimed: float,
    seed: int,
) -> dict[str, float]:
    """The county's abstractions by source and industrial use in YEARS[k] (m3, whole)."""
    rng = rng_for(seed, "works-own-use", k)
    use = annual[:, k]
    return {
        "abstraction_surface_m3": round(irrigation_gross + use[source == "surface"].sum()),
        "abstraction_groundwater_m3": round(use[source == "groundwater"].sum()),
        "abstraction_public_supply_m3": round(system_input * (1 + rng.uniform(*WORKS_OWN_USE))),
        "abstraction_nonconventional_m3": round(reclaimed),
        "industrial_use_m3": round(use[sector == "industry"].sum()),
    }


def total_use(row: dict[str, float]) -> float:
    """The year's total use: Σ abstractions by source."""
    return sum(v for key, v in row.items() if key.startswith("abstraction_"))


def base_year_row(first: dict[str, float]) -> dict[str, float]:
    """The BASE_YEAR county row, from the first year's abstractions and DESIGNED_DECLINE."""
    gdp_intensity = total_use(first) / GDP_FIRST_YEAR / (1 - DESIGNED_DECLINE["gdp"][0])
    iva0 = GDP_FIRST_YEAR * INDUSTRY_SHARE_FIRST_YEAR
    ind_intensity = first["industrial_use_m3"] / iva0 / (1 - DESIGNED_DECLINE["industry"][0])
    scale = gdp_intensity * BASE_GDP / total_use(first)
    row = {key: round(v * scale) for key, v in first.items() if key.startswith("abstraction_")}
    row["industrial_use_m3"] = round(ind_intensity * BASE_GDP * BASE_INDUSTRY_SHARE)
    return row


def economy(county: dict[int, dict[str, float]]) -> dict[int, tuple[float, float]]:
    """GDP and industrial value added (万元, 0.1) per year, base year included, such that the
    intensity declines are DESIGNED_DECLINE (county: year -> abstractions and industrial use)."""
    base = county[BASE_YEAR]
    out = {BASE_YEAR: (BASE_GDP, round(BASE_GDP * BASE_INDUSTRY_SHARE, 1))}
    g0 = total_use(base) / BASE_GDP
    i0 = base["industrial_use_m3"] / out[BASE_YEAR][1]
    for k, year in enumerate(YEARS):
        if k == 0:
            gdp = GDP_FIRST_YEAR
            iva = round(GDP_FIRST_YEAR * INDUSTRY_SHARE_FIRST_YEAR, 1)
        else:
            gdp = round(total_use(county[year]) / (g0 * (1 - DESIGNED_DECLINE["gdp"][k])), 1)
            iva = round(
                county[year]["industrial_use_m3"] / (i0 * (1 - DESIGNED_DECLINE["industry"][k])), 1
            )
            growth = gdp / out[YEARS[k - 1]][0] - 1
            if not GROWTH_RANGE[0] <= growth <= GROWTH_RANGE[1]:
                raise RuntimeError(f"derived GDP growth {growth:.1%} in {year} is implausible")
        out[year] = (gdp, iva)
    return out


def declines(stats: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Per year: the decline of use per 10,000 yuan of GDP and of industrial value added against
    BASE_YEAR (stats: year -> row with gdp_10k_yuan, industrial_value_added_10k_yuan, ...)."""
    base = stats[BASE_YEAR]

    def intensities(r: dict[str, float]) -> tuple[float, float]:
        return (
            total_use(r) / r["gdp_10k_yuan"],
            r["industrial_use_m3"] / r["industrial_value_added_10k_yuan"],
        )

    g0, i0 = intensities(base)
    out = {}
    for year in YEARS:
        g, i = intensities(stats[year])
        out[year] = {"gdp": 1 - g / g0, "industry": 1 - i / i0}
    return out


def intensity_story(stats: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """The declines, after checking they tell the designed story (a generator bug otherwise)."""
    d = declines(stats)
    for year in YEARS:
        gdp_ok = d[year]["gdp"] >= GDP_TARGETS[year]
        if gdp_ok == (year in GDP_MISSES):
            raise RuntimeError(f"GDP-intensity decline {d[year]['gdp']:.3f} in {year} off design")
        if d[year]["industry"] < INDUSTRY_TARGETS[year]:
            raise RuntimeError(f"industry-intensity decline {d[year]['industry']:.3f} in {year}")
    return d


def county_caps(totals: list[float]) -> tuple[float, ...]:
    """The county's yearly caps (m3, to 10,000, rounded away from the use so no verdict flips)."""
    out = []
    for total, factor in zip(totals, COUNTY_CAP_FACTOR, strict=True):
        rounded = np.ceil if factor > 1 else np.floor
        out.append(float(rounded(total * factor / 10_000) * 10_000))
    return tuple(out)
