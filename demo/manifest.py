"""Water-use caps and the manifest: counts, deliberate failures re-evaluated, network problems."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Polygon

from demo import checks
from demo.common import COUNTY_CODE, SOURCE_NOTE, YEARS, rng_for
from demo.network import Network
from demo.records import (
    BALANCE_HEADER,
    FAILING_ZONE,
    IRRIGATION_HEADER,
    MISSING_SAMPLE,
    PLANT_MONTH_HEADER,
    PLANTS,
    QUALITY_HEADER,
)
from demo.towns import SUPPLY_ZONES, TOWNS
from demo.users import PLANNED_MONTHLY_LINE, SPECIAL_USERS, Users
from demo.water import IRRIGATION_DISTRICTS, ZoneSpec

KEY_USER_M3 = 500_000.0  # national key-monitored-user line (m3 per year)
CROP_QUOTA_M3_PER_MU = {"rice": 600.0}  # DB44/T 1461.1-2021 order of magnitude (unverified)
COEFFICIENT_TARGET = 0.535  # Guangdong's 14th five-year target
# Town caps cover the users inside the town except farms (irrigation and agriculture are capped
# at county level): the over-cap town gets 92% of that use in 2024; capped towns otherwise get
# 15-30% headroom. The county cap is on total use (abstractions by source, budget.county_caps).
OVER_CAP_TOWN, OVER_CAP_YEAR, OVER_CAP_FACTOR = "441882101", 2024, 0.92
CAPPED_TOWNS = ("441882100", "441882101", "441882105", "441882107")
# The clearest failing and one clearly compliant feature per rule, for tests and browser tests
# (both checked against the re-evaluated failures on every run).
FAILING_EXAMPLES = {
    "wfz.quality": "WFZ03",
    "supply.leakage": "SZ04",
    "sewage.load": "SP03",
    "sewage.effluent": "SP05",
    "town.sewage_plant": "441882200",
    "sewage.receiving_grade": "SP08",
    "sewage.reclaimed": "SP03",
    "irrigation.coefficient": "ID02",
    "irrigation.quota": "ID01",
    "irrigation.metering": "ID03",
    "user.over_plan": "WU000003",
    "user.planned_use": "WU000004",
    "town.water_use_cap": "441882101",
    "user.withdrawal_permit": "WU000002",
}
COMPLIANT_EXAMPLES = {
    "wfz.quality": "WFZ02",
    "supply.leakage": "SZ02",
    "sewage.load": "SP02",
    "sewage.effluent": "SP02",
    "town.sewage_plant": "441882101",
    "sewage.receiving_grade": "SP02",
    "sewage.reclaimed": "SP01",
    "irrigation.coefficient": "ID05",
    "irrigation.quota": "ID05",
    "irrigation.metering": "ID05",
    "user.over_plan": "WU000005",
    "user.planned_use": "WU000005",
    "town.water_use_cap": "441882100",
    "user.withdrawal_permit": "WU000001",
}


def water_use_caps(town_use: np.ndarray, seed: int) -> dict[str, tuple[float | None, ...]]:
    """Yearly water-use caps (m3, rounded to 10,000) of CAPPED_TOWNS.

    town_use: towns x years consumption of the users inside each town, farms left out (m3).
    """
    rng = rng_for(seed, "caps")

    def to_cap(use: float, factor: float) -> float:  # round away from the use: no flip
        step = 10_000.0
        rounded = np.ceil if factor > 1 else np.floor
        return float(rounded(use * factor / step) * step)

    caps: dict[str, tuple[float | None, ...]] = {}
    for ti, town in enumerate(TOWNS):
        if town.code not in CAPPED_TOWNS:
            continue
        factors = rng.uniform(1.15, 1.3, len(YEARS))
        if town.code == OVER_CAP_TOWN:
            factors[YEARS.index(OVER_CAP_YEAR)] = OVER_CAP_FACTOR
        caps[town.code] = tuple(to_cap(u, f) for u, f in zip(town_use[ti], factors, strict=True))
    return caps


def build_manifest(
    *,
    seed: int,
    scale: float,
    counts: dict[str, int],
    zs: list[tuple[ZoneSpec, Polygon, Polygon]],
    quality: list[list[str]],
    balance: list[list[str]],
    pipe_km: dict[str, float],
    plant_months: list[list[str]],
    irrigation: list[list[str]],
    users: Users,
    annual: np.ndarray,
    peak: np.ndarray,
    town_use: np.ndarray,
    caps: dict[str, tuple[float | None, ...]],
    county: dict[int, dict[str, float]],
    declines: dict[int, dict[str, float]],
    leaks: list[list[str]],
    receiving: list[tuple[str | None, int | None, str | None]],
    permits: list[list[str]],
    net: Network,
    pipe_codes: np.ndarray,
    node_codes: np.ndarray,
) -> dict:
    """The manifest: counts, the deliberate failures, leakage per zone-year, network problems.

    Failures are not copied from the design: each rule is re-evaluated on the rows written
    (quality, balance, plant months, irrigation), on users' yearly totals/peaks (annual, peak:
    users x years, m3) and towns' totals (town_use, m3), so the manifest states what the files
    show. pipe_km: in-service length >= DN75 per supply zone (km, EPSG:4546). county: year ->
    abstractions by source and industrial use; declines: year -> intensity declines against
    the base year; receiving: per plant, its receiving zone (code, class, water body) or Nones.
    """
    failures: list[dict] = []

    def fail(rule: str, code: str, year: int | None, why: str) -> None:
        failures.append({"rule": rule, "code": code, "year": year, "why": why})

    # water-function zones
    meta = {z[0].code: (z[0].water_body, z[0].target_class) for z in zs}
    freq = checks.wfz_frequency(checks.as_dicts(QUALITY_HEADER, quality), meta)
    for (code, year), (n, ok) in sorted(freq.items()):
        if ok / n < checks.WFZ_REQUIRED_FREQUENCY:
            fail(
                "wfz.quality",
                code,
                year,
                f"{ok} of {n} samples meet target class {meta[code][1]} "
                f"({ok / n:.0%} < 80%); NH3-N too high in the dry season",
            )

    # supply zones
    leak: dict[str, dict[str, float]] = {}
    for row in checks.as_dicts(BALANCE_HEADER, balance):
        r = checks.leakage(row, pipe_km[row["zone_code"]])
        leak.setdefault(row["zone_code"], {})[row["year"]] = round(r["r_bl"], 4)
        if r["r_bl"] > checks.LEAKAGE_REQUIRED:
            fail(
                "supply.leakage",
                row["zone_code"],
                int(row["year"]),
                f"R_BL {r['r_bl']:.2f}% > 10% (CJJ 92-2016 一级): R_WL {r['r_wl']:.2f}, "
                f"R1 {r['r1']:.2f}, R2 {r['r2']:.2f} (A {r['a']:.4f}), R3 {r['r3']:g}",
            )

    # service pressure: the latest year's demand at zero flow (the demo's one hydraulic run)
    last = checks.as_dicts(BALANCE_HEADER, balance)
    for zi, zone in enumerate(SUPPLY_ZONES):
        if not len(net.node_demand) or not len(net.node_z):
            break
        row = [r for r in last if r["zone_code"] == zone.code][-1]
        mine = np.zeros(len(net.node_xy), dtype=bool)
        mine[net.seg_nodes[net.seg_zone == zi].ravel()] = True
        plant = np.flatnonzero(mine & (net.node_kind == "plant"))[0]
        head = net.node_z[plant] + float(row["mean_outlet_pressure_mpa"]) * checks.M_PER_MPA
        street = mine & ~np.isin(net.node_kind, ("plant", "source"))
        judged, ok, rate = checks.service_pressure(
            head, net.node_z[street], net.node_demand[street]
        )
        if rate < checks.SERVICE_PASS_RATE:
            fail(
                "supply.service_pressure",
                zone.code,
                int(row["year"]),
                f"{ok} of {judged} demand junctions at or above 14.28 m ({rate:.1f}% < 97%): "
                "the hilltop village above the plant's head",
            )

    # sewage plants
    spec = {p.code: p for p in PLANTS}
    pm = checks.as_dicts(PLANT_MONTH_HEADER, plant_months)
    for (code, year), rate in sorted(
        checks.plant_load(pm, {c: p.capacity_m3d for c, p in spec.items()}).items()
    ):
        if rate < checks.LOAD_MIN:
            fail(
                "sewage.load",
                code,
                year,
                f"mean daily treated volume is {rate:.0%} of the "
                f"{spec[code].capacity_m3d:,.0f} m3/d design capacity (< 60%)",
            )
    for row in pm:
        p = spec[row["plant_code"]]
        for param, value, limit in checks.plant_month_failures(row, p.grade, p.built_on):
            fail(
                "sewage.effluent",
                p.code,
                int(row["month"][:4]),
                f"{row['month']}: {param} {value:g} mg/L > {limit:g} (GB 18918 grade {p.grade},"
                f" water {row['water_temp_c']} degC)",
            )
    for (code, year), rate in sorted(checks.plant_reclaimed(pm).items()):
        if rate < checks.RECLAIMED_TARGET:
            fail("sewage.reclaimed", code, year, f"reclaimed {rate:.1%} of treated (< 20%)")
    for p, (zone, klass, body) in zip(PLANTS, receiving, strict=True):
        required = checks.required_grade(klass, body) if zone else ""
        low = required is None or checks.GRADE_RANK[p.grade] < checks.GRADE_RANK[required or "2"]
        if p.status == "operating" and zone and low:
            for year in YEARS:
                fail(
                    "sewage.receiving_grade",
                    p.code,
                    year,
                    f"grade {p.grade} discharging into {zone} (class {klass}, {body}) needs "
                    f"{required or 'no discharge'} (GB 18918-2002 4.1.2)",
                )
    operating = {p.town_code for p in PLANTS if p.status == "operating"}
    for town in TOWNS:
        if town.code not in operating:
            plants = [f"{p.code} {p.status}" for p in PLANTS if p.town_code == town.code]
            for year in YEARS:
                fail(
                    "town.sewage_plant",
                    town.code,
                    year,
                    f"{town.name} has no operating sewage plant ({', '.join(plants) or 'none'})",
                )

    # irrigation districts
    crop = {d.code: d.main_crop for d in IRRIGATION_DISTRICTS}
    for row in checks.as_dicts(IRRIGATION_HEADER, irrigation):
        f = checks.irrigation_figures(row)
        code, year = row["district_code"], int(row["year"])
        if f["coefficient"] < COEFFICIENT_TARGET:
            fail(
                "irrigation.coefficient",
                code,
                year,
                f"coefficient {f['coefficient']:.3f} < {COEFFICIENT_TARGET}",
            )
        if f["metering"] < checks.IRRIGATION_METERING_MIN:
            fail(
                "irrigation.metering",
                code,
                year,
                f"only {f['metering']:.1%} of the gross withdrawal is metered (< 90%)",
            )
        quota = CROP_QUOTA_M3_PER_MU.get(crop[code])
        if quota and f["per_mu"] > quota:
            fail(
                "irrigation.quota",
                code,
                year,
                f"{f['per_mu']:.0f} m3 per mu on {crop[code]}, quota ~{quota:.0f}",
            )

    # water users
    for i in range(len(users.code)):
        for k, year in enumerate(YEARS):
            plan = users.plan[i]
            if not np.isnan(plan) and annual[i, k] > plan:
                fail(
                    "user.over_plan",
                    users.code[i],
                    year,
                    f"used {annual[i, k]:,.0f} m3 against a plan of {plan:,.0f} "
                    f"(+{annual[i, k] / plan - 1:.0%})",
                )
        if np.isnan(users.plan[i]) and users.sector[i] != "residential":
            for k in np.flatnonzero(peak[i] > PLANNED_MONTHLY_LINE):
                fail(
                    "user.planned_use",
                    users.code[i],
                    YEARS[k],
                    f"no annual plan but {peak[i, k]:,.0f} m3 in one month of {YEARS[k]} "
                    "(> 10,000)",
                )
    for code, year, why in checks.permit_failures(
        users.code, users.source, users.sector, annual, permits
    ):
        fail("user.withdrawal_permit", code, year, why)
    key_users = {
        users.code[i]: {str(y): round(float(annual[i, k]), 1) for k, y in enumerate(YEARS)}
        for i in np.flatnonzero((annual >= KEY_USER_M3).any(axis=1))
    }

    # caps
    for ti, town in enumerate(TOWNS):
        for k, year in enumerate(YEARS):
            cap = caps.get(town.code, (None,) * 3)[k]
            if cap is not None and town_use[ti, k] > cap:
                fail(
                    "town.water_use_cap",
                    town.code,
                    year,
                    f"users in {town.name} (farms aside) used {town_use[ti, k]:,.0f} m3 > cap "
                    f"{cap:,.0f}",
                )

    found = {(f["rule"], f["code"]) for f in failures}
    if missing := set(FAILING_EXAMPLES.items()) - found:
        raise RuntimeError(f"designed failures missing from the data: {sorted(missing)}")
    if wrong := found & set(COMPLIANT_EXAMPLES.items()):
        raise RuntimeError(f"compliant examples fail: {sorted(wrong)}")

    problems = net.problems
    return {
        "source": SOURCE_NOTE,
        "generator": "demo.generator",
        "seed": seed,
        "scale": scale,
        "years": list(YEARS),
        "crs": "EPSG:4326",
        "metric_crs": "EPSG:4546",
        "counts": counts,
        "failures": failures,
        "failing_examples": FAILING_EXAMPLES,
        "compliant_examples": COMPLIANT_EXAMPLES,
        "leakage": leak,
        "pipe_km_dn75_in_service": {k: round(v, 3) for k, v in pipe_km.items()},
        "key_users": key_users,
        "county": county_figures(county, caps.get(COUNTY_CODE, ()), declines),
        "zones": zone_figures(balance, pipe_km, users, annual),
        "leak_records": len(leaks),
        "network_problems": {
            "dangling_ends": [node_codes[i] for i in problems["dangling"]],
            "disconnected_parts": [[pipe_codes[i] for i in g] for g in problems["disconnected"]],
            "duplicate_segments": [[pipe_codes[i] for i in g] for g in problems["duplicates"]],
            "crossings_without_node": [[pipe_codes[i] for i in g] for g in problems["crossings"]],
            "orphan_nodes": [node_codes[i] for i in problems["orphans"]],
            "hilltop_village": [node_codes[i] for i in problems.get("village", [])],
        },
        "notes": [
            f"{FAILING_ZONE} fails on NH3-N in dry-season months of 2023 and 2024 and recovers "
            "in 2025 (10 of 12).",
            f"{MISSING_SAMPLE[0]} has no sample in {MISSING_SAMPLE[1]}-{MISSING_SAMPLE[2]:02d}: "
            "its frequency counts the 11 samples taken.",
            "TN is measured on some rivers but, per GB 3838-2002, assessed on lakes/reservoirs "
            "only; river TN values would fail lake limits.",
            "SP01 was built before 2006: its TP (0.55-0.85 mg/L) meets the pre-2006 1A limit 1.0, "
            "not 0.5.",
            "SP01 2024-01: NH3-N 6.6 mg/L at 11.4 degC meets the <= 12 degC 1A limit 8 (not 5).",
            f"{SPECIAL_USERS[5].name} (WU000006) is residential: over 10,000 m3 in 2024-08 but "
            "exempt from planned-use management.",
            "SZ04's mean outlet pressure lies in the 0.55-0.75 MPa band (R3 = 1).",
            "Pipes are sized to the flow they carry from their plant (about 1 m/s at the peak "
            "hour) and each plant stands high enough to serve its streets with 0.14 MPa; SZ05 "
            "keeps a hilltop village above its plant's head (network_problems.hilltop_village): "
            "its demand junctions fall below 0.14 MPa in the demo's hydraulic run (2025 demand, "
            "steady state), so supply.service_pressure fails there in 2025 (no run: no data in "
            "2023-2024).",
            "Total use = abstractions by source (surface, groundwater, public water works, "
            "non-conventional); the county cap is met in 2023 and 2025 and exceeded in 2024. "
            "Town caps compare with the consumption of the users inside the town, farms aside.",
            "Users on a network consume exactly what the network bills (water-balance.csv).",
            f"Supply zones {', '.join(z.code for z in SUPPLY_ZONES)}; towns without a supply zone "
            "have self-supplied users only.",
        ],
    }


def county_figures(
    county: dict[int, dict[str, float]],
    caps: tuple[float | None, ...],
    declines: dict[int, dict[str, float]],
) -> dict[str, dict]:
    """Per year: total use and its sources, the cap, and the intensity declines."""
    out = {}
    for year, row in sorted(county.items()):
        total = sum(v for key, v in row.items() if key.startswith("abstraction_"))
        entry = {**row, "total_use_m3": total}
        if year in YEARS:
            cap = caps[YEARS.index(year)] if caps else None
            entry |= {
                "water_use_cap_m3": cap,
                "within_cap": cap is not None and total <= cap,
                "gdp_intensity_decline": round(declines[year]["gdp"], 4),
                "industry_intensity_decline": round(declines[year]["industry"], 4),
                "nonconventional_share": round(row["abstraction_nonconventional_m3"] / total, 4),
            }
        out[str(year)] = entry
    return out


def zone_figures(
    balance: list[list[str]], pipe_km: dict[str, float], users: Users, annual: np.ndarray
) -> dict[str, dict]:
    """Per zone and year: system input, billed, the zone's users' consumption, A (km / 10^4 m3)."""
    by_town = {z.town_code: z.code for z in SUPPLY_ZONES}
    piped = users.source == "public_network"
    zone_of_user = np.array([by_town.get(TOWNS[t].code, "") for t in users.town], dtype=object)
    out: dict[str, dict] = {}
    for row in checks.as_dicts(BALANCE_HEADER, balance):
        code, year = row["zone_code"], int(row["year"])
        qs = float(row["system_input_m3"])
        used = annual[piped & (zone_of_user == code), YEARS.index(year)].sum()
        out.setdefault(code, {})[str(year)] = {
            "system_input_m3": qs,
            "billed_m3": float(row["billed_authorized_m3"]),
            "users_m3": round(float(used), 1),
            "a_km_per_10k_m3": round(pipe_km[code] / (qs / 1e4), 4),
        }
    return out
