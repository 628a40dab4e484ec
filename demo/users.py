"""Synthetic water users (points, sectors, plans) and their streamed monthly consumption."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from demo.budget import SELF_SUPPLIED, UserTargets, scale_factors
from demo.common import MONTHS, YEARS, Progress, lonlat_to_xy, rng_for, xy_to_lonlat
from demo.names import user_name
from demo.towns import TOWNS, SupplyZone, Town

NOMINAL_USERS = 2_000  # users at scale 1 (the brief)
SECTORS = ("residential", "services", "industry", "public_institution", "agriculture", "ecological")
SECTOR_SHARE = (0.36, 0.2, 0.16, 0.1, 0.14, 0.04)
# Median annual use (m3) and log-spread per sector: a residential community, a small factory...
ANNUAL_MEDIAN = {
    "residential": 60_000,
    "services": 8_000,
    "industry": 30_000,
    "public_institution": 15_000,
    "agriculture": 40_000,
    "ecological": 20_000,
}
ANNUAL_SIGMA = {
    "residential": 0.6,
    "services": 0.8,
    "industry": 1.0,
    "public_institution": 0.7,
    "agriculture": 0.9,
    "ecological": 0.7,
}
# Random users stay below the key-user line (500,000 m3/yr) so the key users are the designed
# ones; a floor keeps every user meaningful.
ANNUAL_RANGE = (1_000.0, 300_000.0)
# Monthly profiles (Jan..Dec, normalised below): irrigation peaks in summer, factories and
# schools dip at the Spring Festival, schools in the summer holidays.
PROFILE = {
    "residential": (0.92, 0.95, 0.9, 0.93, 1.0, 1.08, 1.15, 1.15, 1.05, 0.98, 0.93, 0.96),
    "services": (0.95, 1.2, 0.9, 0.95, 1.0, 1.05, 1.12, 1.12, 1.0, 1.02, 0.85, 0.84),
    "industry": (1.0, 0.7, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.0, 0.95),
    "public_institution": (1.0, 0.6, 1.1, 1.1, 1.1, 1.05, 0.75, 0.75, 1.1, 1.1, 1.05, 1.0),
    "agriculture": (0.3, 0.3, 0.6, 1.1, 1.5, 1.8, 1.9, 1.7, 1.3, 0.8, 0.4, 0.3),
    "ecological": (0.6, 0.6, 0.8, 1.0, 1.2, 1.3, 1.4, 1.4, 1.2, 0.9, 0.8, 0.8),
}
PLANNED_MONTHLY_LINE = 10_000.0  # Guangdong outside the PRD: > 10,000 m3 in a month needs a plan
USER_WATER_CLEARANCE_M = 20.0  # nobody draws water standing in the river
CHUNK = 4096  # users per consumption chunk: memory stays flat at any scale
CONSUMPTION_HEADER = ("user_code", "month", "volume_m3", "metered")


@dataclass(frozen=True)
class SpecialUser:
    """A designed user that carries a deliberate verdict; the same at every scale."""

    name: str
    sector: str
    source: str
    town_code: str
    annual: tuple[float, float, float]  # m3 per year 2023-2025
    plan: float | None
    peak: tuple[str, float] | None = None  # (month, m3) forced peak


SPECIAL_USERS: tuple[SpecialUser, ...] = (
    # key user (>= 500,000 m3/yr), inside its plan
    SpecialUser(
        name="连州华泰造纸有限公司",
        sector="industry",
        source="surface",
        town_code="441882100",
        annual=(1_252_000, 1_318_000, 1_284_000),
        plan=1_400_000,
    ),
    # key user, over plan by 2-9% (first surcharge tier only)
    SpecialUser(
        name="连州金鼎水泥有限公司",
        sector="industry",
        source="groundwater",
        town_code="441882108",
        annual=(611_000, 655_000, 630_000),
        plan=600_000,
    ),
    # over plan by 10%, 46% (every tier) and 25%
    SpecialUser(
        name="连州宏达纺织厂",
        sector="industry",
        source="public_network",
        town_code="441882100",
        annual=(132_000, 175_200, 150_000),
        plan=120_000,
    ),
    # no plan although July 2024 is over 10,000 m3
    SpecialUser(
        name="连州市粤北大酒店",
        sector="services",
        source="public_network",
        town_code="441882100",
        annual=(96_000, 101_000, 98_500),
        plan=None,
        peak=("2024-07", 12_600),
    ),
    # planned and inside its plan
    SpecialUser(
        name="连州市人民医院",
        sector="public_institution",
        source="public_network",
        town_code="441882100",
        annual=(128_000, 131_500, 133_000),
        plan=160_000,
    ),
    # residential community over 10,000 m3 in a month: exempt from planning
    SpecialUser(
        name="星子镇清泉花园小区",
        sector="residential",
        source="public_network",
        town_code="441882101",
        annual=(118_000, 121_000, 124_000),
        plan=None,
        peak=("2024-08", 11_200),
    ),
)


@dataclass
class Users:
    """Water users; geometry lon/lat; plan NaN = none."""

    code: np.ndarray
    name: np.ndarray
    sector: np.ndarray
    source: np.ndarray
    town: np.ndarray  # town index
    lonlat: np.ndarray
    base: np.ndarray  # annual m3 (random users)
    growth: np.ndarray  # yearly trend
    metered_from: np.ndarray  # index into MONTHS from which readings are metered (36 = never)
    plan: np.ndarray


def _sample_in(
    geom: BaseGeometry, center: np.ndarray, sigma: float | None, n: int, rng: np.random.Generator
) -> np.ndarray:
    """n points (metres) inside geom: Gaussian around center, or uniform when sigma is None."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    for _ in range(1000):  # rejection sampling; the regions are kilometres wide
        if len(out) >= n:
            return out[:n]
        k = max(64, 3 * (n - len(out)))
        if sigma is None:
            pts = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        else:
            pts = center + rng.normal(0, sigma, (k, 2))
        out = np.vstack([out, pts[shapely.contains_xy(geom, pts[:, 0], pts[:, 1])]])
    raise RuntimeError("could not place water users inside their area")


def _anchors(towns: list[Town], zone_of_town: dict) -> list[tuple[str, str, str]]:
    """(town code, sector, source) of the users placed first after the designed ones, so that
    every budget group has a member at any scale: homes and a shop on each network, a
    well-water home in each town not fully piped, one user per self-supplied (sector, source)."""
    out = []
    for t in towns:
        zone = zone_of_town.get(t.code)
        if zone is not None:
            out += [
                (t.code, "residential", "public_network"),
                (t.code, "services", "public_network"),
            ]
        if zone is None or zone.spec.coverage < 1:
            out.append((t.code, "residential", "groundwater"))
    for i, (sector, source) in enumerate(SELF_SUPPLIED):
        out.append((towns[1 + i % (len(towns) - 1)].code, sector, source))
    return out


def build_users(
    towns: list[Town], zones: list[SupplyZone], scale: float, seed: int, water_m: BaseGeometry
) -> Users:
    """Designed users first (codes WU000001...), then random ones up to 2,000 x scale.

    Users stand on dry land: water_m (rivers and reservoirs, metres) is left out.
    """
    wet = water_m.buffer(USER_WATER_CLEARANCE_M)
    zone_of_town = {z.spec.town_code: z for z in zones}
    n = max(len(SPECIAL_USERS) + len(_anchors(towns, zone_of_town)), round(NOMINAL_USERS * scale))
    rng = rng_for(seed, "users", round(scale * 1000))
    town_idx = {t.code: i for i, t in enumerate(towns)}
    n_rand = n - len(SPECIAL_USERS)
    pop = np.array([t.pop_share for t in TOWNS])
    town = np.concatenate(
        [
            [town_idx[s.town_code] for s in SPECIAL_USERS],
            rng.choice(len(towns), n_rand, p=pop / pop.sum()),
        ]
    ).astype(int)
    sector = np.concatenate(
        [[s.sector for s in SPECIAL_USERS], rng.choice(SECTORS, n_rand, p=SECTOR_SHARE)]
    ).astype(object)
    anchors = _anchors(towns, zone_of_town)
    fixed = slice(len(SPECIAL_USERS), len(SPECIAL_USERS) + len(anchors))
    town[fixed] = [town_idx[code] for code, _sector, _source in anchors]
    sector[fixed] = [a[1] for a in anchors]
    has_zone = np.array([towns[t].code in zone_of_town for t in town])
    coverage = np.array(
        [
            zone_of_town[towns[t].code].spec.coverage if h else 0.0
            for t, h in zip(town, has_zone, strict=True)
        ]
    )
    # Who draws from where: homes take the public network where there is one (as many as the
    # zone covers; the others have wells), shops and offices too; factories half and half;
    # farms and ecological users take river or well water.
    u = rng.random(n)
    on_network = rng.random(n) < coverage
    source = np.select(
        [
            (sector == "residential") & on_network,
            sector == "residential",
            np.isin(sector, ("services", "public_institution")) & has_zone,
            np.isin(sector, ("residential", "services", "public_institution")),
            (sector == "industry") & has_zone & (u < 0.5),
            (sector == "industry") & (u < 0.75),
            sector == "industry",
            (sector == "ecological") & has_zone & (u < 0.2),
            (sector == "ecological") | (u < 0.7),
        ],
        [
            "public_network",
            "groundwater",
            "public_network",
            "groundwater",
            "public_network",
            "surface",
            "groundwater",
            "public_network",
            "surface",
        ],
        default="groundwater",
    ).astype(object)
    source[: len(SPECIAL_USERS)] = [s.source for s in SPECIAL_USERS]
    source[fixed] = [a[2] for a in anchors]

    # Places: piped users inside their supply zone; others around the seat, farms anywhere.
    xy = np.zeros((n, 2))
    for ti, t in enumerate(towns):
        seat = lonlat_to_xy(np.array([t.spec.seat]))[0]
        spread = 1800.0 if t.code == TOWNS[0].code else 900.0  # the county seat is bigger
        inner = t.geom_m.buffer(-100.0).difference(wet)
        piped = (
            zone_of_town[t.code].geom_m.buffer(-100.0).difference(wet)
            if t.code in zone_of_town
            else inner
        )
        groups = [
            ((town == ti) & (source == "public_network"), piped, spread),
            ((town == ti) & (source != "public_network") & (sector == "agriculture"), inner, None),
            (
                (town == ti) & (source != "public_network") & (sector != "agriculture"),
                inner,
                spread,
            ),
        ]
        for mask, region, sigma in groups:
            if mask.any():
                xy[mask] = _sample_in(region, seat, sigma, int(mask.sum()), rng)

    base = np.exp(
        np.log([ANNUAL_MEDIAN[s] for s in sector])
        + rng.normal(0, 1, n) * np.array([ANNUAL_SIGMA[s] for s in sector])
    )
    base = np.clip(base, *ANNUAL_RANGE)
    growth = np.clip(rng.normal(0.01, 0.04, n), -0.06, 0.06)  # 400k x 1.06^2 < 500k
    u = rng.random(n)
    self_read = np.isin(sector, ("agriculture", "ecological"))
    metered_from = np.where(
        self_read & (u < 0.2),
        len(MONTHS),  # estimated, never metered
        np.where(self_read & (u < 0.4), rng.integers(12, 24, n), 0),
    )
    metered_from = np.where(~self_read & (u < 0.03), len(MONTHS), metered_from)
    metered_from[: len(SPECIAL_USERS)] = 0
    names = [s.name for s in SPECIAL_USERS]
    names += [user_name(sector[i], towns[town[i]].spec, rng) for i in range(len(SPECIAL_USERS), n)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # keep names unique: 2nd, 3rd... get a number
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name}({seen[name]})"
    codes = np.array([f"WU{i + 1:06d}" for i in range(n)], dtype=object)
    return Users(
        codes,
        np.array(names, dtype=object),
        sector,
        source,
        town,
        xy_to_lonlat(xy),
        base,
        growth,
        metered_from,
        np.full(n, np.nan),
    )


def _monthly(
    users: Users, lo: int, hi: int, seed: int, chunk: int, factor: np.ndarray | None = None
) -> np.ndarray:
    """(hi-lo, 36) monthly m3 (x factor per month, designed users excepted), rounded to 0.1 m3
    (what the CSV says)."""
    rng = rng_for(seed, "consumption", chunk)
    prof = {s: np.array(p) / np.mean(p) for s, p in PROFILE.items()}
    shape = np.stack([np.tile(prof[s], len(YEARS)) for s in users.sector[lo:hi]])
    years = np.repeat(np.arange(len(YEARS)), 12)
    trend = (1 + users.growth[lo:hi, None]) ** years[None, :]
    noise = np.exp(rng.normal(0, 0.07, shape.shape))
    vol = users.base[lo:hi, None] / 12 * shape * trend * noise
    if factor is not None:
        vol = vol * factor
    for i in range(lo, min(hi, len(SPECIAL_USERS))):
        vol[i - lo] = _special_series(SPECIAL_USERS[i], rng)
    return np.round(vol, 1)


def _special_series(spec: SpecialUser, rng: np.random.Generator) -> np.ndarray:
    """36 months whose yearly sums are the designed annual totals (and forced peak)."""
    prof = np.array(PROFILE[spec.sector]) / np.mean(PROFILE[spec.sector])
    out = []
    for k, annual in enumerate(spec.annual):
        w = prof * np.exp(rng.normal(0, 0.03, 12))
        months = annual * w / w.sum()
        if spec.peak and spec.peak[0].startswith(str(YEARS[k])):
            m = int(spec.peak[0][5:]) - 1
            rest = np.delete(np.arange(12), m)
            months[m] = spec.peak[1]
            # spread the remainder over the other months, each kept well under the line
            months[rest] = (annual - spec.peak[1]) * w[rest] / w[rest].sum()
        out.append(months)
    return np.concatenate(out)


def write_consumption(
    path: Path, users: Users, seed: int, progress: Progress, targets: UserTargets
) -> dict:
    """Stream consumption.csv chunk by chunk; return per-user yearly totals and monthly peaks.

    Two passes over the same draws: the first sums each user's years, the second scales each
    year so that every budget group (targets) uses its designed total, then writes.
    """
    n = len(users.code)
    raw = np.zeros((n, len(YEARS)))
    for chunk, lo in enumerate(range(0, n, CHUNK)):
        hi = min(n, lo + CHUNK)
        raw[lo:hi] = _monthly(users, lo, hi, seed, chunk).reshape(hi - lo, len(YEARS), 12).sum(2)
    designed = np.arange(n) < len(SPECIAL_USERS)
    factor = scale_factors(targets, raw, designed)
    annual = np.zeros((n, len(YEARS)))
    peak = np.zeros((n, len(YEARS)))
    month_tail = [f",{m}," for m in MONTHS]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(CONSUMPTION_HEADER) + "\n")
        for chunk, lo in enumerate(range(0, n, CHUNK)):
            hi = min(n, lo + CHUNK)
            vol = _monthly(users, lo, hi, seed, chunk, np.repeat(factor[lo:hi], 12, axis=1))
            by_year = vol.reshape(hi - lo, len(YEARS), 12)
            annual[lo:hi] = by_year.sum(axis=2)
            peak[lo:hi] = by_year.max(axis=2)
            metered = np.arange(len(MONTHS))[None, :] >= users.metered_from[lo:hi, None]
            flags = np.where(metered, "true\n", "false\n").tolist()
            lines = []
            for i in range(hi - lo):
                code, vrow, frow = users.code[lo + i], vol[i].tolist(), flags[i]
                lines.extend(
                    f"{code}{month_tail[j]}{vrow[j]:.1f},{frow[j]}" for j in range(len(MONTHS))
                )
            fh.write("".join(lines))
            rows += len(lines)
            progress("consumption", hi, n)
    return {"rows": rows, "annual": annual, "peak": peak}


def assign_plans(users: Users, annual: np.ndarray, peak: np.ndarray, seed: int) -> None:
    """Annual plans: every non-residential user over 10,000 m3 in a month gets one (above its
    use), some smaller users too; the designed users keep their designed plan (or none)."""
    rng = rng_for(seed, "plans", len(users.code))
    n = len(users.code)
    must = (users.sector != "residential") & (peak.max(axis=1) > PLANNED_MONTHLY_LINE)
    u = rng.random(n)
    voluntary = np.where(users.sector == "residential", u < 0.05, u < 0.3)
    plan = np.ceil(annual.max(axis=1) * rng.uniform(1.05, 1.3, n) / 1000) * 1000
    users.plan = np.where(must | voluntary, plan, np.nan)
    for i, spec in enumerate(SPECIAL_USERS):
        users.plan[i] = np.nan if spec.plan is None else spec.plan


# Water-saving carriers (节水载体): shares of each sector recognised by 2025, below the
# enterprise target, above the public-institution one. Recognitions picked up from 2016 and
# quickened for the acceptance (CARRIER_YEAR_P), so in 2023-2024 fewer than half the public
# institutions are recognised and in 2025 more than half.
CARRIER_BY_SECTOR = {
    "industry": ("enterprise", 0.3),
    "public_institution": ("institution", 0.6),
    "residential": ("community", 0.25),
}
CARRIER_YEARS = tuple(range(2016, 2026))
CARRIER_YEAR_P = (0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18)


def assign_carriers(users: Users, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Carrier kind ('' = not recognised) and the year it was recognised (NaN when none)."""
    rng = rng_for(seed, "carriers", len(users.code))
    n = len(users.code)
    years = np.full(n, np.nan)
    carrier = np.full(n, "", dtype=object)
    cumulative = np.cumsum(CARRIER_YEAR_P)
    for sector, (kind, share) in CARRIER_BY_SECTOR.items():
        members = np.flatnonzero(users.sector == sector)
        # exactly round(share x members) recognised, in years split by CARRIER_YEAR_P, so the
        # shares of every year hold at every scale
        chosen = rng.permutation(rng.choice(members, round(share * len(members)), replace=False))
        upto = np.round(cumulative * len(chosen)).astype(int)
        for year, lo, hi in zip(CARRIER_YEARS, [0, *upto[:-1]], upto, strict=True):
            years[chosen[lo:hi]] = year
        carrier[chosen] = kind
    return carrier, years
