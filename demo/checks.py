"""The rules of DESIGN.md re-evaluated on generated rows, to write true verdicts in the manifest.

These mirror the compliance app's rules only so the generator can prove its deliberate failures;
the thresholds are the defaults DESIGN.md names (the app reads its own from data).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from demo.common import YEARS
from demo.records import GB3838, GB18918, r2_for_a, r3_for_pressure

Row = Mapping[str, str]
WFZ_REQUIRED_FREQUENCY = 0.8  # GB 3838 assessment: compliant samples / samples >= 80%
LEAKAGE_GRADES = (10.0, 12.0)  # CJJ 92-2016: <= 10 一级, <= 12 二级
LEAKAGE_REQUIRED = LEAKAGE_GRADES[0]  # the app's default: 一级 required
RECLAIMED_TARGET = 0.2  # reclaimed / treated; the app flags plants below it (a bonus line)
LOAD_MIN = 0.6  # a plant-year below 60% load is under-loaded
COLD_C = 12.0  # GB 18918: NH3-N bracket limit applies at water temperature <= 12 degC
TP_NEW_PLANT_DATE = "2006-01-01"
IRRIGATION_METERING_MIN = 0.9  # metered share of a district's gross withdrawal
SERVICE_PRESSURE_M = 14.28  # 0.14 MPa x 101.97 m/MPa (supply.service_pressure)
SERVICE_PASS_RATE = 97.0  # % of a zone's demand junctions at or above it
M_PER_MPA = 101.97
# GB 18918-2002 4.1.2.2-3: the least grade by the receiving zone's class (None: class I-II take
# no new discharge); lakes and reservoirs need 1B at least.
MIN_GRADE_BY_CLASS = {1: None, 2: None, 3: "1B", 4: "2", 5: "2"}
GRADE_RANK = {"1A": 3, "1B": 2, "2": 1}
RECEIVING_RADIUS_M = 5000.0


def required_grade(zone_class: int, water_body: str) -> str | None:
    """The least effluent grade a plant discharging into such a zone must meet."""
    need = MIN_GRADE_BY_CLASS.get(zone_class)
    if need is not None and water_body == "lake" and GRADE_RANK["1B"] > GRADE_RANK[need]:
        need = "1B"
    return need


def as_dicts(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[dict[str, str]]:
    """Rows (lists of cells) as dicts keyed by the header."""
    return [dict(zip(header, r, strict=True)) for r in rows]


def _num(cell: str) -> float | None:
    return float(cell) if cell != "" else None


# --- water-function zones ------------------------------------------------------------------
def sample_class(row: Row, water_body: str) -> int:
    """Worst class (1-5, 6 = 劣V) over the measured parameters; missing ones are skipped."""
    worst = 1
    params = ["do", "codmn", "cod", "bod5", "nh3n", "tp"] + (["tn"] if water_body == "lake" else [])
    for p in params:
        v = _num(row[p])
        if v is None:
            continue
        key = {"tp": f"tp_{'lake' if water_body == 'lake' else 'river'}", "tn": "tn_lake"}.get(p, p)
        limits = GB3838[key]
        ok = [v >= lim if p == "do" else v <= lim for lim in limits]
        worst = max(worst, ok.index(True) + 1 if any(ok) else 6)
    return worst


def wfz_frequency(
    rows: Iterable[Row], zones: Mapping[str, tuple[str, int]]
) -> dict[tuple[str, int], tuple[int, int]]:
    """(zone, year) -> (samples, compliant samples); zones: code -> (water_body, target)."""
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        body, target = zones[row["zone_code"]]
        key = (row["zone_code"], int(row["sampled_on"][:4]))
        out[key][0] += 1
        out[key][1] += sample_class(row, body) <= target
    return {k: (v[0], v[1]) for k, v in out.items()}


# --- supply networks ------------------------------------------------------------------------
def leakage(row: Row, pipe_km: float) -> dict[str, float]:
    """CJJ 92-2016 R_WL, corrections and R_BL (percentage points) for one balance row."""
    qs = float(row["system_input_m3"])
    qa = float(row["billed_authorized_m3"]) + float(row["unbilled_authorized_m3"])
    r_wl = (qs - qa) / qs * 100
    r1 = 8 * float(row["household_metered_residential_m3"]) / qs
    a = pipe_km / (qs / 1e4)
    r2 = r2_for_a(a)
    r3 = r3_for_pressure(float(row["mean_outlet_pressure_mpa"]))
    r4 = 1.0 if float(row["max_frost_depth_m"]) > 1.4 else 0.0
    return {
        "r_wl": r_wl,
        "r1": r1,
        "a": a,
        "r2": r2,
        "r3": r3,
        "r4": r4,
        "r_bl": r_wl - (r1 + r2 + r3 + r4),
    }


# --- sewage plants ----------------------------------------------------------------------------
def plant_month_failures(row: Row, grade: str, built_on: str) -> list[tuple[str, float, float]]:
    """(parameter, value, limit) of every measured parameter over the grade's limit."""
    lim = GB18918[grade]
    temp = _num(row["water_temp_c"])
    cold = temp is not None and temp <= COLD_C
    limits = {
        "cod": lim["cod"],
        "bod5": lim["bod5"],
        "ss": lim["ss"],
        "tn": lim["tn"],
        "nh3n": lim["nh3n"][1 if cold else 0],
        "tp": lim["tp"][0 if built_on >= TP_NEW_PLANT_DATE else 1],
    }
    out = []
    for p, limit in limits.items():
        v = _num(row[p])
        if v is not None and limit is not None and v > float(limit):
            out.append((p, v, float(limit)))
    return out


def plant_load(rows: Iterable[Row], capacity: Mapping[str, float]) -> dict[tuple[str, int], float]:
    """(plant, year) -> mean daily treated volume / design capacity."""
    treated: dict[tuple[str, int], float] = defaultdict(float)
    days: dict[tuple[str, int], int] = defaultdict(int)
    for row in rows:
        y, m = int(row["month"][:4]), int(row["month"][5:])
        key = (row["plant_code"], y)
        treated[key] += float(row["treated_m3"])
        days[key] += calendar.monthrange(y, m)[1]
    return {k: treated[k] / days[k] / capacity[k[0]] for k in treated}


def plant_reclaimed(rows: Iterable[Row]) -> dict[tuple[str, int], float]:
    """(plant, year) -> reclaimed / treated over the year."""
    treated: dict[tuple[str, int], float] = defaultdict(float)
    reclaimed: dict[tuple[str, int], float] = defaultdict(float)
    for row in rows:
        key = (row["plant_code"], int(row["month"][:4]))
        treated[key] += float(row["treated_m3"])
        reclaimed[key] += float(row["reclaimed_m3"] or 0)
    return {k: reclaimed[k] / treated[k] for k in treated if treated[k] > 0}


# --- irrigation ---------------------------------------------------------------------------------
def irrigation_figures(row: Row) -> dict[str, float]:
    """Coefficient (net / gross), m3 per 亩 and metering rate of one district-year."""
    gross = float(row["gross_withdrawal_m3"])
    return {
        "coefficient": float(row["net_field_m3"]) / gross,
        "per_mu": gross / float(row["irrigated_area_mu"]),
        "metering": float(row["metered_withdrawal_m3"]) / gross,
    }


# --- withdrawal permits ------------------------------------------------------------------------
def permit_failures(
    codes, sources, sectors, annual, permits: list[list[str]]
) -> list[tuple[str, int, str]]:
    """(user, year, why) of self-supplied non-residential users failing their permit: none
    valid in the year, lapsed before its end, withdrawal over the permitted volume, or an
    intake without a monitoring point (annual: users x years, m3; permits: permit rows)."""
    by_user: dict[str, list[list[str]]] = defaultdict(list)
    for row in permits:
        by_user[row[0]].append(row)
    out = []
    for i, code in enumerate(codes):
        if sources[i] not in ("surface", "groundwater") or sectors[i] == "residential":
            continue
        for k, year in enumerate(YEARS):
            start, end = f"{year}-01-01", f"{year}-12-31"
            valid = [p for p in by_user[code] if p[7] <= end and p[8] >= start]
            if not valid:
                out.append((code, year, "withdrawal without a valid permit"))
                continue
            why = []
            if max(p[8] for p in valid) < end:
                why.append("permit lapsed before the year's end")
            if annual[i, k] > sum(float(p[5]) for p in valid):
                why.append("withdrawal over the permitted volume")
            if any(p[9] == "false" for p in valid):
                why.append("intake without a monitoring point")
            if why:
                out.append((code, year, "; ".join(why)))
    return out


def service_pressure(
    head_m: float, ground_m: np.ndarray, demand_lps: np.ndarray
) -> tuple[int, int, float]:
    """A zone's demand junctions at or above the minimum service pressure at zero flow:
    (judged, ok, pass rate %). head_m: the plant's elevation + its outlet pressure (m); the
    demo's pipes are sized so that head loss at mean-day demand stays within the margin its
    streets keep (demo.network_terrain), so the steady-state run agrees."""
    judged = demand_lps > 0
    ok = int(((head_m - ground_m[judged]) >= SERVICE_PRESSURE_M).sum())
    n = int(judged.sum())
    return n, ok, (100.0 * ok / n if n else 100.0)
