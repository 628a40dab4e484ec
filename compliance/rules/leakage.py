"""CJJ 92-2016 (2018 revision) water-loss rate of a supply zone (`supply.leakage`). No Django."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compliance.rules import (
    COMPLIANT,
    NON_COMPLIANT,
    Verdict,
    clean,
    fmt,
    no_data,
    num,
    refs,
    verdict_text,
)

UNIT = "%"
REF = "CJJ 92-2016 §5.1.2、§5.2.2、§5.2.3"
REF_EN = "CJJ 92-2016 §5.1.2, §5.2.2, §5.2.3"
FAILED_GRADE = "不达标"
GRADE_NAMES_EN = {"一级": "grade 1", "二级": "grade 2"}
M3_PER_10K_M3 = 10_000.0  # unit conversion (A is km per 10^4 m3), not a threshold


def r2_for_a(a: float, params: Mapping) -> float:
    """CJJ 92-2016 §5.2.3: R2 = 99 (A − 0.0693), clamped to ±3 (percentage points)."""
    clamp = float(params["r2_clamp"])
    r2 = float(params["r2_factor"]) * (a - float(params["r2_offset"]))
    return max(-clamp, min(clamp, r2))


def r3_for_pressure(pressure_mpa: float, bands: Sequence[Sequence[float | None]]) -> float:
    """CJJ 92-2016 §5.2.3: R3 from the yearly mean outlet pressure.

    bands: [[upper MPa, points], ...] in increasing order, upper bound inclusive (p ≤ 0.35 -> 0;
    0.35 < p ≤ 0.55 -> 0.5; ...), the last band open (upper None).
    """
    for upper, points in bands:
        if upper is None or clean(pressure_mpa) <= clean(float(upper)):
            return float(points)
    raise ValueError("pressure bands must end with an open band (upper bound null)")


def r4_for_frost(frost_depth_m: float, params: Mapping) -> float:
    """CJJ 92-2016 §5.2.3: R4 when the maximum frost depth exceeds 1.4 m, else 0."""
    return float(params["r4"]) if clean(frost_depth_m) > clean(params["frost_depth_m"]) else 0.0


def grade_for(r_bl: float, grades: Mapping[str, float]) -> str:
    """The best grade whose limit R_BL meets (§5.1.2: ≤ 10 一级, ≤ 12 二级), else 不达标."""
    for name, limit in sorted(grades.items(), key=lambda item: item[1]):
        if clean(r_bl) <= clean(float(limit)):
            return name
    return FAILED_GRADE


def supply_leakage(
    *,
    system_input_m3: float | None,
    billed_authorized_m3: float | None,
    unbilled_authorized_m3: float | None,
    household_metered_m3: float | None,
    km_dn75_plus: float | None,
    mean_pressure_mpa: float | None,
    max_frost_depth_m: float | None,
    params: dict,
    threshold: float,
    ref: str | None = None,
) -> Verdict:
    """A zone-year's R_BL (%) and grade against the required grade.

    Volumes in m³ per year; km_dn75_plus: length of in-service pipes ≥ DN75 in the zone (km,
    measured in EPSG:4546); pressure in MPa; frost depth in m. value = R_BL in percentage points;
    threshold: the limit of params["required_grade"] (the `threshold` argument when no grade is
    required). System input 0 or missing, or missing authorised use or pipe length -> no_data. A
    missing household-metered volume, pressure or frost depth leaves its correction at 0 (the
    uncorrected, higher R_BL) and is named in details["assumed_zero"].
    """
    ref_zh, ref_en = refs(ref, REF, REF_EN)
    grades: Mapping[str, float] = params["grades"]
    required = params.get("required_grade")
    limit = float(grades[required]) if required else float(threshold)
    q_s = num(system_input_m3)
    billed, unbilled, km = num(billed_authorized_m3), num(unbilled_authorized_m3), num(km_dn75_plus)
    missing = [
        name
        for name, value in (
            ("system_input_m3", q_s if q_s is not None and q_s > 0 else None),
            ("billed_authorized_m3", billed),
            ("unbilled_authorized_m3", unbilled),
            ("km_dn75_plus", km),
        )
        if value is None
    ]
    if missing or q_s is None or billed is None or unbilled is None or km is None:
        return no_data(
            UNIT,
            limit,
            f"水量平衡数据不全（缺 {', '.join(missing)}），无法计算漏损率（{ref_zh}）。",
            f"Incomplete water balance (missing {', '.join(missing)}): no loss rate ({ref_en}).",
            missing=missing,
        )

    assumed: list[str] = []
    household = num(household_metered_m3)
    pressure = num(mean_pressure_mpa)
    frost = num(max_frost_depth_m)
    # §5.2.2: R_WL = (Q_s − Q_a) / Q_s; Q_a = billed + unbilled authorised consumption.
    r_wl = (q_s - billed - unbilled) / q_s * 100.0
    if household is None:
        assumed.append("r1")
        r1 = 0.0
    else:
        r1 = float(params["r1_factor"]) * household / q_s  # §5.2.3: R1 = 8r
    a = km / (q_s / M3_PER_10K_M3)
    r2 = r2_for_a(a, params)
    if pressure is None:
        assumed.append("r3")
        r3 = 0.0
    else:
        r3 = r3_for_pressure(pressure, params["pressure_bands"])
    if frost is None:
        assumed.append("r4")
        r4 = 0.0
    else:
        r4 = r4_for_frost(frost, params)
    r_n = r1 + r2 + r3 + r4
    r_bl = clean(r_wl - r_n)
    grade = grade_for(r_bl, grades)
    status = COMPLIANT if r_bl <= clean(limit) else NON_COMPLIANT
    word_zh, word_en = verdict_text(status)
    sign = "≤" if status == COMPLIANT else ">"
    grade_zh = f"达到{grade}" if grade != FAILED_GRADE else "未达到任何等级"
    grade_en = GRADE_NAMES_EN.get(grade, grade) if grade != FAILED_GRADE else "no grade"
    need_zh = f"要求{required}" if required else f"限值 {fmt(limit)}%"
    need_en = (
        f"required {GRADE_NAMES_EN.get(required, required)}" if required else f"limit {fmt(limit)}%"
    )
    note_zh = f"；{'、'.join(assumed).upper()} 缺数据按 0 计" if assumed else ""
    note_en = f"; {', '.join(assumed).upper()} not reported, taken as 0" if assumed else ""
    return Verdict(
        value=r_bl,
        threshold=limit,
        unit=UNIT,
        status=status,
        details={
            "r_wl": clean(r_wl),
            "r1": clean(r1),
            "r2": clean(r2),
            "r3": clean(r3),
            "r4": clean(r4),
            "a": clean(a),
            "r_n": clean(r_n),
            "grade": grade,
            "required_grade": required,
            "system_input_m3": q_s,
            "km_dn75_plus": km,
            "assumed_zero": assumed,
        },
        explanation_zh=(
            f"综合漏损率 R_WL {fmt(r_wl)}%，修正值 R1 {fmt(r1)} + R2 {fmt(r2)}（A {fmt(a)}）"
            f" + R3 {fmt(r3)} + R4 {fmt(r4)}，漏损率 R_BL {fmt(r_bl)}% {sign} {fmt(limit)}%，"
            f"{grade_zh}，{word_zh}（{need_zh}{note_zh}；{ref_zh}）。"
        ),
        explanation_en=(
            f"Gross loss rate R_WL {fmt(r_wl)}%, corrections R1 {fmt(r1)} + R2 {fmt(r2)} "
            f"(A {fmt(a)}) + R3 {fmt(r3)} + R4 {fmt(r4)}: loss rate R_BL {fmt(r_bl)}% {sign} "
            f"{fmt(limit)}%, {grade_en}, {word_en} ({need_en}{note_en}; {ref_en})."
        ),
    )


__all__ = ["grade_for", "r2_for_a", "r3_for_pressure", "r4_for_frost", "supply_leakage"]
