"""The county scorecard (县域节水型社会达标): lines computed from the data and the feature verdicts.

Points, thresholds and the pass line are indicator data (水资源〔2017〕184号 attachment; values
unverified until the bureau confirms them). A line without data scores 0 and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.evaluators import IndicatorData, Indicators, Row
from compliance.inputs import CountyInput
from compliance.rules import COMPLIANT, NO_DATA, Verdict, fmt, pct, status_of, verdict_text

PASS_LINE = "county.pass_line"  # noqa: S105 - an indicator code


@dataclass(frozen=True)
class Figure:
    """A county figure: its value (None = no data) and how it was obtained, in both languages."""

    value: float | None
    basis_zh: str
    basis_en: str
    details: dict


def _share(part: float, whole: float, zh: str, en: str, **details) -> Figure:
    if not whole:
        return Figure(None, f"无{zh}数据", f"no data on {en}", details)
    return Figure(
        part / whole,
        f"{zh}：{fmt(part, 2)} / {fmt(whole, 2)}",
        f"{en}: {fmt(part, 2)} / {fmt(whole, 2)}",
        {**details, "part": part, "whole": whole},
    )


def _statuses(rows: list[Row], code: str) -> list[str]:
    return [r.verdict.status for r in rows if r.indicator == code]


def _verdict_share(rows: list[Row], code: str, zh: str, en: str) -> Figure:
    assessed = [s for s in _statuses(rows, code) if s != NO_DATA]
    good = sum(1 for s in assessed if s == COMPLIANT)
    return _share(good, len(assessed), zh, en, assessed=len(assessed), compliant=good)


def _total_use(data: CountyInput) -> float:
    users = sum(sum(u.monthly_m3) for u in data.users)
    fields = sum(d.record["gross_withdrawal_m3"] for d in data.districts if d.record)
    return users + fields


def _carrier(data: CountyInput, sector: str, kind: str, zh: str, en: str) -> Figure:
    members = [u for u in data.users if u.sector == sector]
    return _share(sum(1 for u in members if u.carrier == kind), len(members), zh, en)


def _per(data: CountyInput, use: float, stat: str, zh: str, en: str) -> Figure:
    denominator = (data.stats or {}).get(stat)
    if not denominator:
        return Figure(None, f"无{zh}数据", f"no {en} statistics", {})
    return Figure(
        use / denominator,
        f"用水 {fmt(use, 0)} m³ / {zh} {fmt(denominator, 0)} 万元",
        f"use {fmt(use, 0)} m³ / {en} {fmt(denominator, 0)} 10k yuan",
        {"use_m3": use, stat: denominator},
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
        return Figure(None, "无供水分区水平衡数据", "no supply-zone water balance", {})
    value = sum(v * w for v, w in pairs) / total
    return Figure(
        value,
        f"{len(pairs)} 个供水分区按供水量加权",
        f"{len(pairs)} zones, weighted by system input",
        {"zones": len(pairs), "system_input_m3": total},
    )


def _planned_coverage(data: CountyInput, rows: list[Row]) -> Figure:
    # Coverage = planned use ÷ use of the users that must be planned.
    must = {
        r.feature_id
        for r in rows
        if r.indicator == "user.planned_use" and r.verdict.details.get("must_plan")
    }
    obliged = [u for u in data.users if u.id in must]
    planned = sum(sum(u.monthly_m3) for u in obliged if u.annual_plan_m3 is not None)
    return _share(
        planned,
        sum(sum(u.monthly_m3) for u in obliged),
        "纳入计划管理的用水量",
        "planned use",
        users=len(obliged),
    )


def _cap(data: CountyInput) -> Figure:
    cap = (data.stats or {}).get("water_use_cap_m3")
    if not cap:
        return Figure(None, "未设用水总量控制指标", "no water-use cap set", {})
    use = _total_use(data)
    return Figure(
        use / cap,
        f"用水总量 {fmt(use, 0)} m³ / 控制指标 {fmt(cap, 0)} m³",
        f"total use {fmt(use, 0)} m³ / cap {fmt(cap, 0)} m³",
        {"use_m3": use, "cap_m3": cap},
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


def _reclaimed(data: CountyInput) -> Figure:
    months = [m for p in data.plants if p.status == "operating" for m in p.months]
    return _share(
        sum(m["reclaimed_m3"] or 0 for m in months),
        sum(m["treated_m3"] or 0 for m in months),
        "再生水利用量/处理量",
        "reclaimed / treated",
    )


def _user_metering(data: CountyInput) -> Figure:
    return _share(
        sum(u.metered_m3 for u in data.users),
        sum(sum(u.monthly_m3) for u in data.users),
        "计量用水量/用水量",
        "metered / total use",
    )


FIGURES: dict[str, Callable[[CountyInput, list[Row]], Figure]] = {
    "county.total_use_vs_cap": lambda d, r: _cap(d),
    "county.planned_use_coverage": _planned_coverage,
    "county.irrigation_metering": lambda d, r: _irrigation(d, "metered_withdrawal_m3"),
    "county.user_metering": lambda d, r: _user_metering(d),
    "county.carrier_enterprise_share": lambda d, r: _carrier(
        d, "industry", "enterprise", "节水型企业/工业用户", "water-saving enterprises"
    ),
    "county.carrier_institution_share": lambda d, r: _carrier(
        d, "public_institution", "institution", "节水型单位/公共机构", "water-saving institutions"
    ),
    "county.carrier_community_share": lambda d, r: _carrier(
        d, "residential", "community", "节水型小区/居民小区", "water-saving communities"
    ),
    "county.supply_leakage": _leakage,
    "county.irrigation_coefficient": lambda d, r: _irrigation(d, "net_field_m3"),
    "county.wfz_compliance_rate": lambda d, r: _verdict_share(
        r, "wfz.quality", "达标水功能区/评价水功能区", "compliant / assessed zones"
    ),
    "county.sewage_coverage": lambda d, r: _verdict_share(
        r, "town.sewage_plant", "有污水处理厂的镇/镇", "towns with a plant / towns"
    ),
    "county.sewage_effluent": lambda d, r: _verdict_share(
        r, "sewage.effluent", "出水达标的污水处理厂/运行中", "compliant / operating plants"
    ),
    "county.use_per_10k_gdp": lambda d, r: _per(
        d, _total_use(d), "gdp_10k_yuan", "地区生产总值", "GDP"
    ),
    "county.use_per_10k_industrial_value_added": lambda d, r: _per(
        d,
        sum(sum(u.monthly_m3) for u in d.users if u.sector == "industry"),
        "industrial_value_added_10k_yuan",
        "工业增加值",
        "industrial value added",
    ),
    "county.reclaimed_water_rate": lambda d, r: _reclaimed(d),
}


def _line_verdict(i: IndicatorData, figure: Figure | None, name_zh: str) -> Verdict:
    if figure is None:
        zh = f"{name_zh}：本系统暂无可计算该项的数据，按 0 分计（{i.ref}）。"
        en = f"No data in the system to compute this line; it scores 0 ({i.ref})."
        return Verdict(None, i.threshold, i.unit, NO_DATA, {"computable": False}, zh, en)
    status = (
        status_of(figure.value, i.comparator, i.threshold) if i.threshold is not None else NO_DATA
    )
    show = pct if i.unit == "0–1" else (lambda v: f"{fmt(v, 2)} {i.unit}")
    sign = {"gte": "≥", "lte": "≤"}.get(i.comparator, "")
    word_zh, word_en = verdict_text(status)
    if figure.value is None:
        zh, en = (
            f"{figure.basis_zh}，按 0 分计（{i.ref}）。",
            f"{figure.basis_en}; scores 0 ({i.ref}).",
        )
    else:
        zh = (
            f"{name_zh} {show(figure.value)}（{figure.basis_zh}），要求 {sign} "
            f"{show(i.threshold)}，{word_zh}（{i.ref}）。"
        )
        en = (
            f"{show(figure.value)} ({figure.basis_en}); required {sign} {show(i.threshold)}: "
            f"{word_en} ({i.ref})."
        )
    return Verdict(figure.value, i.threshold, i.unit, status, figure.details, zh, en)


def county_rows(
    data: CountyInput, rows: list[Row], ind: Indicators, names_zh: dict[str, str]
) -> list[Row]:
    """Every scorecard line of the county as a verdict row (layer 'county')."""
    out = []
    for code, i in ind.items():
        if not code.startswith("county.") or code == PASS_LINE:
            continue
        figure_fn = FIGURES.get(code)
        figure = figure_fn(data, rows) if figure_fn else None
        out.append(
            Row(
                code,
                "county",
                data.area_id,
                data.area_code,
                _line_verdict(i, figure, names_zh.get(code, code)),
            )
        )
    return out


@dataclass(frozen=True)
class ScoreLine:
    code: str
    kind: str
    value: float | None
    unit: str
    points: float
    max_points: float
    status: str


def score(lines: list[ScoreLine], pass_line: float) -> dict:
    """Total (sum of the lines' points, bonus included), maximum, and the pass verdict.

    A failed prerequisite vetoes the pass whatever the total; a no_data prerequisite too,
    since compliance cannot be shown without it.
    """
    total = sum(line.points for line in lines)
    max_total = sum(line.max_points for line in lines if line.kind != "bonus")
    vetoes = [
        line.code for line in lines if line.kind == "prerequisite" and line.status != COMPLIANT
    ]
    return {
        "total": round(total, 2),
        "max_total": max_total,
        "pass_line": pass_line,
        "passed": total >= pass_line and not vetoes,
        "vetoed_by": vetoes,
    }


def line_points(kind: str, status: str, points: float) -> float:
    """Full points for a compliant line, none otherwise (no partial scoring is defined)."""
    return points if status == COMPLIANT else 0.0


__all__ = ["PASS_LINE", "ScoreLine", "county_rows", "line_points", "score"]
