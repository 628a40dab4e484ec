"""Sewage plants and towns: GB 18918-2002 effluent, load, reclaimed water, one plant per town.

Indicators `sewage.effluent`, `sewage.load`, `sewage.reclaimed`, `town.sewage_plant`. No Django.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from compliance.rules import (
    COMPLIANT,
    NON_COMPLIANT,
    Verdict,
    clean,
    fmt,
    no_data,
    num,
    pct,
    refs,
    status_of,
    verdict_text,
)

RATE_UNIT = "0–1"
REF = "GB 18918-2002 表1及表注"
REF_EN = "GB 18918-2002 Table 1 and notes"
LOAD_REF = "污水处理厂运行负荷率（60% 线，出处待核）"
LOAD_REF_EN = "sewage plant load rate (60% line, source to be confirmed)"
RECLAIMED_REF = "《水污染防治行动计划》（国发〔2015〕17号）"
RECLAIMED_REF_EN = "Water Pollution Prevention Action Plan, Guofa [2015] No. 17"
TOWN_REF = "连州市县域节水型社会达标建设实施方案 三（四）6 一镇一污水处理厂"
TOWN_REF_EN = "Lianzhou water-saving plan III(4)6: one sewage plant per town"
# GB 18918 limits are daily means; the plants report monthly means (said in every sentence).
MONTHLY_NOTE_ZH = "注：GB 18918 限值为日均值，本评价以月报月均值对照，月内个别超标日可能未体现。"
MONTHLY_NOTE_EN = (
    "Note: GB 18918 limits are daily means; monthly means are compared with them, so a month's "
    "mean can hide days over the limit."
)
RECEIVING_REF = "GB 18918-2002 §4.1.2.2–§4.1.2.3"
GRADE_NAMES = {"1A": ("一级A", "1A"), "1B": ("一级B", "1B"), "2": ("二级", "2")}
PARAMETER_NAMES = {
    "cod": ("COD", "COD"),
    "bod5": ("BOD5", "BOD5"),
    "ss": ("SS", "SS"),
    "nh3n": ("氨氮", "NH3-N"),
    "tn": ("总氮", "TN"),
    "tp": ("总磷", "TP"),
}
_SHOWN_FAILURES = 3  # how many failures a sentence names; details carry them all


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _year_month(value: Any) -> tuple[int, int]:
    """(year, month) of a month given as date/datetime, 'YYYY-MM' or 'YYYY-MM-DD'."""
    if isinstance(value, date):
        return value.year, value.month
    text = str(value)
    try:
        year, month = int(text[:4]), int(text[5:7])
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {value!r}") from None
    if text[4:5] != "-" or not 1 <= month <= 12:
        raise ValueError(f"month must be YYYY-MM, got {value!r}")
    return year, month


def month_label(value: Any) -> str | None:
    """'YYYY-MM' of a month value, None when absent."""
    if value is None or value == "":
        return None
    year, month = _year_month(value)
    return f"{year:04d}-{month:02d}"


def grade_limits(grade: str, params: Mapping) -> Mapping[str, Any]:
    """The limit row of an effluent grade (1A | 1B | 2)."""
    try:
        return params["limits"][grade]
    except KeyError:
        raise ValueError(
            f"unknown effluent grade {grade!r}; expected one of {sorted(params['limits'])}"
        ) from None


def month_limits(
    grade: str, water_temp_c: float | None, built_on: date | None, params: Mapping
) -> dict[str, float | None]:
    """Each parameter's limit (mg/L) for one month; None = no limit at this grade.

    GB 18918-2002 表1 notes: the bracketed NH3-N limit ("cold") applies when the water is
    ≤ 12 °C (a month without a temperature gets the ordinary limit); TP depends on whether the
    plant was built before 2006-01-01 (a plant without a build date gets the newer, stricter one).
    """
    temp = num(water_temp_c)
    cold = temp is not None and clean(temp) <= clean(float(params["cold_water_temp_c"]))
    switch = _as_date(params["tp_date_switch"])
    built = _as_date(built_on)
    old = built is not None and switch is not None and built < switch
    out: dict[str, float | None] = {}
    for name, limit in grade_limits(grade, params).items():
        if isinstance(limit, Mapping):
            if "cold" in limit:
                limit = limit["cold" if cold else "warm"]
            else:
                limit = limit["before_2006" if old else "since_2006"]
        out[name] = None if limit is None else float(limit)
    return out


def month_verdict(
    month: dict, grade: str, built_on: date | None, params: dict
) -> tuple[bool | None, list[dict]]:
    """Whether one month meets the grade, and its failures [{parameter, value, limit}] (mg/L).

    Unmeasured parameters are skipped; a month with no measured, limited parameter -> None.
    """
    limits = month_limits(grade, month.get("water_temp_c"), built_on, params)
    measured = 0
    failing: list[dict] = []
    for name, limit in limits.items():
        value = num(month.get(name))
        if value is None or limit is None:
            continue
        measured += 1
        if clean(value) > clean(limit):
            failing.append({"parameter": name, "value": value, "limit": limit})
    if not measured:
        return None, []
    return not failing, failing


def effluent_year(
    months: list[dict],
    grade: str,
    built_on: date | None,
    params: dict,
    threshold: float,
    *,
    ref: str | None = None,
) -> Verdict:
    """A plant-year's effluent compliance rate: compliant months ÷ months reported (0–1).

    months: dicts with month (YYYY-MM), cod, bod5, ss, nh3n, tn, tp (mg/L), water_temp_c (°C).
    A month with nothing measured is not counted; none counted -> no_data.
    """
    ref_zh, ref_en = refs(ref, REF, REF_EN)
    grade_zh, grade_en = GRADE_NAMES.get(grade, (grade, grade))
    assessed = compliant = 0
    failing: list[dict] = []
    for month in months:
        ok, fails = month_verdict(month, grade, built_on, params)
        if ok is None:
            continue
        assessed += 1
        compliant += ok
        label = month_label(month.get("month"))
        failing.extend({"month": label, **fail} for fail in fails)
    if not assessed:
        return no_data(
            RATE_UNIT,
            threshold,
            f"全年无出水水质监测数据（{grade_zh}；{ref_zh}），无法评价。",
            f"No effluent measurement in the year (grade {grade_en}; {ref_en}).",
            months=0,
            compliant_months=0,
            failing=[],
        )
    value = compliant / assessed
    status = status_of(value, "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if status == COMPLIANT else "<"
    shown = failing[:_SHOWN_FAILURES]
    more = "…" if len(failing) > len(shown) else ""
    notes_zh, notes_en = [], []
    if failing:
        notes_zh.append("超标：" + "，".join(_failure_text(f, 0) for f in shown) + more)
        notes_en.append("exceeded: " + ", ".join(_failure_text(f, 1) for f in shown) + more)
    return Verdict(
        value=value,
        threshold=threshold,
        unit=RATE_UNIT,
        status=status,
        details={
            "months": assessed,
            "compliant_months": compliant,
            "failing": failing,
            "grade": grade,
            "built_on": _iso(built_on),
        },
        explanation_zh=(
            f"{assessed} 个月中 {compliant} 个月出水月均值达到{grade_zh}标准，达标率 {pct(value)} "
            f"{sign} {pct(threshold)}，{word_zh}（{'；'.join([*notes_zh, ref_zh])}）。"
            f"{MONTHLY_NOTE_ZH}"
        ),
        explanation_en=(
            f"{compliant} of {assessed} months meet grade {grade_en} on their monthly mean: rate "
            f"{pct(value)} {sign} {pct(threshold)}, {word_en} ({'; '.join([*notes_en, ref_en])})."
            f" {MONTHLY_NOTE_EN}"
        ),
    )


def _failure_text(failure: Mapping, lang: int) -> str:
    """'2024-01 NH3-N 9.2 > 8 mg/L' (lang 0 = Chinese names, 1 = English)."""
    name = PARAMETER_NAMES.get(failure["parameter"], (failure["parameter"],) * 2)[lang]
    month = f"{failure['month']} " if failure.get("month") else ""
    return f"{month}{name} {fmt(failure['value'])} > {fmt(failure['limit'])} mg/L"


def _iso(value: Any) -> str | None:
    day = _as_date(value)
    return day.isoformat() if day else None


def load_year(
    months: list[dict],
    design_capacity_m3d: float | None,
    threshold: float,
    *,
    ref: str | None = None,
) -> Verdict:
    """Load rate: mean daily treated volume over the days of the reported months ÷ capacity.

    months: dicts with month (YYYY-MM) and treated_m3 (m³ in the month); a month without
    treated_m3 is not reported. Capacity in m³/d. Below the threshold the plant is under-loaded.
    """
    ref_zh, ref_en = refs(ref, LOAD_REF, LOAD_REF_EN)
    capacity = num(design_capacity_m3d)
    treated = 0.0
    days = reported = 0
    for month in months:
        volume = num(month.get("treated_m3"))
        if volume is None:
            continue
        year, number = _year_month(month.get("month"))
        days += calendar.monthrange(year, number)[1]
        treated += volume
        reported += 1
    if capacity is None or capacity <= 0 or not reported:
        why_zh = "无设计规模" if capacity is None or capacity <= 0 else "全年无处理水量记录"
        why_en = "no design capacity" if capacity is None or capacity <= 0 else "no treated volume"
        return no_data(
            RATE_UNIT,
            threshold,
            f"{why_zh}，无法计算运行负荷率（{ref_zh}）。",
            f"Load rate not computable: {why_en} ({ref_en}).",
            months=reported,
            design_capacity_m3d=capacity,
        )
    mean_daily = treated / days
    value = mean_daily / capacity
    status = status_of(value, "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if status == COMPLIANT else "<"
    low_zh = "" if status == COMPLIANT else "，负荷不足"
    low_en = "" if status == COMPLIANT else ", under-loaded"
    return Verdict(
        value=value,
        threshold=threshold,
        unit=RATE_UNIT,
        status=status,
        details={
            "months": reported,
            "days": days,
            "treated_m3": treated,
            "mean_daily_m3": mean_daily,
            "design_capacity_m3d": capacity,
        },
        explanation_zh=(
            f"{reported} 个月日均处理水量 {fmt(mean_daily, 0)} m³/d，为设计规模 "
            f"{fmt(capacity, 0)} m³/d 的 {pct(value)}，{sign} {pct(threshold)}，"
            f"{word_zh}{low_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Mean daily treated volume over {reported} month{'s' if reported != 1 else ''} is "
            f"{fmt(mean_daily, 0)} m³/d, "
            f"{pct(value)} of the {fmt(capacity, 0)} m³/d design capacity, {sign} "
            f"{pct(threshold)}: {word_en}{low_en} ({ref_en})."
        ),
    )


def reclaimed_year(months: list[dict], threshold: float, *, ref: str | None = None) -> Verdict:
    """Reclaimed water rate: reclaimed ÷ treated over the months reporting both (0–1)."""
    ref_zh, ref_en = refs(ref, RECLAIMED_REF, RECLAIMED_REF_EN)
    treated = reclaimed = 0.0
    reported = 0
    for month in months:
        t, r = num(month.get("treated_m3")), num(month.get("reclaimed_m3"))
        if t is None or r is None:
            continue
        treated += t
        reclaimed += r
        reported += 1
    if treated <= 0:
        return no_data(
            RATE_UNIT,
            threshold,
            f"全年无处理水量与再生水量记录，无法计算再生水利用率（{ref_zh}）。",
            f"No treated and reclaimed volumes in the year: no reclaimed-water rate ({ref_en}).",
            months=reported,
        )
    value = reclaimed / treated
    status = status_of(value, "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if status == COMPLIANT else "<"
    return Verdict(
        value=value,
        threshold=threshold,
        unit=RATE_UNIT,
        status=status,
        details={"months": reported, "treated_m3": treated, "reclaimed_m3": reclaimed},
        explanation_zh=(
            f"再生水利用量 {fmt(reclaimed, 0)} m³ / 处理水量 {fmt(treated, 0)} m³，再生水利用率 "
            f"{pct(value)} {sign} {pct(threshold)}，{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Reclaimed {fmt(reclaimed, 0)} m³ of {fmt(treated, 0)} m³ treated: rate "
            f"{pct(value)} {sign} {pct(threshold)}, {word_en} ({ref_en})."
        ),
    )


def town_plant(
    operating_plants: int | None, threshold: float, *, ref: str | None = None
) -> Verdict:
    """One town, one plant: the number of operating plants inside the town against threshold."""
    ref_zh, ref_en = refs(ref, TOWN_REF, TOWN_REF_EN)
    if operating_plants is None:
        return no_data(
            "个", threshold, f"无乡镇边界或污水厂数据（{ref_zh}）。", f"No data ({ref_en})."
        )
    status = status_of(float(operating_plants), "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if status == COMPLIANT else "<"
    return Verdict(
        value=float(operating_plants),
        threshold=threshold,
        unit="个",
        status=status,
        details={"operating_plants": operating_plants},
        explanation_zh=(
            f"镇内运行中的污水处理厂 {operating_plants} 座 {sign} {fmt(threshold)} 座，"
            f"{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"{operating_plants} operating sewage plant(s) in the town {sign} {fmt(threshold)}: "
            f"{word_en} ({ref_en})."
        ),
    )


def receiving_grade(
    grade: str,
    zone_code: str | None,
    zone_class: int | None,
    water_body: str | None,
    params: Mapping,
    *,
    ref: str | None = None,
) -> Verdict:
    """Whether the plant's declared effluent grade is at least what its receiving water needs.

    GB 18918-2002 §4.1.2.2: discharge into a GB 3838 class III zone (drinking-water protection
    areas and bathing waters aside) or into a lake or reservoir needs grade 1B at least;
    §4.1.2.3: classes IV–V need grade 2. Class I–II zones take no new discharge
    (params.min_grade_by_class maps them to None: non-compliant whatever the grade). No zone
    near the plant: no_data. Value: the required grade's rank minus the plant's (> 0 fails).
    """
    ref_zh, ref_en = refs(ref, RECEIVING_REF, RECEIVING_REF)
    rank = params["grade_rank"]
    grade_zh, grade_en = GRADE_NAMES.get(grade, (grade, grade))
    if zone_code is None or zone_class is None:
        return no_data(
            "",
            None,
            f"附近无水功能区，无法判定受纳水体（{ref_zh}）。",
            f"No water-function zone near the plant: receiving water unknown ({ref_en}).",
        )
    by_class = params["min_grade_by_class"]
    required = by_class.get(str(zone_class))
    closed = water_body in ("lake", "reservoir")
    if closed and required is not None and rank[params["closed_water_min_grade"]] > rank[required]:
        required = params["closed_water_min_grade"]
    roman = "Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ".split()[zone_class - 1] if 1 <= zone_class <= 5 else str(zone_class)
    details = {
        "grade": grade,
        "receiving_zone": zone_code,
        "zone_class": zone_class,
        "required_grade": required,
    }
    if required is None:
        return Verdict(
            value=None,
            threshold=None,
            unit="",
            status=NON_COMPLIANT,
            details=details,
            explanation_zh=(
                f"出水排入{roman}类水功能区 {zone_code}，该类水域不得新设排污口，"
                f"不达标（{ref_zh}）。"
            ),
            explanation_en=(
                f"Discharges into class {roman} zone {zone_code}, which takes no new discharge: "
                f"non-compliant ({ref_en})."
            ),
        )
    gap = float(rank[required] - rank.get(grade, 0))
    status = COMPLIANT if gap <= 0 else NON_COMPLIANT
    word_zh, word_en = verdict_text(status)
    need_zh, need_en = GRADE_NAMES[required]
    where_zh = "湖库（封闭水域）" if closed else f"{roman}类水功能区"
    where_en = "a lake or reservoir" if closed else f"a class {roman} zone"
    return Verdict(
        value=gap,
        threshold=0.0,
        unit="",
        status=status,
        details=details,
        explanation_zh=(
            f"执行{grade_zh}标准，出水排入{where_zh} {zone_code}，要求不低于{need_zh}，"
            f"{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Grade {grade_en}, discharging into {where_en} ({zone_code}) that needs at least "
            f"{need_en}: {word_en} ({ref_en})."
        ),
    )


__all__ = [
    "effluent_year",
    "receiving_grade",
    "grade_limits",
    "load_year",
    "month_label",
    "month_limits",
    "month_verdict",
    "reclaimed_year",
    "town_plant",
]
