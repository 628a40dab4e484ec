"""The county scorecard (县域节水型社会达标): lines computed from the data and the feature verdicts,
and the verdict of the 2017 standard.

Structure (compliance/indicators.json, docs/compliance.md): the 2017 standard's lines
(`assessment` "standard_2017") are prerequisites (veto the pass, score nothing), scored lines
(their points sum to the 100 of the standard) and bonus items (capped); lines of other
assessments (最严格水资源管理考核, the county plan) are judged and shown apart and never touch
the pass total. Points, thresholds and the pass line are indicator data, unverified until the
bureau confirms them. A line without data scores nothing and is listed as not judgeable, with
what the county must supply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.evaluators import IndicatorData, Indicators, Row
from compliance.figures import Figure
from compliance.figures import none as _none
from compliance.figures import share as _share
from compliance.inputs import CountyInput, UserInput
from compliance.register_figures import REGISTER_FIGURES
from compliance.rules import (
    COMPLIANT,
    NO_DATA,
    NON_COMPLIANT,
    Verdict,
    fmt,
    pct,
    status_of,
    verdict_text,
)

PASS_LINE = "county.pass_line"  # noqa: S105 - an indicator code
STANDARD = "standard_2017"
# The county's verdict on the 2017 standard.
PASSED, FAILED, CANNOT_BE_JUDGED = "passed", "failed", "cannot_be_judged"
VERDICT_NO_DATA = "no_data"
SERVICES_SECTORS = ("services", "public_institution")
ABSTRACTION_SOURCES = {  # area-stats field: (Chinese, English)
    "abstraction_surface_m3": ("自备地表水", "self-supplied surface"),
    "abstraction_groundwater_m3": ("自备地下水", "self-supplied groundwater"),
    "abstraction_public_supply_m3": ("公共供水厂取水", "public water works"),
    "abstraction_nonconventional_m3": ("非常规水源", "non-conventional"),
}


def _verdict_share(rows: list[Row], code: str, zh: str, en: str) -> Figure:
    assessed = [
        r.verdict.status for r in rows if r.indicator == code and r.verdict.status != NO_DATA
    ]
    good = sum(1 for s in assessed if s == COMPLIANT)
    return _share(good, len(assessed), zh, en, assessed=len(assessed), compliant=good)


def _use(u: UserInput) -> float:
    return sum(u.monthly_m3)


def consumption_total(data: CountyInput) -> float:
    """End users' consumption plus the irrigation districts' gross withdrawal (m³): the
    cross-check of the abstractions, never the county's total use."""
    fields = sum(d.record["gross_withdrawal_m3"] for d in data.districts if d.record)
    return sum(_use(u) for u in data.users) + fields


def abstraction_total(stats: dict | None) -> tuple[float | None, dict]:
    """The total use of a year = Σ abstractions by source (area statistics), and the parts.

    None when no source is reported; a source left empty counts 0 and is named in `missing`.
    """
    stats = stats or {}
    parts = {k: stats.get(k) for k in ABSTRACTION_SOURCES}
    if all(v is None for v in parts.values()):
        return None, {}
    missing = [k for k, v in parts.items() if v is None]
    total = sum(v or 0.0 for v in parts.values())
    return total, {"sources": parts, "missing_sources": missing, "total_m3": total}


def _sources_text(details: dict) -> tuple[str, str]:
    sources = details["sources"]
    zh = "＋".join(f"{ABSTRACTION_SOURCES[k][0]} {fmt(v or 0, 0)}" for k, v in sources.items())
    en = " + ".join(f"{ABSTRACTION_SOURCES[k][1]} {fmt(v or 0, 0)}" for k, v in sources.items())
    if details["missing_sources"]:
        zh += (
            "（未报："
            + "、".join(ABSTRACTION_SOURCES[k][0] for k in details["missing_sources"])
            + "）"
        )
        en += (
            " (not reported: "
            + ", ".join(ABSTRACTION_SOURCES[k][1] for k in details["missing_sources"])
            + ")"
        )
    return zh, en


def _cap(data: CountyInput) -> Figure:
    cap = (data.stats or {}).get("water_use_cap_m3")
    use, parts = abstraction_total(data.stats)
    if use is None:
        return _none("无按水源统计的取水量", "no abstractions by source")
    if not cap:
        return _none("未设用水总量控制指标", "no water-use cap set")
    consumed = consumption_total(data)
    src_zh, src_en = _sources_text(parts)
    check_zh = f"；用水户用水量与灌区取水量合计 {fmt(consumed, 0)} m³（核对）"
    check_en = (
        f"; users' consumption plus irrigation withdrawals {fmt(consumed, 0)} m³ (cross-check)"
    )
    return Figure(
        use / cap,
        f"用水总量 {fmt(use, 0)} m³（{src_zh}）/ 控制指标 {fmt(cap, 0)} m³{check_zh}",
        f"total use {fmt(use, 0)} m³ ({src_en}) / cap {fmt(cap, 0)} m³{check_en}",
        {
            **parts,
            "use_m3": use,
            "cap_m3": cap,
            "consumption_m3": consumed,
        },
    )


def _decline(data: CountyInput, i: IndicatorData, per: str) -> Figure:
    """1 − intensity of the year ÷ intensity of the base year (use per 10,000 yuan)."""
    base_year = int(i.params.get("base_year", data.year))
    target = (i.params.get("targets_by_year") or {}).get(str(data.year), i.threshold)
    label_zh, label_en = (
        ("地区生产总值", "GDP")
        if per == "gdp_10k_yuan"
        else ("工业增加值", "industrial value added")
    )

    def intensity(year: int) -> tuple[float | None, float | None]:
        stats = data.stats_history.get(year) or {}
        use = (
            abstraction_total(stats)[0] if per == "gdp_10k_yuan" else stats.get("industrial_use_m3")
        )
        denominator = stats.get(per)
        return (use / denominator if use is not None and denominator else None), use

    now, use_now = intensity(data.year)
    base, use_base = intensity(base_year)
    if now is None or base is None:
        missing = data.year if now is None else base_year
        return Figure(
            None,
            f"{missing} 年缺少用水量或{label_zh}统计",
            f"no use or {label_en} for {missing}",
            {"base_year": base_year, "target": target},
            threshold=target,
        )
    value = 1 - now / base
    return Figure(
        value,
        f"{data.year} 年 {fmt(now, 2)} m³/万元，基准年 {base_year} 年 {fmt(base, 2)} m³/万元",
        f"{data.year}: {fmt(now, 2)} m³ per 10k yuan; base year {base_year}: {fmt(base, 2)}",
        {
            "base_year": base_year,
            "intensity": now,
            "base_intensity": base,
            "use_m3": use_now,
            "base_use_m3": use_base,
            "target": target,
        },
        threshold=target,
    )


def _carrier(data: CountyInput, sectors: tuple[str, ...], kind: str, zh: str, en: str) -> Figure:
    """Carriers recognised in or before the year ÷ users of the sectors."""
    members = [u for u in data.users if u.sector in sectors]
    recognised = [u for u in members if u.carrier == kind]
    counted = [u for u in recognised if u.carrier_year is None or u.carrier_year <= data.year]
    return _share(
        len(counted),
        len(members),
        zh,
        en,
        recognised_later=sum(
            1 for u in recognised if u.carrier_year and u.carrier_year > data.year
        ),
        year_unknown=sum(1 for u in recognised if u.carrier_year is None),
    )


def _leakage(data: CountyInput, rows: list[Row]) -> Figure:
    # Supply-weighted mean of the zones' R_BL (CJJ 92-2016 applied zone by zone).
    weights = {z.id: (z.balance or {}).get("system_input_m3") or 0 for z in data.supply_zones}
    pairs = [
        (r.verdict.value, weights.get(r.feature_id, 0))
        for r in rows
        if r.indicator == "supply.leakage" and r.verdict.value is not None
    ]
    total = sum(w for _v, w in pairs)
    if not total:
        return _none("无供水分区水平衡数据", "no supply-zone water balance")
    value = sum(v * w for v, w in pairs) / total
    return Figure(
        value,
        f"{len(pairs)} 个供水分区按供水量加权",
        f"{len(pairs)} zones, weighted by system input",
        {"zones": len(pairs), "system_input_m3": total},
    )


def _planned_coverage(data: CountyInput, rows: list[Row], ind: Indicators) -> Figure:
    """Planned use ÷ use of the users that must be planned: those over the monthly line
    (user.planned_use) and every self-supplied user outside the exempt sectors, since a
    self-supplied user holds a withdrawal permit (取水许可) and permit holders are planned."""
    plan = ind.get("user.planned_use")
    exempt = set(plan.params.get("sectors_exempt", [])) if plan else set()
    must = {
        r.feature_id
        for r in rows
        if r.indicator == "user.planned_use" and r.verdict.details.get("must_plan")
    }
    permit = {u.id for u in data.users if u.source != "public_network" and u.sector not in exempt}
    obliged = [u for u in data.users if u.id in must | permit]
    planned = sum(_use(u) for u in obliged if u.annual_plan_m3 is not None)
    return _share(
        planned,
        sum(_use(u) for u in obliged),
        "纳入计划管理的用水量",
        "planned use",
        users=len(obliged),
        permit_holders=len(permit),
        over_monthly_line=len(must),
    )


_IRRIGATION_BASIS = {
    "net_field_m3": ("灌区净灌溉水量/毛取水量", "net water to fields / gross withdrawal"),
    "metered_withdrawal_m3": ("灌区计量取水量/毛取水量", "metered / gross withdrawal"),
}


def _irrigation(data: CountyInput, numerator: str) -> Figure:
    # County figures weight the districts by their withdrawal (sums, not a mean of ratios).
    records = [d.record for d in data.districts if d.record]
    part = sum(r.get(numerator) or 0 for r in records)
    whole = sum(r["gross_withdrawal_m3"] for r in records)
    zh, en = _IRRIGATION_BASIS[numerator]
    return _share(part, whole, zh, en, districts=len(records))


def _efficient_irrigation(data: CountyInput) -> Figure:
    return _share(
        sum(d.efficient_area_mu for d in data.districts),
        sum(d.declared_area_mu or 0 for d in data.districts),
        "高效节水灌溉面积/有效灌溉面积（亩）",
        "efficient / effective irrigated area (mu)",
        districts=len(data.districts),
    )


def _reclaimed(data: CountyInput) -> Figure:
    months = [m for p in data.plants if p.status == "operating" for m in p.months]
    return _share(
        sum(m["reclaimed_m3"] or 0 for m in months),
        sum(m["treated_m3"] or 0 for m in months),
        "再生水利用量/处理量",
        "reclaimed / treated",
    )


def _metering(data: CountyInput, sectors: tuple[str, ...], zh: str, en: str) -> Figure:
    users = [u for u in data.users if u.sector in sectors]
    return _share(
        sum(u.metered_m3 for u in users),
        sum(_use(u) for u in users),
        zh,
        en,
        users=len(users),
    )


def _nonconventional(data: CountyInput) -> Figure:
    """The statistics' non-conventional use ÷ total use; details set beside it what the records
    account for: the plants' reclaimed water (their monthly records) and the users' own
    non-conventional use (register nonconventional-uses)."""
    total, parts = abstraction_total(data.stats)
    used = (data.stats or {}).get("abstraction_nonconventional_m3")
    if total is None or used is None:
        return _none("无非常规水源利用量或按水源统计的取水量", "no non-conventional or total use")
    plants = sum(m.get("reclaimed_m3") or 0.0 for p in data.plants for m in p.months)
    users = sum(r["volume_m3"] for r in (data.registers or {}).get("nonconventional", []))
    f = _share(
        used, total, "非常规水源利用量/用水总量", "non-conventional / total use",
        **parts, plants_reclaimed_m3=round(plants), users_m3=round(users),
    )  # fmt: skip
    if not (plants or users):
        return f
    return Figure(
        f.value,
        f"{f.basis_zh}；台账合计 {fmt(plants + users, 0)} m³"
        f"（污水处理厂再生水 {fmt(plants, 0)} m³，用水户 {fmt(users, 0)} m³）",
        f"{f.basis_en}; records account for {fmt(plants + users, 0)} m³ (plants' reclaimed "
        f"{fmt(plants, 0)} m³, users {fmt(users, 0)} m³)",
        f.details,
    )


Figures = Callable[[CountyInput, list[Row], Indicators], Figure]
FIGURES: dict[str, Figures] = {
    "county.total_use_vs_cap": lambda d, r, i: _cap(d),
    "county.gdp_intensity_decline": lambda d, r, i: _decline(
        d, i["county.gdp_intensity_decline"], "gdp_10k_yuan"
    ),
    "county.industrial_intensity_decline": lambda d, r, i: _decline(
        d, i["county.industrial_intensity_decline"], "industrial_value_added_10k_yuan"
    ),
    "county.irrigation_coefficient": lambda d, r, i: _irrigation(d, "net_field_m3"),
    "county.planned_use_coverage": _planned_coverage,
    "county.irrigation_metering": lambda d, r, i: _irrigation(d, "metered_withdrawal_m3"),
    "county.industry_metering": lambda d, r, i: _metering(
        d, ("industry",), "工业计量用水量/工业用水量", "industrial metered / industrial use"
    ),
    "county.services_metering": lambda d, r, i: _metering(
        d,
        SERVICES_SECTORS,
        "服务业与公共机构计量用水量/用水量",
        "services and public institutions metered / use",
    ),
    "county.carrier_enterprise_share": lambda d, r, i: _carrier(
        d, ("industry",), "enterprise", "节水型企业/工业用户", "water-saving enterprises"
    ),
    "county.carrier_institution_share": lambda d, r, i: _carrier(
        d,
        ("public_institution",),
        "institution",
        "节水型单位/公共机构",
        "water-saving institutions",
    ),
    "county.carrier_community_share": lambda d, r, i: _carrier(
        d, ("residential",), "community", "节水型小区/居民小区", "water-saving communities"
    ),
    "county.supply_leakage": lambda d, r, i: _leakage(d, r),
    "county.nonconventional_use": lambda d, r, i: _nonconventional(d),
    "county.efficient_irrigation": lambda d, r, i: _efficient_irrigation(d),
    # Other assessments (never in the pass total).
    "county.wfz_compliance_rate": lambda d, r, i: _verdict_share(
        r, "wfz.quality", "达标水功能区/评价水功能区", "compliant / assessed zones"
    ),
    "county.town_cap_compliance": lambda d, r, i: _verdict_share(
        r, "town.water_use_cap", "控制指标内的乡镇/设指标的乡镇", "towns within / towns with a cap"
    ),
    "county.sewage_coverage": lambda d, r, i: _verdict_share(
        r, "town.sewage_plant", "有污水处理厂的镇/镇", "towns with a plant / towns"
    ),
    "county.sewage_effluent": lambda d, r, i: _verdict_share(
        r, "sewage.effluent", "出水达标的污水处理厂/运行中", "compliant / operating plants"
    ),
    "county.reclaimed_water_rate": lambda d, r, i: _reclaimed(d),
    # Management lines, from the registers (registers app).
    **REGISTER_FIGURES,
}


def _assumed(i: IndicatorData, status: str, name_zh: str) -> Verdict:
    word_zh, word_en = verdict_text(status)
    return Verdict(
        None,
        i.threshold,
        i.unit,
        status,
        {"assumed": True},
        f"{name_zh}：情景假设（佐证材料{'齐备' if status == COMPLIANT else '不足'}），"
        f"{word_zh}（{i.ref}）。",
        f"Scenario assumption (evidence {'in place' if status == COMPLIANT else 'lacking'}): "
        f"{word_en} ({i.ref}).",
    )


def _line_verdict(i: IndicatorData, figure: Figure | None, name_zh: str) -> Verdict:
    if figure is None:
        zh = f"{name_zh}：本系统暂无可计算该项的数据，不能评分（{i.ref}）。"
        en = f"No data in the system to compute this line; it cannot be scored ({i.ref})."
        return Verdict(None, i.threshold, i.unit, NO_DATA, {"computable": False}, zh, en)
    threshold = figure.threshold if figure.threshold is not None else i.threshold
    status = status_of(figure.value, i.comparator, threshold) if threshold is not None else NO_DATA
    # a share as a percentage, a coefficient (no unit) with three decimals, else value + unit
    show = pct if i.unit == "0–1" else (lambda v: f"{fmt(v, 2 if i.unit else 3)} {i.unit}".strip())
    sign = {"gte": "≥", "lte": "≤"}.get(i.comparator, "")
    word_zh, word_en = verdict_text(status)
    if figure.value is None:
        zh, en = (
            f"{figure.basis_zh}，不能评分（{i.ref}）。",
            f"{figure.basis_en}; cannot be scored ({i.ref}).",
        )
    else:
        zh = (
            f"{name_zh} {show(figure.value)}（{figure.basis_zh}），要求 {sign} "
            f"{show(threshold)}，{word_zh}（{i.ref}）。"
        )
        en = (
            f"{show(figure.value)} ({figure.basis_en}); required {sign} {show(threshold)}: "
            f"{word_en} ({i.ref})."
        )
    return Verdict(figure.value, threshold, i.unit, status, figure.details, zh, en)


def county_rows(
    data: CountyInput, rows: list[Row], ind: Indicators, names_zh: dict[str, str]
) -> list[Row]:
    """Every scorecard line of the county as a verdict row (layer 'county')."""
    out = []
    for code, i in ind.items():
        if not code.startswith("county.") or code == PASS_LINE:
            continue
        figure_fn = FIGURES.get(code)
        name = names_zh.get(code, code)
        if code in data.assumed:
            verdict = _assumed(i, data.assumed[code], name)
        else:
            verdict = _line_verdict(i, figure_fn(data, rows, ind) if figure_fn else None, name)
        out.append(Row(code, "county", data.area_id, data.area_code, verdict))
    return out


@dataclass(frozen=True)
class ScoreLine:
    code: str
    kind: str
    assessment: str
    value: float | None
    unit: str
    points: float
    max_points: float
    status: str


def score(lines: list[ScoreLine], pass_line: float, bonus_cap: float = 0.0) -> dict:
    """The 2017 standard's verdict from its lines (lines of other assessments are ignored).

    total = points of the compliant scored lines + bonus points (at most bonus_cap).
    Prerequisites veto and score nothing. Lines without data score nothing and are counted
    as unjudged: maximum_attainable = the scored points the data held can judge (+ the bonus
    they can judge, capped); best_case = total + every unjudged point + the bonus headroom.
    verdict: failed when a prerequisite fails or even the best case misses the pass line;
    passed when the total reaches it with every prerequisite met; else cannot_be_judged;
    no_data when the year has no line at all.
    """
    std = [line for line in lines if line.assessment == STANDARD]
    prerequisites = [line for line in std if line.kind == "prerequisite"]
    scored = [line for line in std if line.kind == "scorecard"]
    bonus = [line for line in std if line.kind == "bonus"]
    base = sum(line.points for line in scored)
    bonus_earned = min(bonus_cap, sum(line.points for line in bonus))
    total = base + bonus_earned
    unjudged = [line for line in scored + bonus if line.status == NO_DATA]
    unjudged_points = sum(line.max_points for line in scored if line.status == NO_DATA)
    bonus_judgeable = sum(line.max_points for line in bonus if line.status != NO_DATA)
    bonus_possible = min(bonus_cap, sum(line.max_points for line in bonus))
    max_total = sum(line.max_points for line in scored)
    best_case = base + unjudged_points + bonus_possible
    vetoes = [line.code for line in prerequisites if line.status == NON_COMPLIANT]
    unknown = [line.code for line in prerequisites if line.status == NO_DATA]
    if not std:
        verdict = VERDICT_NO_DATA
    elif vetoes or best_case < pass_line:
        verdict = FAILED
    elif total >= pass_line and not unknown:
        verdict = PASSED
    else:
        verdict = CANNOT_BE_JUDGED
    return {
        "verdict": verdict,
        "passed": verdict == PASSED,
        "total": round(total, 2),
        "scored_points": round(base, 2),
        "bonus_points": round(bonus_earned, 2),
        "bonus_cap": bonus_cap,
        "max_total": max_total,
        "maximum_attainable": round(
            max_total - unjudged_points + min(bonus_cap, bonus_judgeable), 2
        ),
        "best_case": round(best_case, 2),
        "unjudged_points": round(unjudged_points, 2),
        "unjudged_codes": [line.code for line in unjudged],
        "pass_line": pass_line,
        "vetoed_by": vetoes,
        "prerequisites_without_data": unknown,
    }


def line_points(kind: str, status: str, points: float) -> float:
    """Full points for a compliant scored or bonus line, none otherwise (no partial scoring is
    defined); a prerequisite never scores."""
    return points if status == COMPLIANT and kind != "prerequisite" else 0.0


def score_rows(rows: list[Row], ind: Indicators) -> dict:
    """The verdict of county verdict rows (a scenario's or the action list's, unsaved)."""
    lines = [
        ScoreLine(
            r.indicator,
            ind[r.indicator].kind,
            ind[r.indicator].assessment,
            r.verdict.value,
            r.verdict.unit,
            line_points(ind[r.indicator].kind, r.verdict.status, ind[r.indicator].points),
            ind[r.indicator].points,
            r.verdict.status,
        )
        for r in rows
        if r.layer == "county" and r.indicator in ind
    ]
    pass_line = ind[PASS_LINE].threshold if PASS_LINE in ind else float("inf")
    bonus_cap = ind[PASS_LINE].params.get("bonus_cap", 0) if PASS_LINE in ind else 0
    return score(lines, pass_line if pass_line is not None else float("inf"), bonus_cap)


__all__ = [
    "CANNOT_BE_JUDGED",
    "FAILED",
    "PASSED",
    "PASS_LINE",
    "STANDARD",
    "ScoreLine",
    "abstraction_total",
    "consumption_total",
    "county_rows",
    "line_points",
    "score",
    "score_rows",
]
